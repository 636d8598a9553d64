from django.urls import path

from hazards import views

app_name = "hazards"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("report/", views.report, name="report"),
    path("criteria/", views.criteria, name="criteria"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("zero-out/", views.zero_out, name="zero_out"),
    path("duties/", views.duty_board, name="duties"),
    path("self-inspections/", views.self_inspections, name="self_inspections"),
    path("self-inspections/new/", views.self_inspection_new, name="self_inspection_new"),
    path("self-inspections/<int:pk>/", views.self_inspection_detail, name="self_inspection"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
