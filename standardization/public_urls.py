"""标杆企业: the benchmark enterprises, readable without logging in."""

from django.urls import path

from standardization import views

app_name = "public_benchmarks"
urlpatterns = [path("", views.public_benchmarks, name="list")]
