from django.apps import AppConfig


class StandardizationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "standardization"
    verbose_name = "安全生产标准化"

    def ready(self):
        from auditlog.registry import auditlog

        from standardization import signals  # noqa: F401  (the major-hazard review)
        from standardization.models import Benchmark, ValidityRule

        # The rule an administrator edits in the admin, and the benchmark list the bureau
        # keeps; a rating's own history is its RatingEvent rows.
        auditlog.register(ValidityRule)
        auditlog.register(Benchmark)
