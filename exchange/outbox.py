"""The exchange outbox: entries written in the change's transaction (write, write_ids), the
sequencer that gives them their cursor after they commit (sequence), and the one read of what
came after a cursor (changes), for the pull API and the pushes alike.

Why a sequencer: an autoincrement id is taken when a row is inserted, not when it commits, so
on PostgreSQL two transactions can commit their entries out of id order; a poller that read
`after=N` between the two commits would skip the lower id for good. Entries are therefore
written without a cursor (`seq` empty, unseen by readers) and numbered by `sequence()`: one step
at a time under the lock of the Sequencer row, taking only rows already committed (those its
query sees), in id order. A cursor is never given to a row that can still appear below it, so
a reader that stops at the sequencer's `last` and resumes after it misses nothing."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from core import bulk
from enforcement.models import Inspection, Penalty
from exchange.documents import KINDS, document
from exchange.models import ExchangeEntry, Sequencer
from monitoring.models import Alarm

# The models write_ids fetches by id (hazards and grades are written from their events' rows).
MODELS: dict[str, Any] = {"alarm": Alarm, "inspection": Inspection, "penalty": Penalty}
SEQUENCE_BATCH = 1000


def _enterprise(kind: str, obj: Any) -> Any:
    if kind == "enterprise":
        return obj
    if kind == "hazard_event":
        return obj.hazard.enterprise
    return obj.enterprise


# The columns write() inserts (core.bulk's insert: plain rows, not a model instance each; a
# province's grading run writes about 100,000 entries at once). seq stays empty.
COLUMNS = ["kind", "object_id", "enterprise_id", "scope_path", "version", "document", "created_at"]


def _rows(kind: str, objects: Iterable[Any], now) -> list[tuple]:
    version = KINDS[kind].version
    rows = []
    for obj in objects:
        enterprise = _enterprise(kind, obj)
        rows.append(
            (
                kind,
                obj.pk,
                enterprise.pk,
                enterprise.scope_path,
                version,
                document(kind, obj),
                now,
            )
        )
    return rows


def write(kind: str, objects: Iterable[Any], *more: tuple[str, Iterable[Any]]) -> int:
    """One entry per object, its document as of now, inserted in bulk with those of `more`
    (kind, objects); call inside the change's transaction."""
    now = timezone.now()
    rows = _rows(kind, objects, now)
    for other, others in more:
        rows += _rows(other, others, now)
    bulk.insert(ExchangeEntry, COLUMNS, rows)
    return len(rows)


def write_ids(kind: str, ids: Iterable[int]) -> int:
    related = {*KINDS[kind].related, "enterprise"}
    found = MODELS[kind].objects.filter(pk__in=list(ids)).select_related(*related).order_by("pk")
    return write(kind, found)


def sequence() -> int:
    """Number the committed entries that have no cursor yet, in id order, after the last
    cursor given; returns the last cursor. One step at a time (the Sequencer row's lock)."""
    Sequencer.objects.get_or_create(pk=1)
    while True:
        with transaction.atomic():
            counter = Sequencer.objects.select_for_update().get(pk=1)
            ids = list(
                ExchangeEntry.objects.filter(seq__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:SEQUENCE_BATCH]
            )
            if not ids:
                return counter.last
            first = counter.last + 1
            ExchangeEntry.objects.filter(pk__in=ids).update(
                seq=Case(*(When(pk=pk, then=Value(first + n)) for n, pk in enumerate(ids)))
            )
            counter.last = first + len(ids) - 1
            counter.save(update_fields=["last"])
        if len(ids) < SEQUENCE_BATCH:
            return counter.last


def last() -> int:
    """The last cursor given (every entry at or below it is committed and numbered)."""
    counter = Sequencer.objects.filter(pk=1).values_list("last", flat=True).first()
    return counter or 0


def changes(
    entries, after: int, limit: int, kinds: Iterable[str] | None = None
) -> tuple[list[ExchangeEntry], int]:
    """The entries of `entries` (a scoped queryset) after cursor `after`, in cursor order, at
    most `limit`, and the cursor to resume after: the last one returned when the page is full,
    else the sequencer's last (nothing in scope lies between)."""
    sequence()
    high = last()
    found = entries.filter(seq__gt=after, seq__lte=high)
    kinds = list(kinds or [])
    if kinds:
        found = found.filter(kind__in=kinds)
    page = list(found.order_by("seq")[:limit])
    if len(page) == limit:
        return page, page[-1].seq or after
    return page, max(high, after)


def envelope(entry: ExchangeEntry) -> dict[str, Any]:
    """One entry as it is sent and served: its id (the receiver's idempotency key), cursor,
    kind, version and document."""
    return {
        "id": entry.pk,
        "cursor": entry.seq,
        "kind": entry.kind,
        "object_id": entry.object_id,
        "version": entry.version,
        "created_at": entry.created_at.isoformat(),
        "document": entry.document,
    }
