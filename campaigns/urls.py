from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/targeting/", views.targeting, name="targeting"),
    path("<int:pk>/items/", views.add_item, name="add_item"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/checklist/", views.checklist, name="checklist"),
    path("<int:pk>/towns/", views.towns, name="towns"),
    path("<int:pk>/ledger/", views.ledger, name="ledger"),
    path("targets/<int:pk>/", views.target_detail, name="target"),
    path("findings/<int:pk>/carry-over/", views.carry_over, name="carry_over"),
]
