"""Delivery of the recorded events (core.events), on the huey queue."""

from django.apps import apps
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core import events


@db_task()
def deliver_events(label: str, event_ids: list[int]) -> int:
    model = apps.get_model(label)
    return sum(events.deliver(model, pk) for pk in event_ids)


@db_periodic_task(crontab(minute="*/5"))
def deliver_pending() -> int:
    """The outbox sweep over every event table: events whose task was lost (a worker down at
    commit) still go out."""
    return sum(events.sweep(model) for model in events.event_models())
