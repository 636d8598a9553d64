from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "experts"
    verbose_name = "有限空间专家服务"
