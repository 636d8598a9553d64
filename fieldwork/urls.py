from django.urls import path

from fieldwork import views

app_name = "fieldwork"

urlpatterns = [
    path("offline/", views.offline, name="offline"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
