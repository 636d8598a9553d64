from django.apps import AppConfig


class AccidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accidents"
    verbose_name = "事故与警示"
