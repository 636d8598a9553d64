from django.urls import include, path

from targets import report_views, views

app_name = "targets"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("gaps/<slug:measure>/", views.gaps, name="gaps"),
    path("refresh/", views.refresh, name="refresh"),
    path("export/", views.export, name="export"),
    path("", include("targets.plan_urls")),
    path("reports/", include(report_views.urlpatterns)),
]
