"""The one event recorder: every state change of the apps is stored through record() (or
record_many() for a batch) as a row of a core.models.Event table, and announced once its
transaction commits.

Announcing goes through the outbox (core.outbox): deliver() claims the row by a conditional
update of notified_at and writes the core.Notification rows in the same transaction, so a
delivery that runs twice sends once and a rolled-back change sends nothing. sweep() retries the
rows a lost task left.

Who hears of what is named by each app in one place, `<app>/notifications.py`, whose
`message(event)` returns a Message (or None: nobody). The recorder finds that module by the
event model's app label, so core imports no domain app."""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core import bulk, notify, outbox
from core.models import Event

if TYPE_CHECKING:
    from accounts.models import User

E = TypeVar("E", bound=Event)

# Told of every event stored (its model and the new rows' ids), inside the transaction that
# stores it, and of rows an app changed without an event (changed()): an app above core
# registers one at start-up (exchange's outbox), so a change and what follows from it commit or
# roll back together.
Listener = Callable[[type[models.Model], list[int]], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unlisten(listener: Listener) -> None:
    """Stop telling `listener` (the benchmarks measure what a listener costs)."""
    if listener in _listeners:
        _listeners.remove(listener)


def _recorded(model: type[models.Model], ids: list[int]) -> None:
    for listener in _listeners:
        listener(model, ids)


def changed(model: type[models.Model], ids: list[int]) -> None:
    """Rows of `model` changed without an event of their own (a grade whose score moved in a
    grading run, its level in force unchanged): told to the listeners as events are, inside
    the transaction; nobody is notified."""
    if ids:
        _recorded(model, ids)


@dataclass
class Message:
    """One announcement of an event: to whom, with what title, body and link."""

    recipients: list[Any] = field(default_factory=list)
    title: str = ""
    body: str = ""
    link: str = ""
    urgent: bool = False  # sent at once by every channel (alarms): no digest, no quiet hours


def record(
    model: type[E],
    *,
    actor: "User | None" = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    payload: Any = None,
    **fields: Any,
) -> E:
    """Store one event of `model` (fields: its own ones, such as the object it belongs to and
    its action) and deliver it when the transaction commits."""
    event = model(actor=actor, from_state=from_state, to_state=to_state, note=note, **fields)
    if payload is not None:
        event.payload = payload
    event.save()
    _recorded(model, [event.pk])
    _deliver_on_commit(model, [event.pk])
    return event


def record_many(model: type[E], events: list[E], batch_size: int | None = None) -> list[E]:
    """Store unsaved events of `model` in bulk (one bulk insert) and deliver them on commit.
    Events given a notified_at (a history loaded as already announced, such as the demo's)
    are stored only. A backend that cannot return the new ids leaves the events to the
    sweep."""
    created = model._default_manager.bulk_create(events, batch_size=batch_size)
    _recorded(model, [event.pk for event in created if event.pk is not None])
    ids = [event.pk for event in created if event.pk is not None and event.notified_at is None]
    if ids:
        _deliver_on_commit(model, ids)
    return created


def record_rows(model: type[Event], columns: list[str], rows: list[dict[str, Any]]) -> int:
    """Store events given as plain rows (dicts of `columns`), by the hundred thousand (a
    province's first grading writes one grade change per enterprise): core.bulk's insert, not a
    model instance per row; delivered on commit like the rest. Returns how many."""
    ids = bulk.insert(model, columns, rows, returning=True)
    _recorded(model, ids)
    if ids:
        _deliver_on_commit(model, ids)
    return len(ids)


def _deliver_on_commit(model: type[Event], ids: list[int]) -> None:
    label = model._meta.label

    def enqueue() -> None:
        deliver_events(label, ids)

    # robust: a queue that is down must not turn a committed change into an error page; the
    # sweep (deliver_pending) sends the events later.
    transaction.on_commit(enqueue, robust=True)


def _notifications(model: type[Event]) -> ModuleType:
    return import_module(f"{model._meta.app_config.name}.notifications")


def _queryset(model: type[E]) -> models.QuerySet[E]:
    related = getattr(_notifications(model), "SELECT_RELATED", {}).get(model.__name__, ())
    return model._default_manager.select_related(*related)


def send(event: Event) -> int:
    """Write the Notification rows of one event (no claim: deliver() does that)."""
    message = _notifications(type(event)).message(event)
    if message is None:
        return 0
    kind = type(event)._meta.app_label
    return notify.send(
        message.recipients, message.title, message.body, message.link, kind, message.urgent
    )


def deliver(model: type[Event], event_id: int) -> bool:
    """Claim and announce one event; False if it was announced already."""
    return outbox.deliver(_queryset(model), event_id, send)


# Events a delivery task claims at once: a grading run records one grade change per enterprise
# whose grade moved, a province's first run about 100,000.
DELIVERY_BATCH = 500


def deliver_batch(model: type[Event], event_ids: list[int]) -> int:
    """Claim and announce a batch of events in one transaction: one conditional update claims
    those still pending (stamped with this call's moment, so only this call reads them back),
    then each is sent. If a sending fails, the batch rolls back and its events are delivered
    one by one (deliver), as a task of single events would. Returns how many were delivered."""
    claimed_at = timezone.now()
    try:
        with transaction.atomic():
            claimed = model._default_manager.filter(
                pk__in=event_ids, notified_at__isnull=True
            ).update(notified_at=claimed_at)
            if claimed:
                for event in _queryset(model).filter(pk__in=event_ids, notified_at=claimed_at):
                    send(event)
    except Exception:
        return sum(deliver(model, pk) for pk in event_ids)
    return claimed


def event_models() -> list[type[Event]]:
    return [m for m in apps.get_models() if issubclass(m, Event)]


def pending(model: type[E]) -> models.QuerySet[E]:
    return model._default_manager.filter(notified_at__isnull=True, at__lte=timezone.now()).order_by(
        "at", "id"
    )


def sweep(model: type[E], queryset: models.QuerySet[E] | None = None) -> int:
    """Deliver the pending events of `model` (or those of `queryset`) a lost task left."""
    return outbox.sweep(
        pending(model) if queryset is None else queryset, lambda pk: deliver(model, pk)
    )


# --- the tasks (registered with huey through core.tasks, which the consumer imports) ----------


@db_task()
def deliver_events(label: str, event_ids: list[int]) -> int:
    model = apps.get_model(label)
    return sum(
        deliver_batch(model, event_ids[start : start + DELIVERY_BATCH])
        for start in range(0, len(event_ids), DELIVERY_BATCH)
    )


@db_periodic_task(crontab(minute="*/5"))
def deliver_pending() -> int:
    """The outbox sweep over every event table: events whose task was lost (a worker down at
    commit) still go out."""
    return sum(sweep(model) for model in event_models())
