"""The ingestion service: a gateway's batch of readings in, readings stored, rules evaluated,
alarms raised, all in one transaction. HTTP (monitoring.api) and MQTT (manage.py
ingest_mqtt) both call `ingest`; the benchmark (manage.py bench_ingest) measures it.

A reading is (point code, ts, value). It is rejected, with a reason, for a malformed entry,
an unknown point or a point of another gateway, a value of the wrong type, NaN or infinity, a
timestamp without an offset or more than five minutes ahead, and a value outside the point's
physical range (which also raises a sensor-fault alarm). (point, ts) identifies a reading: the
same one sent again is counted as a duplicate and not stored twice.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from monitoring import partitions
from monitoring.kinds import KIND_DEFAULTS
from monitoring.models import Gateway, Point
from monitoring.rules import Evaluator

FUTURE_TOLERANCE = timedelta(minutes=5)


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
    if not isinstance(readings, list):
        raise TypeError("readings must be a list")
    if len(readings) > max_readings():
        raise BatchTooLarge(f"每次最多 {max_readings()} 条数据")
    now = now or timezone.now()
    outcome = Outcome()
    with transaction.atomic():
        # One batch of a gateway at a time: the rules read and write its points' state. On
        # SQLite the write transaction (IMMEDIATE) serializes batches already.
        if connection.vendor == "postgresql":
            Gateway.objects.select_for_update().filter(pk=gateway.pk).exists()
        points = {p.code: p for p in Point.objects.filter(gateway_id=gateway.pk, active=True)}
        rows, faults = _validate(gateway, readings, points, now, outcome)
        partitions.ensure({partitions.month_of(ts) for _, ts, _ in rows})
        stored = _insert(rows)
        outcome.accepted = len(stored)
        outcome.duplicate += len(rows) - len(stored)
        evaluator = Evaluator(points.values(), now)
        evaluator.evaluate(stored, faults)
        outcome.alarms_raised = evaluator.save()
        Gateway.objects.filter(pk=gateway.pk).update(last_seen_at=now)
    return outcome


def _validate(gateway, readings, points, now, outcome):
    """The storable readings as (point, ts, value), each (point, ts) once; and the
    out-of-range values as sensor faults (point, ts, value)."""
    rows, faults, seen = [], [], set()
    latest = now + FUTURE_TOLERANCE
    reject = outcome.rejected.append
    unknown: list[tuple[int, str]] = []
    for index, reading in enumerate(readings):
        if not isinstance(reading, dict):
            reject(Rejection(index, None, "数据格式错误：每条数据应为对象"))
            continue
        code = reading.get("point")
        if not isinstance(code, str):
            reject(Rejection(index, None, "缺少点位编码（point）"))
            continue
        point = points.get(code)
        if point is None:
            unknown.append((index, code))
            continue
        stamp = reading.get("ts")
        if not isinstance(stamp, str):
            reject(Rejection(index, code, "缺少时间（ts）"))
            continue
        try:
            ts = datetime.fromisoformat(stamp)
        except ValueError:
            reject(Rejection(index, code, f"时间格式错误：{stamp[:40]}"))
            continue
        if ts.tzinfo is None:
            reject(Rejection(index, code, "时间须带时区偏移，例如 2026-11-29T08:00:00+08:00"))
            continue
        if ts > latest:
            reject(Rejection(index, code, "时间晚于服务器当前时间 5 分钟以上"))
            continue
        value = reading.get("value")
        kind = KIND_DEFAULTS[point.kind]
        if isinstance(value, bool):
            if not kind.boolean:
                reject(Rejection(index, code, "该点位的数值应为数字，而不是 true/false"))
                continue
            value = 1.0 if value else 0.0
        elif isinstance(value, int | float):
            value = float(value)
            if not math.isfinite(value):
                reject(Rejection(index, code, "数值不能为 NaN 或无穷大"))
                continue
            if kind.boolean and value not in (0.0, 1.0):
                reject(Rejection(index, code, "该点位的数值应为 true/false（或 1/0）"))
                continue
        else:
            reject(Rejection(index, code, "缺少数值（value）或数值类型错误"))
            continue
        if value < point.range_min or value > point.range_max:
            reject(
                Rejection(
                    index,
                    code,
                    f"数值 {value:g} 超出量程 [{point.range_min:g}, {point.range_max:g}]，"
                    "按传感器异常记录",
                )
            )
            faults.append((point, ts, value))
            continue
        key = (point.pk, ts)
        if key in seen:
            outcome.duplicate += 1
            continue
        seen.add(key)
        rows.append((point, ts, value))
    if unknown:
        elsewhere = set(
            Point.objects.filter(code__in={code for _, code in unknown})
            .exclude(gateway_id=gateway.pk)
            .values_list("code", flat=True)
        )
        for index, code in unknown:
            reason = "该点位不属于此网关" if code in elsewhere else f"未知点位：{code[:40]}"
            reject(Rejection(index, code, reason))
        outcome.rejected.sort(key=lambda r: r.index)
    return rows, faults


def _insert(rows):
    """Insert the rows, skipping those already stored; return the stored ones."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows)
    return _insert_sqlite(rows)


def _insert_postgresql(rows):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO monitoring_reading (point_id, ts, value) "
            "SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::float8[]) "
            "ON CONFLICT DO NOTHING RETURNING point_id, ts",
            [[p.pk for p, _, _ in rows], [ts for _, ts, _ in rows], [v for _, _, v in rows]],
        )
        returned = {(pk, ts) for pk, ts in cursor.fetchall()}
    if len(returned) == len(rows):
        return rows
    return [row for row in rows if (row[0].pk, row[1]) in returned]


def sqlite_stamp(ts: datetime) -> str:
    """A timestamp as Django stores it in SQLite (UTC, naive, ISO 8601 with a space)."""
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _insert_sqlite(rows):
    import json

    stamps = [sqlite_stamp(ts) for _, ts, _ in rows]
    payload = json.dumps([[p.pk, s, v] for (p, _, v), s in zip(rows, stamps, strict=True)])
    with connection.cursor() as cursor:
        # "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT (an upsert
        # after INSERT … SELECT), not to a join.
        cursor.execute(
            "INSERT INTO monitoring_reading (point_id, ts, value) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]') FROM json_each(%s) WHERE true "
            "ON CONFLICT DO NOTHING RETURNING point_id, ts",
            [payload],
        )
        returned = {(pk, stamp) for pk, stamp in cursor.fetchall()}
    if len(returned) == len(rows):
        return rows
    return [row for row, s in zip(rows, stamps, strict=True) if (row[0].pk, s) in returned]
