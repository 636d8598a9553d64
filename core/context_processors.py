from django.contrib import admin

from accounts.roles import can
from core.inbox import unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": unread_count(user),
        "nav": {
            "fieldwork": can(user, "fieldwork.use"),
            "enterprise_list": can(user, "enterprise.list"),
            "enterprise_import": can(user, "enterprise.import"),
            "hazard_board": can(user, "hazard.board"),
            "self_inspections": can(user, "self_inspection.view"),
            "monitoring": can(user, "monitoring.view"),
            "grading": can(user, "grade.view"),
            "gateways": can(user, "gateway.manage"),
            "enforcement": can(user, "plan.view") or can(user, "draw.view"),
            "enforcement_conflicts": can(user, "conflict.view"),
            "penalties": can(user, "penalty.view"),
            "inspections": can(user, "inspection.view"),
            "inspection_stats": can(user, "inspection.stats"),
            "remote": can(user, "remote.view"),
            "assistance": can(user, "assistance.view"),
            "public_cases": can(user, "public_case.manage"),
            "accidents": can(user, "accident.view"),
            "commitments": can(user, "commitment.view"),
            "projects": can(user, "project.view"),
            "standardization": can(user, "standardization.view"),
            "risks": can(user, "risk.view"),
            "risk_supervise": can(user, "risk.supervise"),
            "reports": can(user, "report.view"),
            "report_ledger": can(user, "report.view_all"),
            "reward_stats": can(user, "reward.stats"),
            "certificates": can(user, "certificate.view"),
            "certificate_list": can(user, "certificate.list"),
            "training": can(user, "training.view"),
            "training_board": can(user, "training.supervise"),
            "campaigns": can(user, "campaign.view"),
            "expert_visits": can(user, "expert_visit.view"),
            "confined_spaces": can(user, "confined_space.view"),
            "tips": can(user, "tip.view"),
            "accident_warnings": can(user, "accident_warning.view"),
            "targets": can(user, "targets.view"),
            "api": can(user, "api.use"),
            "exchange": can(user, "exchange.manage"),
            "admin": admin.site.has_permission(request),
            "ops": user.is_superuser or can(user, "ops.view"),
        },
    }
