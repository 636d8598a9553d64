from django.urls import path

from accident_warnings import views

app_name = "accident_warnings"
urlpatterns = [
    path("", views.index, name="index"),
    path("rates/", views.rates, name="rates"),
    path("accidents/<int:accident_pk>/new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/recipients/add/", views.add_recipient, name="add_recipient"),
    path(
        "<int:pk>/recipients/<int:enterprise_pk>/remove/",
        views.remove_recipient,
        name="remove_recipient",
    ),
    path("<int:pk>/issue/", views.issue, name="issue"),
    path("<int:pk>/campaign/", views.start_campaign, name="start_campaign"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/attachment/", views.attachment, name="attachment"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise"),
    path("enterprises/<int:pk>/letters/new/", views.letter_create, name="letter_create"),
    path(
        "enterprises/<int:pk>/supervision/new/", views.supervision_create, name="supervision_create"
    ),
    path("letters/<int:pk>/", views.letter, name="letter"),
]
