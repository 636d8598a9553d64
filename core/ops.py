"""Operations: the request id, the request log, and the slow-statement and server-error counts the
county administrator reads on the 运行状况 page.

OpsMiddleware (outermost in settings.MIDDLEWARE, and in front of the lean gateway endpoints,
core/lean.py) takes the proxy's X-Request-ID when it is short and safe or makes one, sends it
back, and puts it with the path and the user into every log record of the request (core/logs.py).
Each statement of the request is timed (a connection execute wrapper: two clock reads); those
slower than SLOW_QUERY_MS are counted. A request that had a slow statement or answered 5xx adds
to its hour's row (one upsert) and stores its slowest statements (SQL text only, truncated; never
the parameters) and the error (path, exception class, request id); a normal request writes
nothing. Task workers do the same per task (the huey hooks below), the task's name as its path.
An hourly task keeps the last KEEP_ENTRIES entries of each kind and KEEP_DAYS of hours.
"""

import logging
import sys
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.signals import got_request_exception, request_finished
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from core import idempotency, logs
from core.models import OpsCount, OpsEntry, OpsSource

requests_log = logging.getLogger("anjian.requests")
logger = logging.getLogger("anjian.ops")

KEEP_ENTRIES = 50
KEEP_DAYS = 30
SQL_CHARS = 2000
# A request's slowest statements kept as entries (all of them are counted).
SLOW_PER_REQUEST = 5
# The load balancer's probe: its answer already says what failed, every few seconds.
UNCOUNTED_PATHS = frozenset({"/healthz"})
# The app's 503 says the database is away (anjian/api.py): writing its count would wait for the
# database too. It is in the log, and /healthz names the outage.
UNAVAILABLE = 503


class SlowStatements:
    """A connection execute wrapper: times every statement, counts those over the threshold and
    keeps the slowest few (their text, never their parameters)."""

    def __init__(self, threshold_ms: float):
        self.threshold = threshold_ms
        self.count = 0
        self.slowest: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - start) * 1000
            if ms >= self.threshold:
                self._note(ms, sql)

    def _note(self, ms: float, sql) -> None:
        self.count += 1
        self.slowest.append((ms, str(sql)[:SQL_CHARS]))
        if len(self.slowest) > SLOW_PER_REQUEST:
            self.slowest.sort(key=lambda item: item[0], reverse=True)
            del self.slowest[SLOW_PER_REQUEST:]


def _note_exception(sender, request=None, **kwargs):
    """Django's signal for an unhandled exception (pages and the lean endpoints alike): its class
    goes with the 500 the request is answered."""
    error = sys.exc_info()[1]
    if request is not None and error is not None:
        request.ops_exception = f"{type(error).__module__}.{type(error).__qualname__}"[:100]


def _end_of_request(sender, **kwargs):
    logs.context.set(None)


got_request_exception.connect(_note_exception, dispatch_uid="core.ops.note_exception")
request_finished.connect(_end_of_request, dispatch_uid="core.ops.end_of_request")


class OpsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        # Cleared when the response is closed (request_finished), not here: Django logs a 4xx or
        # 5xx (django.request) after the middleware has answered, and that line is the request's.
        logs.context.set({"request_id": request_id, "path": request.path, "request": request})
        statements = SlowStatements(settings.SLOW_QUERY_MS)
        start = time.perf_counter()
        with connection.execute_wrapper(statements):
            response = self.get_response(request)
        duration_ms = round((time.perf_counter() - start) * 1000)
        response["X-Request-ID"] = request_id
        status = response.status_code
        if requests_log.isEnabledFor(logging.INFO):
            requests_log.info(
                "%s %s %s %dms",
                request.method,
                request.path,
                status,
                duration_ms,
                extra={"method": request.method, "status": status, "duration_ms": duration_ms},
            )
        error = status >= 500 and status != UNAVAILABLE
        if (statements.count or error) and request.path not in UNCOUNTED_PATHS:
            record(
                statements,
                request_id=request_id,
                method=(request.method or "")[:10],
                path=request.path,
                status=status,
                duration_ms=duration_ms,
                exception=getattr(request, "ops_exception", ""),
            )
        return response


def record(
    statements: SlowStatements,
    *,
    status=None,
    exception="",
    source=OpsSource.REQUEST,
    **where,
) -> None:
    """One request's (or task's, or ingest batch's) slow statements and error: the hour's row by
    one upsert, and the entries. A failure here (the database away) is logged, never the
    request's failure."""
    now = timezone.now()
    error = exception or (status is not None and status >= 500 and status != UNAVAILABLE)
    common = {"at": now, **{key: str(value)[:200] for key, value in where.items()}}
    common["source"] = source
    common["duration_ms"] = int(where.get("duration_ms", 0))
    entries = [
        OpsEntry(
            kind=OpsEntry.Kind.SLOW, sql=sql, status=status, **{**common, "duration_ms": round(ms)}
        )
        for ms, sql in statements.slowest
    ]
    if error:
        entries.append(
            OpsEntry(kind=OpsEntry.Kind.ERROR, status=status, exception=exception, **common)
        )
    table = connection.ops.quote_name(OpsCount._meta.db_table)
    hour = now.replace(minute=0, second=0, microsecond=0)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (hour, source, slow_queries, errors) "  # noqa: S608  (our table's name)
                    f"VALUES (%s, %s, %s, %s) "
                    f"ON CONFLICT (hour, source) DO UPDATE SET "
                    f"slow_queries = {table}.slow_queries + excluded.slow_queries, "
                    f"errors = {table}.errors + excluded.errors",
                    [
                        connection.ops.adapt_datetimefield_value(hour),
                        str(source),
                        statements.count,
                        int(bool(error)),
                    ],
                )
            OpsEntry.objects.bulk_create(entries)
    except DatabaseError:
        logger.warning("Could not record the ops counts / 运行计数未能写入", exc_info=True)


