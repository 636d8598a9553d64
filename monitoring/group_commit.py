"""Group commit for the HTTP telemetry endpoint: the requests of one app-server process that
arrive while a batch is being stored are stored together in the next one.

Each gateway poll is one small request, and alone each costs a transaction: the gateway lock,
the points and their rule state, the commit. Here the first request thread to arrive leads: it
stores what is queued (its own readings first, then the others' in arrival order, up to
TELEMETRY_HTTP_BATCH_READINGS) through `monitoring.ingest.ingest_many`, in its own database
connection, and hands every waiting thread its own outcome; the threads that came meanwhile
wait, and one of them leads the next batch. No timer: a request alone is stored at once, and
under load the batch grows by itself with the time a batch takes (leader/follower group commit).

An unexpected error of a batch (a bug, a constraint) makes each request of it be stored alone,
so only the failing one sees it; a database that is away fails them all (the API's 503, and the
gateways retry).
"""

import threading
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError

Unavailable = (OperationalError, InterfaceError)


class _Ticket:
    __slots__ = ("done", "error", "item", "result", "size")

    def __init__(self, item, size: int):
        self.item = item
        self.size = size
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def settle(self, result=None, error: BaseException | None = None) -> None:
        self.result, self.error, self.done = result, error, True


class GroupCommit:
    """run(items) -> one result per item, in order, for the items of one batch."""

    def __init__(self, run: Callable[[list], list], most: Callable[[], int]):
        self._run = run
        self._most = most  # a batch's largest size (read each time: a setting)
        self._queue: list[_Ticket] = []
        self._leading = False
        self._changed = threading.Condition()
        self.batches = 0  # how many batches ran, and how many items they held (for tests and
        self.items = 0  # the benchmark)

    def submit(self, item, size: int = 1):
        """Store one item with whatever else is waiting; its result, or its error raised."""
        ticket = _Ticket(item, size)
        batch: list[_Ticket] = []
        with self._changed:
            self._queue.append(ticket)
            while self._leading and not ticket.done:
                self._changed.wait()
            if not ticket.done:
                self._leading = True
                batch = self._take(ticket)
        if batch:
            try:
                self._store(batch)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _take(self, own: _Ticket) -> list[_Ticket]:
        """The leader's own item, then the waiting ones in arrival order while they fit."""
        self._queue.remove(own)
        batch, room = [own], self._most() - own.size
        rest = []
        for ticket in self._queue:
            if ticket.size <= room:
                batch.append(ticket)
                room -= ticket.size
            else:
                rest.append(ticket)
        self._queue = rest
        return batch

    def _store(self, batch: list[_Ticket]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            settled = store_batch(self._run, [ticket.item for ticket in batch])
        except BaseException as torn:  # the thread is being torn down: nobody is left waiting
            for ticket in batch:
                ticket.settle(error=torn)
            raise
        for ticket, (result, error) in zip(batch, settled, strict=True):
            ticket.settle(result, error)


def store_batch(run: Callable[[list], list], items: list) -> list[tuple[Any, Exception | None]]:
    """(result, error) per item of one batch stored by `run`: a database that is away fails
    them all with its error; any other error has each item stored alone, so that only the
    failing one fails. The threads' group commit here and the gateway server's queue
    (monitoring.gateway_server) both settle their batches so."""
    try:
        return [(result, None) for result in run(items)]
    except Unavailable as error:
        return [(None, error) for _ in items]
    except Exception as error:
        if len(items) == 1:
            return [(None, error)]
    settled: list[tuple[Any, Exception | None]] = []
    for item in items:  # alone, so that only the failing one fails
        try:
            settled.append((run([item])[0], None))
        except Exception as alone:
            settled.append((None, alone))
    return settled
