"""The ingestion service: a gateway's batch of readings in, readings stored, rules evaluated,
alarms raised, all in one transaction. HTTP (monitoring.api, through the group commit) and
MQTT (manage.py ingest_mqtt) both call `ingest_many`; the benchmarks (manage.py bench_ingest,
bench_gateways) measure it.

A reading is (point code, ts, value). It is rejected, with a reason, for a malformed entry,
an unknown point or a point of another gateway, a value of the wrong type, NaN, infinity or a
number no float holds, a timestamp without an offset or outside the accepted window
(TELEMETRY_MAX_AGE_DAYS back, TELEMETRY_MAX_FUTURE_SECONDS ahead of the server's clock), and a
value outside the point's physical range (which also raises a sensor-fault alarm). A rejected
reading costs only itself: the others of the batch are stored. (point, ts) identifies a reading:
the same one sent again is counted as a duplicate and not stored twice.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.bulk import any_of
from core.inputs import echo, text_problem
from monitoring import known_points, partitions, rollups
from monitoring.alarm_rules import Evaluator
from monitoring.kinds import KIND_DEFAULTS
from monitoring.models import Gateway, Point


@dataclass
class Rejection:
    index: int  # position in the request's readings
    point: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"index": self.index, "point": self.point, "reason": self.reason}


@dataclass
class Outcome:
    accepted: int = 0
    duplicate: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    alarms_raised: int = 0
    revoked: bool = False  # the gateway's token no longer holds: nothing was stored

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicate": self.duplicate,
            "rejected": len(self.rejected),
            "errors": [r.as_dict() for r in self.rejected],
        }


class BatchTooLarge(ValueError):
    pass


def max_readings() -> int:
    return settings.TELEMETRY_MAX_READINGS


def ingest(gateway: Gateway, readings, *, now: datetime | None = None) -> Outcome:
    """Store a batch of one gateway's readings and evaluate the rules on them."""
    return ingest_many([(gateway, readings)], now=now)[0]


