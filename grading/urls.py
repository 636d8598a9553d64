from django.urls import path

from grading import views

app_name = "grading"
urlpatterns = [
    path("", views.grade_list, name="list"),
    path("rules/", views.rules, name="rules"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/card/", views.card, name="card"),
    path("<int:pk>/override/", views.request_override, name="request_override"),
    path("<int:pk>/recompute/", views.recompute, name="recompute"),
    path("overrides/<int:override_id>/decide/", views.decide, name="decide"),
    path("overrides/<int:override_id>/revoke/", views.revoke, name="revoke"),
]
