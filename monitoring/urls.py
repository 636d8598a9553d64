from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("connect/", views.connect_list, name="connect"),
    path("connect/export/", views.connect_export, name="connect_export"),
    path("alarms/", views.alarm_list, name="alarms"),
    path("alarms/<int:pk>/", views.alarm_detail, name="alarm"),
    path("alarms/<int:pk>/<slug:action>/", views.alarm_act, name="alarm_act"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/review/", views.warning_review, name="warning_review"),
    path("gateways/", views.gateways, name="gateways"),
    path("gateways/new/", views.gateway_create, name="gateway_create"),
    path("gateways/<int:pk>/rotate/", views.gateway_rotate, name="gateway_rotate"),
    path("gateways/<int:pk>/points/new/", views.point_create, name="point_create"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
]
