from django.urls import path

from enforcement import enterprise_tab
from enforcement.inspections import views as inspection_views
from enforcement.penalties import views as penalty_views
from enforcement.plans import views as plan_views
from enforcement.remote import views as remote_views

app_name = "enforcement"
urlpatterns = [
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/<slug:action>/", plan_views.plan_act, name="plan_act"),
    path("draws/", plan_views.draw_list, name="draws"),
    path("draws/new/", plan_views.draw_new, name="draw_new"),
    path("draws/<int:pk>/", plan_views.draw_detail, name="draw"),
    path("draws/<int:pk>/publish/", plan_views.draw_publish, name="draw_publish"),
    path("assignments/<int:pk>/outcome/", plan_views.assignment_outcome, name="outcome"),
    path("conflicts/", plan_views.conflicts, name="conflicts"),
    path("conflicts/<int:pk>/withdraw/", plan_views.conflict_withdraw, name="conflict_withdraw"),
    path("inspectors/<int:pk>/", plan_views.inspector_toggle, name="inspector_toggle"),
    path("penalties/", penalty_views.penalty_list, name="penalties"),
    path("penalties/new/", penalty_views.penalty_new, name="penalty_new"),
    path("penalties/<int:pk>/", penalty_views.penalty_detail, name="penalty"),
    path("inspections/", inspection_views.inspection_list, name="inspections"),
    path("inspections/new/", inspection_views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", inspection_views.inspection_detail, name="inspection"),
    path(
        "inspections/<int:pk>/items/<int:item_id>/",
        inspection_views.inspection_answer,
        name="inspection_answer",
    ),
    path(
        "inspections/<int:pk>/sections/<int:section_id>/not-applicable/",
        inspection_views.inspection_section,
        name="inspection_section",
    ),
    path(
        "inspections/<int:pk>/complete/",
        inspection_views.inspection_complete,
        name="inspection_complete",
    ),
    path(
        "inspections/<int:pk>/evidence/",
        inspection_views.inspection_evidence,
        name="inspection_evidence",
    ),
    path(
        "inspections/<int:pk>/recheck/",
        inspection_views.inspection_recheck,
        name="inspection_recheck",
    ),
    path("documents/<int:pk>/", inspection_views.document_download, name="document"),
    path("inspection-photos/<int:pk>/", inspection_views.inspection_photo, name="inspection_photo"),
    path("checklists/", inspection_views.checklist_list, name="checklists"),
    path("statistics/", penalty_views.inspection_statistics, name="statistics"),
    path("enterprise/<int:pk>/", enterprise_tab.enterprise_tab, name="enterprise"),
    path("remote/", remote_views.remote_list, name="remotes"),
    path("remote/new/", remote_views.remote_new, name="remote_new"),
    path("remote/<int:pk>/", remote_views.remote_detail, name="remote"),
    path("remote/<int:pk>/answer/", remote_views.remote_answer, name="remote_answer"),
    path("remote/<int:pk>/decide/", remote_views.remote_decide, name="remote_decide"),
    path("remote-files/<int:pk>/", remote_views.remote_file, name="remote_file"),
    path("assistance/", remote_views.assistance_list, name="assistances"),
    path("assistance/<int:pk>/", remote_views.assistance_detail, name="assistance"),
    path("cases/", remote_views.case_list, name="cases"),
]
