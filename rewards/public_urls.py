"""The public report link a poster's QR code carries: /r/<token>/ (no log-in needed)."""

from django.urls import path

from rewards import views

urlpatterns = [path("<str:token>/", views.public_report, name="public_report")]
