"""The alarm rules, evaluated on each batch of stored readings (monitoring.ingest).

Per point, in time order, for readings newer than the last one evaluated (an older reading that
arrives late is stored but does not rewrite the point's history):
- high / low: above `high` or below `low` for at least `hold_seconds` (the condition starts at
  the first reading past the threshold and alarms once it has lasted that long);
- rate: a change larger than `rate_limit` per minute between two readings (over at least a
  minute, so readings a second apart do not turn noise into a jump);
- signal / fault: a true reading of a spark detector (signal) or of a device's fault output;
- sensor: a value outside the physical range (rejected by ingestion, recorded here);
- offline: no reading for `offline_intervals` expected intervals (monitoring.sweeps).
One alarm per (point, condition) while it holds: first, last and peak values; when the
condition stops, the alarm records when it cleared and stays for handling. Any valid reading
clears the point's sensor and offline alarms.
"""

from django.db import connection, transaction

from monitoring.kinds import KIND_DEFAULTS
from monitoring.models import Alarm, AlarmEvent, Condition, Point

LOWEST_FIRST = {Condition.LOW}


class Evaluator:
    def __init__(self, points, now):
        self.points = {p.pk: p for p in points}
        self.now = now
        self.open: dict[tuple[int, str], Alarm] = {}
        self.new: list[Alarm] = []
        self.changed: dict[int, Alarm] = {}
        self.touched: set[int] = set()

    # --- evaluation ---------------------------------------------------------------------------

    def evaluate(self, stored, faults=()) -> None:
        by_point: dict[int, list] = {}
        for point, ts, value in stored:
            readings = by_point.get(point.id)
            if readings is None:
                readings = by_point[point.id] = []
            readings.append((ts, value))
        ids = set(by_point) | {point.pk for point, _, _ in faults}
        if not ids:
            return
        for alarm in Alarm.objects.filter(point_id__in=ids, cleared_at__isnull=True):
            self.open[alarm.point_id, alarm.condition] = alarm
        for pk, readings in by_point.items():
            self._point(self.points[pk], sorted(readings))
        for point, ts, value in faults:
            self._hold(point, Condition.SENSOR, ts, value, value, None)

    def _point(self, point: Point, readings) -> None:
        # The hot path of ingestion: each reading is checked against the point's conditions,
        # and an alarm is looked at only where one is open (self.open) or must be raised.
        kind = KIND_DEFAULTS[point.kind]
        pk = point.id
        opened = self.open
        last_ts, last_value = point.last_ts, point.last_value
        high, low, hold = point.high, point.low, point.hold_seconds
        rate_limit = None if kind.boolean else point.rate_limit
        high_since, low_since = point.high_since, point.low_since
        signal = None
        if kind.true_means is not None:
            signal = Condition.FAULT if kind.true_means == "fault" else Condition.SIGNAL
        sensor, offline = (pk, Condition.SENSOR), (pk, Condition.OFFLINE)
        signal_key, high_key = (pk, signal), (pk, Condition.HIGH)
        low_key, rate_key = (pk, Condition.LOW), (pk, Condition.RATE)
        evaluated = False
        for ts, value in readings:
            if last_ts is not None and ts <= last_ts:
                continue
            evaluated = True
            if opened:
                if sensor in opened:
                    self._clear(point, Condition.SENSOR, ts)
                if offline in opened:
                    self._clear(point, Condition.OFFLINE, ts)
            if signal is not None:
                if value:
                    self._hold(point, signal, ts, value, value, None)
                elif signal_key in opened:
                    self._clear(point, signal, ts)
            if high is not None:
                if value > high:
                    high_since = high_since or ts
                    if (ts - high_since).total_seconds() >= hold:
                        self._hold(point, Condition.HIGH, ts, value, value, high, high_since)
                else:
                    high_since = None
                    if high_key in opened:
                        self._clear(point, Condition.HIGH, ts)
            if low is not None:
                if value < low:
                    low_since = low_since or ts
                    if (ts - low_since).total_seconds() >= hold:
                        self._hold(point, Condition.LOW, ts, value, value, low, low_since)
                else:
                    low_since = None
                    if low_key in opened:
                        self._clear(point, Condition.LOW, ts)
            if rate_limit is not None and last_ts is not None:
                seconds = max((ts - last_ts).total_seconds(), 60.0)
                rate = abs(value - last_value) * 60.0 / seconds
                if rate > rate_limit:
                    self._hold(point, Condition.RATE, ts, value, rate, rate_limit)
                elif rate_key in opened:
                    self._clear(point, Condition.RATE, ts)
            last_ts, last_value = ts, value
        if evaluated:
            point.last_ts, point.last_value = last_ts, last_value
            point.high_since, point.low_since = high_since, low_since
            self.touched.add(point.pk)

    def _hold(self, point, condition, ts, value, peak, limit, since=None) -> None:
        alarm = self.open.get((point.pk, condition))
        if alarm is None:
            alarm = Alarm(
                point=point,
                enterprise_id=point.enterprise_id,
                condition=condition,
                first_at=since or ts,
                last_at=ts,
                first_value=value,
                last_value=value,
                peak_value=peak,
                limit=limit,
                raised_at=self.now,
            )
            self.open[point.pk, condition] = alarm
            self.new.append(alarm)
            return
        alarm.last_at = max(alarm.last_at, ts)
        alarm.last_value = value
        if alarm.peak_value is None:
            alarm.peak_value = peak
        elif condition in LOWEST_FIRST:
            alarm.peak_value = min(alarm.peak_value, peak)
        else:
            alarm.peak_value = max(alarm.peak_value, peak)
        if alarm.pk:
            self.changed[alarm.pk] = alarm

    def _clear(self, point, condition, ts) -> None:
        alarm = self.open.pop((point.pk, condition), None)
        if alarm is not None:
            alarm.cleared_at = ts
            if alarm.pk:
                self.changed[alarm.pk] = alarm

    # --- saving -------------------------------------------------------------------------------

    def save(self) -> int:
        """Write the alarms and the points' state; return how many alarms were raised."""
        if self.touched:
            _update(
                [self.points[pk] for pk in self.touched],
                ["last_ts", "last_value", "high_since", "low_since"],
            )
        if self.changed:
            _update(
                list(self.changed.values()), ["last_at", "last_value", "peak_value", "cleared_at"]
            )
        if self.new:
            raise_alarms(self.new)
        return len(self.new)


