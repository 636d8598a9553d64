"""Background jobs of the hazard ledger, on huey (SQLite queue by default, Redis when
REDIS_URL is set: the same task code either way)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core import notify
from hazards.models import HazardEvent


def _deliver(event_id: int) -> bool:
    # Claim the event with a conditional update so two workers (or the task and the sweep)
    # never notify twice.
    claimed = HazardEvent.objects.filter(pk=event_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    from hazards.services import recipients_for

    event = HazardEvent.objects.select_related("hazard__enterprise", "actor").get(pk=event_id)
    hazard = event.hazard
    label = event.action_label
    major = "重大事故隐患" if hazard.is_major else "隐患"
    title = f"{hazard.enterprise.name}：{major}{label}"
    notify.send(
        recipients_for(event),
        title,
        event.note or hazard.description[:100],
        f"/hazards/{hazard.pk}/",
    )
    return True


@db_task()
def deliver_event(event_id: int) -> bool:
    return _deliver(event_id)


@db_periodic_task(crontab(minute="*/5"))
def deliver_pending() -> int:
    """The outbox sweep: events whose task was lost (a worker down at commit) still go out."""
    ids = HazardEvent.objects.filter(notified_at__isnull=True).values_list("pk", flat=True)[:500]
    return sum(_deliver(pk) for pk in list(ids))
