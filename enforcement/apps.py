from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "执法检查"

    def ready(self):
        from auditlog.registry import auditlog

        from enforcement.models import (
            Conflict,
            DrawAssignment,
            EnforcementPlan,
            Inspector,
            Penalty,
        )

        # A draw is its own record (inputs, hashes, assignments) and never changes but for
        # publishing; what people change afterwards is audited.
        auditlog.register(Penalty, exclude_fields=["updated_at"])
        auditlog.register(Conflict)
        auditlog.register(Inspector)
        auditlog.register(EnforcementPlan)
        auditlog.register(
            DrawAssignment, include_fields=["outcome", "outcome_note", "completed_on"]
        )
