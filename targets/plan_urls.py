"""The routes of the towns' plans and the large screen, mounted by targets/urls.py inside the
"targets" namespace (`path("", include("targets.plan_urls"))`)."""

from django.urls import path

from targets import plan_views, screen_views

urlpatterns = [
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/<int:town_id>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:town_id>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<int:town_id>/notes/new/", plan_views.note_create, name="plan_note"),
    path("screen/", screen_views.screen, name="screen"),
    path("screen/data.json", screen_views.screen_data, name="screen_data"),
]
