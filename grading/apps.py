from django.apps import AppConfig


class GradingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grading"
    verbose_name = "分类分级"

    def ready(self):
        from auditlog.registry import auditlog

        from grading import signals  # noqa: F401  (connects the recompute hooks)
        from grading.models import (
            FrequencyReduction,
            GradeBand,
            GradingFactor,
            SupervisionFrequency,
        )

        # The rules, edited in the admin: every change on record.
        for model in (GradingFactor, GradeBand, SupervisionFrequency, FrequencyReduction):
            auditlog.register(model)
