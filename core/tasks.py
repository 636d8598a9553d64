"""The tasks of core, for huey's consumer (which imports each app's tasks module): the delivery
of recorded events, defined beside the recorder in core.events, and of notifications' copies by
other channels (core.delivery); the sweep of photos kept from refused forms (core.uploads); the
pruning of the operations counts (core.ops, which also times each task's statements)."""

from core.delivery import daily_digest, retry_deliveries, send_deliveries
from core.events import deliver_events, deliver_pending
from core.ops import prune_ops
from core.uploads import sweep_stash

__all__ = [
    "daily_digest",
    "deliver_events",
    "deliver_pending",
    "prune_ops",
    "retry_deliveries",
    "send_deliveries",
    "sweep_stash",
]