def ingest_many(items, *, now: datetime | None = None, digests=None) -> list[Outcome]:
    """Store several messages, each (gateway, readings), in arrival order, in ONE transaction;
    one Outcome per message, with the counts and refusals it would have had alone (a reading
    also sent by an earlier message of the batch is its duplicate, as if stored before it).

    The gateways are locked in primary-key order (two workers never deadlock); all rows go in
    by one insert; the rules run per point in timestamp order over the readings of all the
    messages (a gateway's two messages out of order are judged by time), and the points' rule
    state and the gateways' last_seen_at are written once. An alarm raised by the batch counts
    in the outcome of its gateway's last message. An unexpected error (a bug, a constraint)
    rolls the whole batch back and propagates: the caller (the MQTT worker) then stores the
    messages one by one, so that only the failing one is lost.

    digests, one per message or None: the digest of the token each message's gateway was found
    by, when that lookup may be stale (the HTTP endpoint's cache). It is checked against the
    gateway's row as it is locked, so a gateway switched off, or a token replaced or past its
    grace period, stores nothing from that moment on (the outcome says `revoked`)."""
    for _, readings in items:
        if not isinstance(readings, list):
            raise TypeError("readings must be a list")
        if len(readings) > max_readings():
            raise BatchTooLarge(f"每次最多 {max_readings()} 条数据")
    outcomes = [Outcome() for _ in items]
    if not items:
        return outcomes
    now = now or timezone.now()
    postgresql = connection.vendor == "postgresql"
    gateways = {gateway.id: gateway for gateway, _ in items}
    with known_points.LOCK, transaction.atomic():
        # One batch of a gateway at a time: the rules read and write its points' state. On
        # SQLite the write transaction (IMMEDIATE) serializes batches already. In key order:
        # ORDER BY comes before FOR UPDATE's locking, so two batches never wait on each other
        # in a circle.
        # Raw SQL for the batch's reads by key: the ORM's building of these queries cost more
        # than running them (most of a one-message batch's time).
        where, params = any_of("id", gateways)
        lock = " FOR UPDATE" if postgresql else ""
        columns = "id, active, token_hash, previous_token_hash, previous_token_until"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM monitoring_gateway WHERE {where} ORDER BY id{lock}",  # noqa: S608
                params,
            )
            tokens = {pk: row for pk, *row in cursor.fetchall()}
        by_gateway = known_points.active_points(gateways)
        rows: list = []
        faults: list = []
        spans: list = []  # each message's rows, rows[start:end]
        moments: dict[datetime, None] = {}
        seen: set[tuple[int, datetime]] = set()  # of gateways with several messages in the batch
        last_of: dict[int, int] = {}  # gateway pk -> its last message in the batch
        messages = Counter(gateway.id for gateway, _ in items)
        several = {pk for pk, count in messages.items() if count > 1}
        for n, ((gateway, readings), outcome) in enumerate(zip(items, outcomes, strict=True)):
            if (
                digests is not None
                and digests[n]
                and not _valid(tokens.get(gateway.id), digests[n], now)
            ):
                outcome.revoked = True
                spans.append((len(rows), len(rows)))
                continue
            last_of[gateway.id] = n
            own_rows, own_faults, own_moments = _validate(
                gateway, readings, by_gateway[gateway.id], now, outcome
            )
            faults += own_faults
            start = len(rows)
            if gateway.id in several:
                for row in own_rows:
                    key = (row[0].id, row[1])
                    if key in seen:  # sent by an earlier message of the batch
                        outcome.duplicate += 1
                        continue
                    seen.add(key)
                    rows.append(row)
            else:
                rows += own_rows
            spans.append((start, len(rows)))
            moments.update(own_moments)
        if postgresql and moments:
            partitions.ensure({partitions.month_of(ts) for ts in moments})
        stored = _insert(rows, moments)
        kept = None if len(stored) == len(rows) else {(p.id, ts) for p, ts, _ in stored}
        # The distinct times, not every row: a poll's readings share one.
        rollups.note_late(moments if kept is None else {ts for _, ts in kept}, now)
        for (start, end), outcome in zip(spans, outcomes, strict=True):
            if kept is None:
                outcome.accepted = end - start
            else:
                outcome.accepted = sum((p.id, ts) in kept for p, ts, _ in rows[start:end])
                outcome.duplicate += end - start - outcome.accepted
        points = [point for codes in by_gateway.values() for point in codes.values()]
        evaluator = Evaluator(points, now)
        evaluator.evaluate(stored, faults)
        evaluator.save()
        for alarm in evaluator.new:
            outcomes[last_of[alarm.point.gateway_id]].alarms_raised += 1
        if last_of:  # the gateways heard from (not those whose every message was revoked)
            where, params = any_of("id", last_of)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE monitoring_gateway SET last_seen_at = %s WHERE {where}",  # noqa: S608
                    [connection.ops.adapt_datetimefield_value(now), *params],
                )
    return outcomes


def _valid(row, digest: str, now: datetime) -> bool:
    """Whether a token of this digest still opens the gateway of row (active, token_hash,
    previous_token_hash, previous_token_until), as services.gateway_for_token decides."""
    if row is None:  # the gateway is gone
        return False
    active, current, previous, until = row
    if until is not None and until.tzinfo is None:  # SQLite's raw cursor: naive UTC
        until = until.replace(tzinfo=UTC)
    if not active:
        return False
    return digest == current or (digest == previous and until is not None and until > now)


def _span(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} 天"
    if seconds % 60 == 0:
        return f"{seconds // 60} 分钟"
    return f"{seconds} 秒"


