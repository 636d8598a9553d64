from django.urls import path

from accidents import views

app_name = "accidents"
urlpatterns = [
    path("", views.accident_list, name="list"),
    path("new/", views.create, name="create"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/void/", views.void, name="void"),
]
