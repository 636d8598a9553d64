from django.urls import path

from experts import views

app_name = "experts"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/parts/", views.part_record, name="part"),
    path("visits/<int:pk>/diagnose/", views.diagnose, name="diagnose"),
    path("visits/<int:pk>/spaces/<int:confined_space_id>/review/", views.review, name="review"),
    path("visits/<int:pk>/report/", views.report_issue, name="report"),
    path("visits/<int:pk>/report.docx", views.report_download, name="report_docx"),
    path("visits/<int:pk>/close/", views.close, name="close"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
    path("enterprises/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("enterprises/<int:pk>/spaces/", views.ledger, name="ledger"),
    path("enterprises/<int:pk>/spaces/new/", views.space_create, name="space_create"),
    path("enterprises/<int:pk>/spaces/export/", views.ledger_export, name="ledger_export"),
    path("spaces/<int:pk>/edit/", views.space_edit, name="space_edit"),
]
