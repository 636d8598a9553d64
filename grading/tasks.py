"""Background grading on huey: the nightly run over every enterprise, the task a changed fact
enqueues (grading.signals) and a ten-minute sweep for facts that arrive without a signal
(alarms inserted in bulk by ingestion, breaches found by the daily detection)."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from grading import engine

# More enterprises than this in one sweep: grade them all (one pass is as cheap).
PARTIAL_LIMIT = 5000
SWEEP_TRIGGER = "定时增量计算"


@db_task()
def regrade(enterprise_ids=None, trigger: str = "因素变化") -> int:
    """Grade these enterprises (None: all); returns the GradingRun's id."""
    if enterprise_ids is not None and len(enterprise_ids) > PARTIAL_LIMIT:
        enterprise_ids = None
    return engine.run(enterprise_ids, trigger=trigger).pk


# 02:30 in Asia/Shanghai is 18:30 UTC (HUEY runs with "utc": True).
@db_periodic_task(crontab(minute="30", hour="18"))
def nightly() -> int:
    return engine.run(None, trigger="每日定时计算").pk


@db_periodic_task(crontab(minute="*/10"))
def regrade_recent() -> int | None:
    return sweep()


def sweep(now=None) -> int | None:
    """Regrade the enterprises with an alarm, a power warning, a hazard, an accident, a broken
    commitment or registry facts new or changed since the last sweep or full run began (at
    most a day back). Not since the last run of any kind: a fact whose own regrade task died
    with its worker would wait for the nightly run if another enterprise's task ran since.
    """
    from accidents.models import AccidentCase
    from enterprises.models import Enterprise
    from grading.models import GradingRun
    from hazards.models import Hazard
    from monitoring.models import Alarm, PowerWarning
    from reporting.models import CommitmentBreach

    now = now or timezone.now()
    last = (
        GradingRun.objects.filter(Q(kind=GradingRun.FULL) | Q(trigger=SWEEP_TRIGGER))
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    since = max(last or now - timedelta(days=1), now - timedelta(days=1))
    ids = set()
    for queryset, field in (
        (Alarm.objects.all(), "raised_at"),
        (PowerWarning.objects.all(), "detected_at"),
        (Hazard.objects.all(), "updated_at"),
        (AccidentCase.objects.filter(enterprise__isnull=False), "updated_at"),
        (CommitmentBreach.objects.all(), "created_at"),
    ):
        ids.update(
            queryset.filter(**{f"{field}__gte": since})
            .order_by()
            .values_list("enterprise_id", flat=True)
            .distinct()
        )
    ids.update(
        Enterprise.objects.filter(updated_at__gte=since).order_by().values_list("pk", flat=True)
    )
    if not ids:
        return None
    return regrade.call_local(sorted(ids), SWEEP_TRIGGER)
