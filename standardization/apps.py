from django.apps import AppConfig


class StandardizationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "standardization"
    verbose_name = "安全生产标准化"

    def ready(self):
        from standardization import signals  # noqa: F401  (the major-hazard review)
