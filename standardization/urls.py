from django.urls import path

from standardization import views

app_name = "standardization"
urlpatterns = [
    path("", views.rating_list, name="list"),
    path("apply/", views.apply, name="apply"),
    path("overview/", views.overview, name="overview"),
    path("export.xlsx", views.export, name="export"),
    path("checks/", views.checks, name="checks"),
    path("checks/draw/", views.draw, name="draw"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
    path("benchmarks/<int:pk>/withdraw/", views.benchmark_withdraw, name="benchmark_withdraw"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
