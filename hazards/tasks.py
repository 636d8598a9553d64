"""Background jobs of the hazard ledger, on huey (SQLite queue by default, Redis when
REDIS_URL is set: the same task code either way)."""

import logging

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core import notify
from hazards.models import HazardEvent

logger = logging.getLogger(__name__)


def _deliver(event_id: int) -> bool:
    # Claim the event with a conditional update so two workers (or the task and the sweep)
    # never notify twice. Claim and notifications commit together: if sending fails, the claim
    # rolls back and the sweep tries again, instead of the event counting as delivered.
    with transaction.atomic():
        claimed = HazardEvent.objects.filter(pk=event_id, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
        if not claimed:
            return False
        from hazards.services import recipients_for

        event = HazardEvent.objects.select_related("hazard__enterprise", "actor").get(pk=event_id)
        hazard = event.hazard
        label = event.action_label
        kind = "重大事故隐患" if hazard.is_major else "一般隐患"
        title = f"【{label}】{hazard.enterprise.name}（{kind}）"
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
    delivered = 0
    for pk in list(ids):
        # One event that cannot be delivered stays pending without holding back the others.
        try:
            delivered += _deliver(pk)
        except Exception:
            logger.exception("hazard event %s: notification failed, left for the next sweep", pk)
    return delivered


# 08:00 in Asia/Shanghai (UTC+8 all year, no daylight saving) is 00:00 UTC. HUEY runs with
# "utc": True, so the scheduler matches crontab fields against UTC time.
@db_periodic_task(crontab(minute="0", hour="0"))
def deadline_reminders() -> dict:
    """Reminders before a rectification deadline and escalation after it (hazards.reminders)."""
    from hazards import reminders

    return reminders.run(timezone.localdate())