# --- the task workers ----------------------------------------------------------------------------

_task = threading.local()


@HUEY.pre_execute()
def _task_started(task):
    if logs.context.get() is not None:
        return  # run inline inside a request (TASKS_IMMEDIATE): the request counts it
    statements = SlowStatements(settings.SLOW_QUERY_MS)
    # A wrapper a task left behind (an interrupted one) goes first.
    connection.execute_wrappers[:] = [
        w for w in connection.execute_wrappers if not isinstance(w, SlowStatements)
    ]
    connection.execute_wrappers.append(statements)
    path = f"task:{task.name}"
    _task.state = (
        statements,
        logs.context.set({"request_id": task.id, "path": path}),
        time.perf_counter(),
    )


@HUEY.post_execute()
def _task_ended(task, task_value, exc):
    state = getattr(_task, "state", None)
    if state is None:
        return
    _task.state = None
    statements, token, start = state
    if statements in connection.execute_wrappers:
        connection.execute_wrappers.remove(statements)
    try:
        if statements.count or exc is not None:
            record(
                statements,
                request_id=task.id,
                method="task",
                path=f"task:{task.name}",
                duration_ms=round((time.perf_counter() - start) * 1000),
                exception=(f"{type(exc).__module__}.{type(exc).__qualname__}"[:100] if exc else ""),
                source=OpsSource.TASK,
            )
    finally:
        logs.context.reset(token)


# --- the ingest workers (manage.py ingest_mqtt) ----------------------------------------------


class Watch:
    """A unit of a long-running worker's work (an ingest batch), counted like a request: every
    statement inside is timed (two clock reads each, nothing per message), and on leaving, a
    slow statement or a failure noted with `failed` adds to the hour's row and the entries,
    labelled with the source (采集). Nothing is written when all went well.

        with ops.Watch(OpsSource.INGEST, "mqtt:batch") as watch:
            ...
            watch.failed(error)
    """

    def __init__(self, source: str, path: str, request_id: str = ""):
        self.source, self.path, self.request_id = source, path, request_id
        self.statements = SlowStatements(settings.SLOW_QUERY_MS)
        self.exception = ""

    def failed(self, error: BaseException) -> None:
        self.exception = f"{type(error).__module__}.{type(error).__qualname__}"[:100]

    def __enter__(self):
        self._start = time.perf_counter()
        connection.execute_wrappers.append(self.statements)
        return self

    def __exit__(self, kind, error, trace):
        if self.statements in connection.execute_wrappers:
            connection.execute_wrappers.remove(self.statements)
        if error is not None and not self.exception:
            self.failed(error)
        if self.statements.count or self.exception:
            record(
                self.statements,
                request_id=self.request_id,
                method=self.source,
                path=self.path,
                duration_ms=round((time.perf_counter() - self._start) * 1000),
                exception=self.exception,
                source=self.source,
            )
        return False


# --- what the page shows, and keeping it bounded -------------------------------------------------


def totals(since) -> dict:
    """The counts since then, in all and per source (请求, 任务, 采集)."""
    rows = (
        OpsCount.objects.filter(hour__gte=since)
        .order_by()
        .values("source")
        .annotate(slow=Sum("slow_queries"), errors=Sum("errors"))
    )
    found = {row["source"]: row for row in rows}
    sources = [
        {
            "source": source.value,
            "label": source.label,
            "slow": (found.get(source.value) or {}).get("slow") or 0,
            "errors": (found.get(source.value) or {}).get("errors") or 0,
        }
        for source in OpsSource
    ]
    return {
        "slow": sum(item["slow"] for item in sources),
        "errors": sum(item["errors"] for item in sources),
        "sources": sources,
    }


def summary(now=None) -> dict:
    now = now or timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    day = totals(hour - timedelta(hours=23))
    week = totals(hour - timedelta(days=7) + timedelta(hours=1))
    return {
        "day": day,
        "week": week,
        "sources": [
            {**today, "week_slow": seven["slow"], "week_errors": seven["errors"]}
            for today, seven in zip(day["sources"], week["sources"], strict=True)
        ],
        "hours": list(OpsCount.objects.filter(hour__gte=hour - timedelta(hours=23))),
        "slow": list(OpsEntry.objects.filter(kind=OpsEntry.Kind.SLOW)[:KEEP_ENTRIES]),
        "errors": list(OpsEntry.objects.filter(kind=OpsEntry.Kind.ERROR)[:KEEP_ENTRIES]),
        "threshold_ms": settings.SLOW_QUERY_MS,
    }


def prune(now=None) -> int:
    """Hours older than KEEP_DAYS go, and every entry but the last KEEP_ENTRIES of its kind."""
    now = now or timezone.now()
    deleted, _ = OpsCount.objects.filter(hour__lt=now - timedelta(days=KEEP_DAYS)).delete()
    for kind in OpsEntry.Kind:
        rows = OpsEntry.objects.filter(kind=kind)
        keep = list(rows.values_list("id", flat=True)[:KEEP_ENTRIES])
        count, _ = rows.exclude(id__in=keep).delete()
        deleted += count
    return deleted


@db_periodic_task(crontab(minute="50"))
def prune_ops():
    prune()
    idempotency.sweep()
