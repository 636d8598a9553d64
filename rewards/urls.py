from django.urls import path

from rewards import views

app_name = "rewards"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("stats/", views.stats, name="stats"),
    path("enterprises/<int:pk>/", views.enterprise, name="enterprise"),
    path("enterprises/<int:pk>/tab/", views.enterprise_tab, name="tab"),
    path("enterprises/<int:pk>/rule/", views.rule, name="rule"),
    path("enterprises/<int:pk>/poster/", views.poster, name="poster"),
    path("enterprises/<int:pk>/rotate/", views.rotate, name="rotate"),
    path("enterprises/<int:pk>/export/", views.ledger_export, name="export"),
    path("rewards/<int:pk>/approve/", views.approve, name="approve"),
    path("rewards/<int:pk>/pay/", views.pay, name="pay"),
]
