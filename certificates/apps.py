from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = "特种作业操作证"

    def ready(self):
        from auditlog.registry import auditlog

        from certificates import signals  # noqa: F401
        from certificates.models import Certificate, RequiredOperation

        # Corrected in the admin (certificates/admin.py): every change audited.
        auditlog.register(Certificate, exclude_fields=["attention_on", "scope_path", "updated_at"])
        auditlog.register(RequiredOperation, exclude_fields=["updated_at"])
