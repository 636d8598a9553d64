from django.urls import path

from core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("ops/", views.ops_page, name="ops"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/settings/", views.notification_settings, name="notification_settings"),
    path("notifications/rules/", views.notification_rules_page, name="notification_rules"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox_open"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("kept-photos/<str:token>/", views.kept_photo, name="kept_photo"),
]
