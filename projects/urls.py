from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.create, name="create"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
    path("enterprises/<int:pk>/equipment/new/", views.equipment_create, name="equipment_create"),
    path("enterprises/<int:pk>/equipment/import/", views.equipment_import, name="equipment_import"),
    path("enterprises/<int:pk>/equipment/export/", views.equipment_export, name="equipment_export"),
    path("equipment/template/", views.equipment_template, name="equipment_template"),
    path("equipment/<int:pk>/edit/", views.equipment_edit, name="equipment_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
