"""The active points of a batch's gateways, with their rule state as stored now, for the
ingestion service (monitoring.ingest).

Building a model instance per point from its row (two timestamps to parse, a setter per field)
was half of a batch's time at the shape gateways send: 200 small messages touch 5,000 points.
So each process keeps the instances it has built, and a batch reads only the columns the checks
and the rules use plus the rule state, in one query; where the columns read equal those the
instance was built from, the instance is used again with the state just read, else it is built
again from its whole row. Nothing needs to invalidate the memo: a point changed elsewhere shows
changed columns on the next batch.

The instances are shared between the batches of a process: one batch at a time holds them
(`LOCK`, taken by monitoring.ingest.ingest_many before its transaction begins; reentrant, so a
batch stored from within another's commit, were there one, would wait on nobody).
"""

import threading
from datetime import UTC, datetime

import psycopg
from django.db import connection

from core.bulk import any_of
from monitoring.models import Point

STATE = ("last_ts", "last_value", "high_since", "low_since")
TIMES = ("last_ts", "high_since", "low_since")
# Read on a miss only: fixed when the point is made, and used by neither checks nor rules.
UNREAD = ("created_at",)
COMPARED = tuple(
    field.attname for field in Point._meta.concrete_fields if field.attname not in STATE + UNREAD
)
MOST = 200_000  # instances kept; past it the memo starts afresh (a province's points fit)

LOCK = threading.RLock()
# point id -> (the COMPARED columns it was built from, the instance)
_known: dict[int, tuple[tuple, Point]] = {}


def forget() -> None:
    """Empty the memo (tests that roll the database back use it)."""
    _known.clear()


def active_points(gateway_pks) -> dict[int, dict[str, Point]]:
    """The active points of these gateways by gateway pk and code, their rule state as stored."""
    by_gateway: dict[int, dict[str, Point]] = {pk: {} for pk in gateway_pks}
    if not by_gateway:
        return by_gateway
    where, params = any_of("gateway_id", by_gateway)
    sqlite = connection.vendor == "sqlite"
    columns = ", ".join(
        # On SQLite the times' text as stored: fromisoformat reads it faster than the driver.
        [
            *COMPARED,
            *(f"CAST({name} AS TEXT)" if sqlite and name in TIMES else name for name in STATE),
        ]
    )
    rows = _fetch(
        f"SELECT {columns} FROM monitoring_point WHERE {where} AND active",  # noqa: S608
        params,
    )
    n = len(COMPARED)
    gateway_at, code_at = COMPARED.index("gateway_id"), COMPARED.index("code")
    missed = []
    for row in rows:
        known = _known.get(row[0])
        if known is None or known[0] != row[:n]:
            missed.append(row)
            continue
        point = known[1]
        point._state.fields_cache = {}  # no related object of an earlier batch
        # PostgreSQL's times come in the session's time zone, UTC (Django's setting).
        point.last_ts, point.last_value, point.high_since, point.low_since = (
            _from_sqlite(row[n:]) if sqlite else row[n:]
        )
        by_gateway[row[gateway_at]][row[code_at]] = point
    if missed:
        if len(_known) + len(missed) > MOST:
            _known.clear()
        where, params = any_of("id", [row[0] for row in missed])
        compared_of = {row[0]: row[:n] for row in missed}
        for point in Point.objects.raw(
            f"SELECT * FROM monitoring_point WHERE {where}",  # noqa: S608
            params,
        ):
            # Its state as the first query read it (the same transaction: the same values).
            _known[point.pk] = (compared_of[point.pk], point)
            by_gateway[point.gateway_id][point.code] = point
    return by_gateway


def _fetch(sql: str, params: list) -> list[tuple]:
    if connection.vendor == "postgresql":
        # Binary results: the driver's own timestamp loader (Django's text one for the
        # connection's time zone runs in Python).
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, binary=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _from_sqlite(state):
    """last_ts, last_value, high_since, low_since from SQLite's text (naive UTC)."""
    last_ts, last_value, high_since, low_since = state
    return (
        last_ts and datetime.fromisoformat(last_ts).replace(tzinfo=UTC),
        last_value,
        high_since and datetime.fromisoformat(high_since).replace(tzinfo=UTC),
        low_since and datetime.fromisoformat(low_since).replace(tzinfo=UTC),
    )
