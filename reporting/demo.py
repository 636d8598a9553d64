"""Demo safety commitments for `manage.py load_demo`: every demo enterprise given has its
principal's 动态清零 commitment for the current year; the first also a post commitment and a
confined-space work commitment; then the daily detection runs, so an enterprise with an overdue
major hazard shows its breach at once.

Commitments are made by reporting.services (`record` for an enterprise whose manager is given,
else `create` with no recorder: the platform's own entry). Running it again records nothing new:
each demo commitment is found by its enterprise, kind, work type and period, whatever became of
it since (withdrawn included), and detection finds nothing it has not found already."""

from django.db import transaction
from django.utils import timezone

from enterprises.models import Enterprise
from reporting import services
from reporting.kinds import CommitmentKind, WorkType
from reporting.models import SafetyCommitment


def _plan(enterprise, first: bool, year: int):
    start, end = services.period_for_year(year)
    today = timezone.localdate()
    plans = [
        {
            "kind": CommitmentKind.ZERO_OUT,
            "committer_name": enterprise.principal_name or "主要负责人",
            "period_start": start,
            "period_end": end,
            "signed_on": start,
        }
    ]
    if first:
        plans += [
            {
                "kind": CommitmentKind.POST,
                "committer_name": enterprise.safety_officer_name or "安全管理员",
                "committer_post": "安全管理员",
                "period_start": start,
                "period_end": end,
                "signed_on": start,
            },
            {
                "kind": CommitmentKind.HIGH_RISK_WORK,
                "work_type": WorkType.CONFINED_SPACE,
                "committer_name": "张立新",
                "committer_post": "设备科有限空间作业负责人",
                "period_start": today,
                "period_end": end,
                "signed_on": today,
            },
        ]
    return plans


def _exists(enterprise, plan) -> bool:
    found = SafetyCommitment.objects.filter(enterprise=enterprise, kind=plan["kind"])
    if plan["kind"] == CommitmentKind.ZERO_OUT:
        # Any 动态清零 commitment standing in the year (one recorded by hand since included):
        # periods may not overlap.
        found = found.standing().filter(
            period_start__lte=plan["period_end"], period_end__gte=plan["period_start"]
        )
        return (
            found.exists()
            or SafetyCommitment.objects.filter(
                enterprise=enterprise, kind=plan["kind"], period_start=plan["period_start"]
            ).exists()
        )
    # Found by its period's end (the year's last day), so that a confined-space commitment
    # made on another day of the year is still the demo's one.
    return found.filter(work_type=plan.get("work_type", ""), period_end=plan["period_end"]).exists()


def load(enterprises, managers) -> dict:
    """Record the demo commitments of `enterprises`; `managers` maps an enterprise's id to a
    principal or safety officer of it, who records them (else the platform does). Returns
    {"commitments": created, "breaches": created by detection}."""
    year = timezone.localdate().year
    created = 0
    for index, enterprise in enumerate(enterprises):
        manager = managers.get(enterprise.pk)
        for plan in _plan(enterprise, index == 0, year):
            if _exists(enterprise, plan):
                continue
            if manager is not None:
                services.record(manager, enterprise_id=enterprise.pk, **plan)
            else:
                with transaction.atomic():
                    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
                    services.create(locked, None, **plan)
            created += 1
    return {"commitments": created, "breaches": services.detect_breaches()}
