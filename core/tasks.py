"""The tasks of core, for huey's consumer (which imports each app's tasks module): the delivery
of recorded events, defined beside the recorder in core.events."""

from core.events import deliver_events, deliver_pending

__all__ = ["deliver_events", "deliver_pending"]
