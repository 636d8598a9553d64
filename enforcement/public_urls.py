"""双随机、一公开: the published draws, readable without logging in."""

from django.urls import path

from enforcement.plans import views

app_name = "public"
urlpatterns = [
    path("", views.public_draws, name="draws"),
    path("<int:pk>/", views.public_draw, name="draw"),
    path("<int:pk>/inputs.json", views.public_draw_inputs, name="draw_inputs"),
]
