"""The notification outbox shared by the apps that record events as rows (hazards.HazardEvent,
monitoring.AlarmEvent): an event row with an empty notified_at is still to be announced.

deliver() claims one row with a conditional update, so two workers (or a task and the sweep)
never notify twice, and runs the sending in the same transaction: if sending fails, the claim
rolls back with it and the event stays pending. sweep() is the periodic retry of the pending
rows, where one event that cannot be delivered does not hold back the others."""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)


def deliver(events: models.QuerySet[M], event_id: int, send: Callable[[M], object]) -> bool:
    """Claim the event `event_id` of `events` and call `send(event)` with it, in one
    transaction. `events` is the queryset the event is read from (with the select_related the
    sending needs). True if this call delivered it, False if it was claimed already."""
    with transaction.atomic():
        claimed = events.filter(pk=event_id, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
        if not claimed:
            return False
        send(events.get(pk=event_id))
    return True


def sweep(
    pending: models.QuerySet[Any], deliver_one: Callable[[int], bool], limit: int = 500
) -> int:
    """Call `deliver_one(pk)` for the first `limit` events of `pending`; one that fails is
    logged and left for the next sweep. Returns how many were delivered."""
    delivered = 0
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        try:
            delivered += deliver_one(pk)
        except Exception:
            logger.exception(
                "%s %s: notification failed, left for the next sweep", pending.model._meta.label, pk
            )
    return delivered