def window(now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest time a reading may carry (the settings, around `now`)."""
    return (
        now - timedelta(days=settings.TELEMETRY_MAX_AGE_DAYS),
        now + timedelta(seconds=settings.TELEMETRY_MAX_FUTURE_SECONDS),
    )


def _timestamp(stamp: str, earliest: datetime, latest: datetime) -> datetime | str:
    """A reading's time, or the reason it is refused."""
    try:
        ts = datetime.fromisoformat(stamp)
    except ValueError:
        return f"时间格式错误：{echo(stamp)}"
    if ts.tzinfo is None:
        return "时间须带时区偏移，例如 2026-11-29T08:00:00+08:00"
    try:
        # In UTC, one tzinfo for all: comparing and subtracting times of the same tzinfo skips
        # the offset lookups (the rules do both for every reading).
        ts = ts.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        return f"时间超出可表示的范围：{echo(stamp)}"
    return _outside(ts, earliest, latest) or ts


def _outside(ts: datetime, earliest: datetime, latest: datetime) -> str | None:
    if ts > latest:
        return (
            f"时间晚于服务器当前时间 {_span(settings.TELEMETRY_MAX_FUTURE_SECONDS)}以上，不予接收"
        )
    if ts < earliest:
        return (
            f"时间早于服务器当前时间 {_span(settings.TELEMETRY_MAX_AGE_DAYS * 86400)}以上，不予接收"
        )
    return None


def refused_time(ts: datetime, now: datetime) -> str | None:
    """Why an event's time (aware) is outside the accepted window, or None."""
    try:
        ts = ts.astimezone(UTC)
    except OverflowError:
        return "时间超出可表示的范围"
    return _outside(ts, *window(now))


def _validate(gateway, readings, points, now, outcome):
    """The storable readings as (point, ts, value), each (point, ts) once; the out-of-range
    values as sensor faults (point, ts, value); and the distinct times of the storable ones.

    This is the hot path of ingestion: a gateway's readings share a few timestamps (all its
    points report together), so each distinct timestamp is parsed and checked once, and each
    point's settings are looked up once per batch."""
    rows: list[tuple[Point, datetime, float]] = []
    faults: list[tuple[Point, datetime, float]] = []
    seen: set[tuple[int, datetime]] = set()
    earliest, latest = window(now)
    reject = outcome.rejected.append
    unknown: list[tuple[int, str]] = []
    # code -> (point, its id, boolean, range_min, range_max)
    specs = {
        code: (point, point.id, KIND_DEFAULTS[point.kind].boolean, point.range_min, point.range_max)
        for code, point in points.items()
    }
    stamps: dict[str, datetime | str] = {}  # a timestamp as sent -> its time or why refused
    moments: dict[datetime, None] = {}  # the distinct times of the storable rows
    append, remember = rows.append, seen.add
    isfinite = math.isfinite
    for index, reading in enumerate(readings):
        if not isinstance(reading, dict):
            reject(Rejection(index, None, "数据格式错误：每条数据应为对象"))
            continue
        code = reading.get("point")
        if not isinstance(code, str):
            reject(Rejection(index, None, "缺少点位编码（point）"))
            continue
        spec = specs.get(code)
        if spec is None:
            if text_problem(code, multiline=False):  # never a code, and no query may carry it
                reject(Rejection(index, echo(code), "点位编码含有控制字符或无效字符"))
            else:
                unknown.append((index, code))
            continue
        stamp = reading.get("ts")
        if not isinstance(stamp, str):
            reject(Rejection(index, code, "缺少时间（ts）"))
            continue
        ts = stamps.get(stamp)
        if ts is None:
            ts = stamps[stamp] = _timestamp(stamp, earliest, latest)
        if isinstance(ts, str):
            reject(Rejection(index, code, ts))
            continue
        point, pk, boolean, range_min, range_max = spec
        value = reading.get("value")
        if isinstance(value, bool):
            if not boolean:
                reject(Rejection(index, code, "该点位的数值应为数字，而不是 true/false"))
                continue
            value = 1.0 if value else 0.0
        elif isinstance(value, (int, float)):  # a tuple: faster than int | float here
            try:
                value = float(value)
            except OverflowError:  # an integer of hundreds of digits
                reject(Rejection(index, code, "数值超出可表示的范围"))
                continue
            if not isfinite(value):
                reject(Rejection(index, code, "数值不能为 NaN 或无穷大"))
                continue
            if boolean and value not in (0.0, 1.0):
                reject(Rejection(index, code, "该点位的数值应为 true/false（或 1/0）"))
                continue
        else:
            reject(Rejection(index, code, "缺少数值（value）或数值类型错误"))
            continue
        if value < range_min or value > range_max:
            reject(
                Rejection(
                    index,
                    code,
                    f"数值 {value:g} 超出量程 [{range_min:g}, {range_max:g}]，按传感器异常记录",
                )
            )
            faults.append((point, ts, value))
            continue
        key = (pk, ts)
        if key in seen:
            outcome.duplicate += 1
            continue
        remember(key)
        append((point, ts, value))
        moments[ts] = None
    if unknown:
        elsewhere = set(
            Point.objects.filter(code__in={code for _, code in unknown})
            .exclude(gateway_id=gateway.pk)
            .values_list("code", flat=True)
        )
        for index, code in unknown:
            reason = "该点位不属于此网关" if code in elsewhere else f"未知点位：{echo(code)}"
            reject(Rejection(index, code, reason))
        outcome.rejected.sort(key=lambda r: r.index)
    return rows, faults, moments


def _insert(rows, moments=None):
    """Insert the rows, skipping those already stored; return the stored ones."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows)
    return _insert_sqlite(rows, moments)


COPY_READINGS = "COPY monitoring_reading (point_id, ts, value) FROM STDIN (FORMAT BINARY)"
COPY_TYPES = ["int8", "timestamptz", "float8"]
UNIQUE_VIOLATION = "23505"


def _insert_postgresql(rows):
    """COPY the rows in (binary), under a savepoint: the fast path, taken whenever none of them
    is stored yet. A duplicate makes the COPY fail; then the rows go in again by INSERT … ON
    CONFLICT DO NOTHING, which says which were new."""
    try:
        # The driver's own cursor, so its errors are wrapped here as Django wraps a query's:
        # a lost connection is Django's OperationalError (the API's 503, the MQTT worker's
        # retry) and marks the connection for its health check.
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(COPY_READINGS) as copy,
        ):
            copy.set_types(COPY_TYPES)
            write = copy.write_row
            for point, ts, value in rows:
                write((point.id, ts, value))
        return rows
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO monitoring_reading (point_id, ts, value) "
            "SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::float8[]) "
            "ON CONFLICT DO NOTHING RETURNING point_id, ts",
            [[p.id for p, _, _ in rows], [ts for _, ts, _ in rows], [v for _, _, v in rows]],
        )
        returned = {(pk, ts) for pk, ts in cursor.fetchall()}
    if len(returned) == len(rows):
        return rows
    return [row for row in rows if (row[0].id, row[1]) in returned]


def sqlite_stamp(ts: datetime) -> str:
    """A timestamp as Django stores it in SQLite (UTC, naive, ISO 8601 with a space)."""
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


INSERT_SQLITE = (
    "INSERT INTO monitoring_reading (point_id, ts, value) VALUES (%s, %s, %s) "
    "ON CONFLICT DO NOTHING"
)


def _insert_sqlite(rows, moments=None):
    """executemany of one INSERT, under a savepoint; it counts the rows it stored. When some
    were stored already, it goes back to the savepoint, looks up which, and stores the rest."""
    text = {ts: sqlite_stamp(ts) for ts in (moments or {ts for _, ts, _ in rows})}
    params = [(point.id, text[ts], value) for point, ts, value in rows]
    database = connection.connection
    with transaction.atomic(), connection.cursor() as cursor:
        before = database.total_changes
        cursor.executemany(INSERT_SQLITE, params)
        if database.total_changes - before == len(params):
            return rows
        # Roll the savepoint back (a refusal of our own making) and keep the new rows only.
        transaction.set_rollback(True)
    stored = _stored_sqlite(params)
    fresh = [n for n, (pk, stamp, _) in enumerate(params) if (pk, stamp) not in stored]
    with connection.cursor() as cursor:
        cursor.executemany(INSERT_SQLITE, [params[n] for n in fresh])
    return [rows[n] for n in fresh]


def _stored_sqlite(params) -> set[tuple[int, str]]:
    """Which of these (point id, ts text, value) are stored already."""
    stored: set[tuple[int, str]] = set()
    by_point: dict[int, list[str]] = {}
    for pk, stamp, _ in params:
        by_point.setdefault(pk, []).append(stamp)
    with connection.cursor() as cursor:
        for pk, stamps in by_point.items():
            # CAST: the text as stored, not turned into a datetime by the driver.
            cursor.execute(
                "SELECT CAST(ts AS TEXT) FROM monitoring_reading "
                "WHERE point_id = %s AND ts >= %s AND ts <= %s",
                [pk, min(stamps), max(stamps)],
            )
            stored.update((pk, stamp) for (stamp,) in cursor.fetchall())
    return stored