def _update(objects, names) -> None:
    """Save these fields of these objects (all of one model): on PostgreSQL one UPDATE … FROM
    unnest(arrays), elsewhere one UPDATE per object sent as one executemany. bulk_update's
    CASE WHEN per field costs more to build than to run."""
    model = objects[0].__class__
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            names_ = ", ".join(quote(f.column) for f in fields)
            cursor.execute(
                f"UPDATE {table} AS t SET {columns} "  # noqa: S608
                f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {names_}) WHERE t.id = v.id",
                [[obj.pk for obj in objects]]
                + [[getattr(obj, f.attname) for obj in objects] for f in fields],
            )
            return
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
            [
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]
                for obj in objects
            ],
        )


def raise_alarms(alarms: list[Alarm]) -> None:
    """Store new alarms with their "raise" events and hand the events to the task queue once
    the transaction commits."""
    Alarm.objects.bulk_create(alarms)
    events = AlarmEvent.objects.bulk_create(
        [
            AlarmEvent(alarm=alarm, action="raise", to_state=alarm.state, at=alarm.raised_at)
            for alarm in alarms
        ]
    )
    ids = [event.pk for event in events]

    def enqueue():
        from monitoring.tasks import deliver_events

        deliver_events(ids)

    transaction.on_commit(enqueue, robust=True)
