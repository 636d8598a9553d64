"""举报: the public's pages, without log-in."""

from django.urls import path

from tips import views

app_name = "public_tips"
urlpatterns = [
    path("", views.public_form, name="form"),
    path("search/", views.public_search, name="search"),
    path("status/", views.public_status, name="status"),
]
