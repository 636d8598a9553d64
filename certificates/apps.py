from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = "特种作业操作证"

    def ready(self):
        from certificates import signals  # noqa: F401
