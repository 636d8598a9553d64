"""双随机、一公开: the published draws, readable without logging in; and the typical
enforcement cases published (典型案例曝光, `case_urlpatterns`, mounted at /public/cases/)."""

from django.urls import path

from enforcement.plans import views
from enforcement.remote import views as remote_views

app_name = "public"
urlpatterns = [
    path("", views.public_draws, name="draws"),
    path("<int:pk>/", views.public_draw, name="draw"),
    path("<int:pk>/inputs.json", views.public_draw_inputs, name="draw_inputs"),
]

case_urlpatterns = ([path("", remote_views.public_cases, name="list")], "public_cases")
