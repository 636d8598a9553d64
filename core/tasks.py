"""The tasks of core, for huey's consumer (which imports each app's tasks module): the delivery
of recorded events, defined beside the recorder in core.events, and of notifications' copies by
other channels (core.delivery)."""

from core.delivery import daily_digest, retry_deliveries, send_deliveries
from core.events import deliver_events, deliver_pending

__all__ = [
    "daily_digest",
    "deliver_events",
    "deliver_pending",
    "retry_deliveries",
    "send_deliveries",
]
