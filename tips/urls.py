from django.urls import path

from tips import views

app_name = "tips"
urlpatterns = [
    path("", views.tip_list, name="list"),
    path("statistics/", views.statistics, name="statistics"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/contact/", views.contact, name="contact"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
