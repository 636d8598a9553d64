from django.urls import path

from enforcement import views

app_name = "enforcement"
urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/<slug:action>/", views.plan_act, name="plan_act"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/new/", views.draw_new, name="draw_new"),
    path("draws/<int:pk>/", views.draw_detail, name="draw"),
    path("draws/<int:pk>/publish/", views.draw_publish, name="draw_publish"),
    path("assignments/<int:pk>/outcome/", views.assignment_outcome, name="outcome"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("conflicts/<int:pk>/withdraw/", views.conflict_withdraw, name="conflict_withdraw"),
    path("inspectors/<int:pk>/", views.inspector_toggle, name="inspector_toggle"),
    path("penalties/", views.penalty_list, name="penalties"),
    path("penalties/new/", views.penalty_new, name="penalty_new"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path(
        "inspections/<int:pk>/items/<int:item_id>/",
        views.inspection_answer,
        name="inspection_answer",
    ),
    path("inspections/<int:pk>/complete/", views.inspection_complete, name="inspection_complete"),
    path("inspections/<int:pk>/evidence/", views.inspection_evidence, name="inspection_evidence"),
    path("inspections/<int:pk>/recheck/", views.inspection_recheck, name="inspection_recheck"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("inspection-photos/<int:pk>/", views.inspection_photo, name="inspection_photo"),
    path("checklists/", views.checklist_list, name="checklists"),
    path("statistics/", views.inspection_statistics, name="statistics"),
    path("enterprise/<int:pk>/", views.enterprise_tab, name="enterprise"),
]
