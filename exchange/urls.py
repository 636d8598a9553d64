from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("subscribers/new/", views.subscriber_new, name="subscriber_new"),
    path("subscribers/<int:pk>/", views.subscriber, name="subscriber"),
    path("subscribers/<int:pk>/replay/", views.subscriber_replay, name="subscriber_replay"),
    path("subscribers/<int:pk>/secret/", views.subscriber_secret, name="subscriber_secret"),
    path("platforms/new/", views.platform_new, name="platform_new"),
    path("platforms/<int:pk>/toggle/", views.platform_toggle, name="platform_toggle"),
]
