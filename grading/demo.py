"""Demo grades for `manage.py load_demo`: the demo enterprises graded at once (not when the task
worker first runs), and one manual grade waiting for approval, so the approval form has
something to show.

The grades come from the engine itself (grading.engine.run), the request from
grading.services.request_override, so both are what the application would have made. Running
it again grades again (an unchanged enterprise writes nothing, only the run's log row) and asks
for no second override: the demo's request is found by its reason, whatever became of it.
"""

from enterprises.choices import Status
from enterprises.models import Enterprise
from grading import engine, services
from grading.models import EnterpriseGrade, GradeOverride, RiskLevel

TRIGGER = "演示数据"
OVERRIDE_REASON = (
    "近期现场检查发现铸造车间熔炼区冷却水系统多次异常，企业整改进度滞后，"
    "建议在整改完成前上调一级风险等级并加密检查（演示数据）"
)
ONE_UP = {
    RiskLevel.BLUE: RiskLevel.YELLOW,
    RiskLevel.YELLOW: RiskLevel.ORANGE,
    RiskLevel.ORANGE: RiskLevel.RED,
    RiskLevel.RED: RiskLevel.ORANGE,  # already at the top: the request lowers it
}


def load(enterprises, requester) -> dict:
    """Grade `enterprises`; `requester` (a town supervisor) asks for one manual grade in their
    area. Returns {"graded": n, "level_changes": n, "overrides": 0 or 1}."""
    ids = sorted(e.pk for e in enterprises)
    run = engine.run(ids, trigger=TRIGGER)
    return {
        "graded": run.enterprises,
        "level_changes": run.level_changes,
        "overrides": _override(requester, ids),
    }


def _override(requester, ids) -> int:
    if GradeOverride.objects.filter(enterprise_id__in=ids, reason=OVERRIDE_REASON).exists():
        return 0
    candidates = (
        EnterpriseGrade.objects.filter(
            enterprise_id__in=Enterprise.objects.for_user(requester).filter(
                pk__in=ids, status=Status.OPERATING
            )
        )
        .exclude(enterprise__grade_overrides__state__in=["pending", "approved"])
        .select_related("enterprise")
        .order_by("enterprise_id")
    )
    # A foundry (the reason speaks of one) when the area has one.
    chosen = (
        candidates.filter(enterprise__sector_tags__code="foundry").first() or candidates.first()
    )
    if chosen is None:
        return 0
    services.request_override(
        requester,
        chosen.enterprise_id,
        level=ONE_UP[chosen.level],
        reason=OVERRIDE_REASON,
    )
    return 1
