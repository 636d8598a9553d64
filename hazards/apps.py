from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = "隐患排查治理"

    def ready(self):
        from auditlog.registry import auditlog

        from hazards.models import MajorHazardCriterion

        # The criteria, corrected in the admin: every change on record.
        auditlog.register(MajorHazardCriterion)
