from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/new/", views.commitment_create, name="commitment_create"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/withdraw/", views.commitment_withdraw, name="commitment_withdraw"),
    path("commitments/<int:pk>/breaches/new/", views.breach_create, name="breach_create"),
    path("breaches/", views.breach_list, name="breaches"),
    path("breaches/<int:pk>/revoke/", views.breach_revoke, name="breach_revoke"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
]
