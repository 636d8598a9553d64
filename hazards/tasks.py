"""Background jobs of the hazard ledger, on huey (SQLite queue by default, Redis when
REDIS_URL is set: the same task code either way)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core import notify, outbox
from hazards.models import HazardEvent


def _send(event: HazardEvent) -> None:
    from hazards.services import recipients_for

    hazard = event.hazard
    kind = "重大事故隐患" if hazard.is_major else "一般隐患"
    title = f"【{event.action_label}】{hazard.enterprise.name}（{kind}）"
    notify.send(
        recipients_for(event),
        title,
        event.note or hazard.description[:100],
        f"/hazards/{hazard.pk}/",
    )


def _deliver(event_id: int) -> bool:
    events = HazardEvent.objects.select_related("hazard__enterprise", "actor")
    return outbox.deliver(events, event_id, _send)


@db_task()
def deliver_event(event_id: int) -> bool:
    return _deliver(event_id)


@db_periodic_task(crontab(minute="*/5"))
def deliver_pending() -> int:
    """The outbox sweep: events whose task was lost (a worker down at commit) still go out."""
    return outbox.sweep(HazardEvent.objects.filter(notified_at__isnull=True), _deliver)


# 08:00 in Asia/Shanghai (UTC+8 all year, no daylight saving) is 00:00 UTC. HUEY runs with
# "utc": True, so the scheduler matches crontab fields against UTC time.
@db_periodic_task(crontab(minute="0", hour="0"))
def deadline_reminders() -> dict:
    """Reminders before a rectification deadline and escalation after it (hazards.reminders)."""
    from hazards import reminders

    return reminders.run(timezone.localdate())
