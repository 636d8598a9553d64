from django.urls import path

from hazards import views

app_name = "hazards"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("report/", views.report, name="report"),
    path("criteria/", views.criteria, name="criteria"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("zero-out/", views.zero_out, name="zero_out"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
