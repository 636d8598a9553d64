from django.apps import AppConfig


class GradingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grading"
    verbose_name = "分类分级"

    def ready(self):
        from grading import signals  # noqa: F401  (connects the recompute hooks)
