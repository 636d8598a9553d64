from django.urls import path

from certificates import views

app_name = "certificates"
urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("export/", views.list_export, name="list_export"),
    path("gaps/", views.gap_list, name="gaps"),
    path("template/", views.template, name="template"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
    path("enterprises/<int:pk>/new/", views.create, name="create"),
    path("enterprises/<int:pk>/required/", views.required, name="required"),
    path("enterprises/<int:pk>/import/", views.import_view, name="import"),
    path("enterprises/<int:pk>/export/", views.export, name="export"),
    path("required/<int:pk>/raise/", views.raise_gap, name="raise_gap"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/evidence/", views.evidence, name="evidence"),
]
