from django.urls import path

from risks import views

app_name = "risks"
urlpatterns = [
    path("", views.risk_list, name="list"),
    path("enterprises/<int:pk>/", views.enterprise_register, name="enterprise"),
    path("enterprises/<int:pk>/tab/", views.enterprise_tab, name="tab"),
    path("enterprises/<int:pk>/plan/", views.site_plan, name="plan"),
    path("enterprises/<int:pk>/plan/image/", views.plan_image, name="plan_image"),
    path("distribution/", views.distribution, name="distribution"),
    path("enterprises/<int:pk>/units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/card/", views.card, name="card"),
    path("units/<int:pk>/points/new/", views.point_create, name="point_create"),
    path("points/<int:pk>/risks/new/", views.risk_create, name="risk_create"),
    path("measures/<int:pk>/withdraw/", views.measure_withdraw, name="measure_withdraw"),
    path("checks/", views.check_list, name="checks"),
    path("checks/<int:pk>/answer/", views.check_answer, name="check_answer"),
    path("not-running/", views.not_running, name="not_running"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/assess/", views.assess, name="assess"),
    path("<int:pk>/measures/new/", views.measure_create, name="measure_create"),
]
