from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("", views.board, name="board"),
    path("principals-missing/", views.principals_missing, name="principals_missing"),
    path("drills-missing/", views.drills_missing, name="drills_missing"),
    path("officers/", views.officers, name="officers"),
    path("officers/new/", views.officer_training_create, name="officer_create"),
    path("observations/new/", views.observation_create, name="observation_create"),
    path("export/", views.export, name="export"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
    path("enterprises/<int:pk>/new/", views.training_create, name="create"),
    path("enterprises/<int:pk>/drills/new/", views.drill_create, name="drill_create"),
    path("drills/<int:pk>/", views.drill_detail, name="drill"),
    path("photos/<int:pk>/", views.drill_photo, name="photo"),
    path("findings/<int:pk>/hazard/", views.finding_hazard, name="finding_hazard"),
    path("records/<int:pk>/evidence/", views.evidence, name="evidence"),
]
