from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "执法检查"

    def ready(self):
        from auditlog.registry import auditlog

        import enforcement.grading_measures  # noqa: F401  (its measure joins grading's registry)
        from enforcement.models import (
            ChecklistItem,
            ChecklistTemplate,
            Conflict,
            DrawAssignment,
            EnforcementPlan,
            Inspection,
            Inspector,
            Penalty,
            PenaltyState,
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
        auditlog.register(
            Inspection,
            include_fields=["state", "inspected_on", "findings", "rectify_deadline", "place"],
        )
        auditlog.register(ChecklistTemplate)
        auditlog.register(ChecklistItem)
        auditlog.register(PenaltyState)
