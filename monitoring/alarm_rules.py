"""The alarm rules, evaluated on each batch of stored readings (monitoring.ingest).

Per point, in time order:
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

Readings newer than the point's last evaluated one carry its state forward (last_ts,
last_value, high_since, low_since). A reading that arrives late (two ingestion workers, a
gateway's backlog) is judged in the stored order instead: the rules run again over the stored
readings around it, from the last reading before it where no condition held to the first after
it where none holds, and whatever the late readings show is raised, or added to the alarm of
the same episode, already cleared if a later reading ended it. A late calm reading inside an
alarm ends it there once the replay has read the alarm to its end: the alarm may have covered
two episodes (the reading between them came after both), or the second's readings may come
later still; either way the second, and what held after it, is judged on its own. A condition
that the replay finds holding from the first reading it read began then at the latest, if not
before (the point's state may say it began later: its first reading came late). With a rate
rule the replay reads on past its last calm reading while each reading came by a jump, and an
alarm whose clearing reading turns out to be part of the episode (a late reading before it made
it a jump) clears where the episode does, or holds on. Without a hold or a rate rule the alarms
are thus the same whatever order the readings arrive in; with them, a late reading may raise an
alarm the time order would not, for it never takes one back, but none is missed.
"""

import bisect
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter, itemgetter

import psycopg
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core import events
from core.bulk import any_of
from monitoring.kinds import KIND_DEFAULTS
from monitoring.models import Alarm, AlarmEvent, Condition, Point, Reading

LOWEST_FIRST = {Condition.LOW}
# How far around a late reading the stored order is read when no reading free of every
# condition bounds its episode sooner (a run longer than this counts as having lasted it).
LOOKAROUND = timedelta(days=1)
FIRST_AT = attrgetter("first_at")  # episodes and alarms in the order they began
# A change is judged over at least this many seconds: readings a second apart do not turn noise
# into a jump (the rate rule, per minute; Evaluator._run and _steep).
RATE_MIN_SECONDS = 60.0
MICROSECOND = timedelta(microseconds=1)  # the times' resolution, on both engines
READING_CONDITIONS = (
    Condition.HIGH,
    Condition.LOW,
    Condition.RATE,
    Condition.SIGNAL,
    Condition.FAULT,
)


class Evaluator:
    def __init__(self, points, now):
        self.points = {p.id: p for p in points}
        self.now = now
        self.open: dict[tuple[int, str], Alarm] = {}
        self.new: list[Alarm] = []
        self.changed: dict[int, Alarm] = {}
        self.touched: set[int] = set()
        # The stored alarms read while still uncleared: those of them cleared by this batch
        # get a "clear" event when saved.
        self.uncleared: set[int] = set()

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
        where, params = any_of("point_id", ids)
        for alarm in Alarm.objects.raw(
            f"SELECT * FROM monitoring_alarm WHERE {where} AND cleared_at IS NULL",  # noqa: S608
            params,
        ):
            self.open[alarm.point_id, alarm.condition] = alarm
            self.uncleared.add(alarm.pk)
        for pk, readings in by_point.items():
            point = self.points[pk]
            readings.sort()
            if point.last_ts is not None and readings[0][0] <= point.last_ts:
                fresh = bisect.bisect_right(readings, point.last_ts, key=itemgetter(0))
                self._late(point, readings[:fresh])
                readings = readings[fresh:]
            if readings:
                self._point(point, readings)
        for point, ts, value in faults:
            self._hold(point, Condition.SENSOR, ts, value, value, None)

    def _point(self, point: Point, readings) -> None:
        state = (point.last_ts, point.last_value, point.high_since, point.low_since)
        state = self._run(point, readings, state, self.open, self._hold, self._clear)
        point.last_ts, point.last_value, point.high_since, point.low_since = state
        self.touched.add(point.id)

    def _run(self, point: Point, readings, state, opened, hold_, clear_):
        """The rules over readings in time order, all after state's last_ts, from state (last
        ts and value, high_since, low_since); return the state after them. hold_ and clear_
        receive the conditions as they hold and stop; opened holds the alarms they keep."""
        # The hot path of ingestion: each reading is checked against the point's conditions,
        # and an alarm is looked at only where one is open (opened) or must be raised.
        kind = KIND_DEFAULTS[point.kind]
        pk = point.id
        last_ts, last_value, high_since, low_since = state
        high, low, hold = point.high, point.low, point.hold_seconds
        rate_limit = None if kind.boolean else point.rate_limit
        signal = None
        if kind.true_means is not None:
            signal = Condition.FAULT if kind.true_means == "fault" else Condition.SIGNAL
        sensor, offline = (pk, Condition.SENSOR), (pk, Condition.OFFLINE)
        signal_key, high_key = (pk, signal), (pk, Condition.HIGH)
        low_key, rate_key = (pk, Condition.LOW), (pk, Condition.RATE)
        for ts, value in readings:
            if opened:
                if sensor in opened:
                    clear_(point, Condition.SENSOR, ts)
                if offline in opened:
                    clear_(point, Condition.OFFLINE, ts)
            if signal is not None:
                if value:
                    hold_(point, signal, ts, value, value, None)
                elif signal_key in opened:
                    clear_(point, signal, ts)
            if high is not None:
                if value > high:
                    high_since = high_since or ts
                    if (ts - high_since).total_seconds() >= hold:
                        hold_(point, Condition.HIGH, ts, value, value, high, high_since)
                else:
                    high_since = None
                    if high_key in opened:
                        clear_(point, Condition.HIGH, ts)
            if low is not None:
                if value < low:
                    low_since = low_since or ts
                    if (ts - low_since).total_seconds() >= hold:
                        hold_(point, Condition.LOW, ts, value, value, low, low_since)
                else:
                    low_since = None
                    if low_key in opened:
                        clear_(point, Condition.LOW, ts)
            if rate_limit is not None and last_ts is not None:
                seconds = max((ts - last_ts).total_seconds(), RATE_MIN_SECONDS)
                rate = abs(value - last_value) * 60.0 / seconds
                if rate > rate_limit:
                    hold_(point, Condition.RATE, ts, value, rate, rate_limit)
                elif rate_key in opened:
                    clear_(point, Condition.RATE, ts)
            last_ts, last_value = ts, value
        return last_ts, last_value, high_since, low_since

    # --- late readings ------------------------------------------------------------------------

    def _late(self, point: Point, late) -> None:
        """Readings at or before the point's last evaluated one (stored now): the rules over
        the stored readings around them (see the module's docstring)."""
        kind = KIND_DEFAULTS[point.kind]
        high, low, signal = point.high, point.low, kind.true_means is not None
        rate = point.rate_limit is not None and not kind.boolean
        if high is None and low is None and not signal and not rate:
            return  # no rule looks at this point's values

        def calm(value) -> bool:  # no condition holds: no episode runs across this reading
            return not (
                (high is not None and value > high)
                or (low is not None and value < low)
                or (signal and value)
            )

        first, last, newest = late[0][0], late[-1][0], point.last_ts
        # From the last calm reading before them to the first calm one after them, or the
        # point's newest. Mostly found among the readings of an interval or two around them:
        # one query of our own SQL (the ORM's query building cost more than the query).
        margin = timedelta(seconds=2 * point.interval_seconds)
        around = _stored(point.pk, first - margin, min(newest, last + margin))
        times = [ts for ts, _ in around]
        before, after = bisect.bisect_left(times, first), bisect.bisect_right(times, last)
        start = next((j for j in range(before - 1, -1, -1) if calm(around[j][1])), None)
        end = next((j for j in range(after, len(around)) if calm(around[j][1])), None)
        if end is None and times[-1] == newest:
            end = len(around) - 1
        cut = False
        if start is not None and end is not None:
            around = around[start : end + 1]
            start, end = times[start], times[end]
        else:
            # An episode longer than that, or no reading before: search as far as LOOKAROUND.
            start, end, cut = _bounds(point, first, last, newest, high, low, signal)
            around = _stored(point.pk, start, end)
        if rate and end < newest:
            around = _through_jumps(point, around, newest)
            end = around[-1][0]
        # The readings whose judgement the late ones change: themselves and, for the rate,
        # the reading after each.
        times = [ts for ts, _ in around]
        changed = {ts for ts, _ in late}
        for ts in list(changed):
            after = bisect.bisect_right(times, ts)
            if after < len(times):
                changed.add(times[after])
        episodes = _Episodes()
        fresh = (None, None, None, None)
        _, _, high_since, low_since = self._run(
            point, around, fresh, episodes.running, episodes.hold, episodes.clear
        )
        if end == newest:
            # The replay reached the point's newest reading: its runs are the point's, except
            # that one running since the window's start may have begun before it (the earlier
            # of the two then).
            point.high_since = _since(high_since, point.high_since, cut and times[0])
            point.low_since = _since(low_since, point.low_since, cut and times[0])
            self.touched.add(point.pk)
        found = [
            episode
            for episode in [*episodes.done, *episodes.running.values()]
            # The episodes the late readings are part of, or end (a late calm reading).
            if any(
                episode.first_at <= ts <= episode.last_at or ts == episode.cleared_at
                for ts in changed
            )
        ]
        if found:
            self._settle(point, found, start, end, [*episodes.done, *episodes.running.values()])

    def _settle(self, point, episodes, start, end, replayed) -> None:
        """Add each episode to the alarm of the same (point, condition) it overlaps, or raise it
        as an alarm of its own. replayed: every episode of the replay from start to end."""
        by_pk = {alarm.pk: alarm for alarm in self.open.values() if alarm.pk}
        known = [
            by_pk.get(alarm.pk, alarm)
            for alarm in Alarm.objects.filter(
                point_id=point.pk, condition__in=READING_CONDITIONS, first_at__lte=end
            ).filter(Q(cleared_at__isnull=True) | Q(cleared_at__gt=start))
        ]
        self.uncleared.update(alarm.pk for alarm in known if alarm.cleared_at is None)
        known += [alarm for alarm in self.new if alarm.point_id == point.pk]
        matched: dict[int, Alarm] = {}  # id(alarm) -> the episode of this replay it took
        todo = sorted(episodes, key=FIRST_AT)
        done = 0
        while done < len(todo):  # grows when an alarm cut short hands over what held after it
            episode = todo[done]
            done += 1
            alarm = next((a for a in known if _overlap(a, episode)), None)
            earlier = matched.get(id(alarm)) if alarm is not None else None
            if (
                alarm is not None
                and earlier is not None
                and earlier.cleared_at is not None
                and (alarm.cleared_at or alarm.last_at) <= end
            ):
                # The alarm spans two episodes that the late readings show apart (a calm
                # reading between them came late), and the replay read the rest of it: it
                # ends with the first, and this one and what held after it are judged on
                # their own.
                after = _after(alarm, earlier, replayed, todo)
                _end(alarm, earlier)
                if self.open.get((point.pk, alarm.condition)) is alarm:
                    del self.open[point.pk, alarm.condition]
                if alarm.pk:
                    self.changed[alarm.pk] = alarm
                todo[done:] = sorted([*todo[done:], *after], key=FIRST_AT)
                alarm = next((a for a in known if _overlap(a, episode)), None)
            if alarm is not None:
                matched[id(alarm)] = episode
                if (
                    alarm.cleared_at is not None
                    and episode.cleared_at is not None
                    and episode.cleared_at < alarm.cleared_at <= end
                ):
                    # A calm reading came late inside the cleared alarm, and the replay read
                    # the rest of it: the alarm ends there, and what held after it in the
                    # replay, or comes later, is judged on its own.
                    after = _after(alarm, episode, replayed, todo)
                    _end(alarm, episode)
                    todo[done:] = sorted([*todo[done:], *after], key=FIRST_AT)
            if alarm is None and episode.cleared_at is None:
                alarm = self.open.get((point.pk, episode.condition))
            if alarm is not None:
                _merge(alarm, episode)
                if alarm.cleared_at is None:  # held on: the point's open alarm
                    running = self.open.setdefault((point.pk, alarm.condition), alarm)
                    if running is not alarm:  # one is open already: it ends where that began
                        alarm.cleared_at = max(running.first_at, alarm.last_at)
                if alarm.pk:
                    self.changed[alarm.pk] = alarm
                continue
            episode.point = point
            episode.enterprise_id = point.enterprise_id
            episode.raised_at = self.now
            if episode.cleared_at is None:
                self.open[point.pk, episode.condition] = episode
            self.new.append(episode)
            known.append(episode)

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
        _peak(alarm, peak)
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
        """Write the alarms and the points' state, and the events of the alarms raised and of
        those cleared (a stored alarm read uncleared, or a new one, with cleared_at now set) in
        one bulk insert; return how many alarms were raised."""
        if self.touched:
            _update(
                [self.points[pk] for pk in self.touched],
                ["last_ts", "last_value", "high_since", "low_since"],
            )
        if self.changed:
            # first_at too: a late reading may show an episode began earlier.
            _update(
                list(self.changed.values()),
                ["first_at", "first_value", "last_at", "last_value", "peak_value", "cleared_at"],
            )
        cleared = [
            alarm
            for alarm in self.changed.values()
            if alarm.cleared_at is not None and alarm.pk in self.uncleared
        ]
        if self.new or cleared:
            raise_alarms(self.new, cleared)
        return len(self.new)


def _stored(point_id: int, since, until, limit: int | None = None) -> list[tuple]:
    """The stored (ts, value) of a point from since to until, in time order (the first `limit`
    of them)."""
    ops = connection.ops
    # On SQLite the text as stored: fromisoformat reads it faster than the driver's converter.
    column = "CAST(ts AS TEXT)" if connection.vendor == "sqlite" else "ts"
    params = [point_id, ops.adapt_datetimefield_value(since), ops.adapt_datetimefield_value(until)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, value FROM monitoring_reading "  # noqa: S608
            "WHERE point_id = %s AND ts >= %s AND ts <= %s ORDER BY ts"
            + ("" if limit is None else " LIMIT %s"),
            params if limit is None else [*params, limit],
        )
        return _read(cursor.fetchall())


def _read(rows) -> list[tuple]:
    """(ts, value) rows as read: on SQLite the text of ts (UTC, naive) made a time."""
    if connection.vendor == "sqlite":
        return [(datetime.fromisoformat(ts).replace(tzinfo=UTC), value) for ts, value in rows]
    return rows


def _bounds(point, first, last, newest, high, low, signal):
    """The last calm reading before `first` and the first after `last` (see Evaluator._late)
    within LOOKAROUND, else the window's edges; and whether the start was cut there (an episode
    may have begun before it)."""
    conditions = Q()
    if high is not None:
        conditions |= Q(value__gt=high)
    if low is not None:
        conditions |= Q(value__lt=low)
    if signal:
        conditions |= Q(value__gt=0)
    stored = Reading.objects.filter(point_id=point.pk)
    calm = stored.exclude(conditions) if conditions else stored
    start = (
        calm.filter(ts__lt=first, ts__gte=first - LOOKAROUND)
        .order_by("-ts")
        .values_list("ts", flat=True)
        .first()
    )
    end = (
        calm.filter(ts__gt=last, ts__lte=min(newest, last + LOOKAROUND))
        .order_by("ts")
        .values_list("ts", flat=True)
        .first()
    )
    cut = start is None
    return (
        first - LOOKAROUND if cut else start,
        end or min(newest, last + LOOKAROUND),
        cut,
    )


def _peak(alarm: Alarm, peak) -> None:
    if peak is None:
        return
    if alarm.peak_value is None:
        alarm.peak_value = peak
    elif alarm.condition in LOWEST_FIRST:
        alarm.peak_value = min(alarm.peak_value, peak)
    else:
        alarm.peak_value = max(alarm.peak_value, peak)


class _Episodes:
    """Where a replay of the rules over stored readings puts the conditions it finds: each
    episode an unsaved Alarm, running (uncleared) or done (cleared)."""

    def __init__(self):
        self.running: dict[tuple[int, str], Alarm] = {}
        self.done: list[Alarm] = []

    def hold(self, point, condition, ts, value, peak, limit, since=None) -> None:
        episode = self.running.get((point.pk, condition))
        if episode is None:
            self.running[point.pk, condition] = Alarm(
                condition=condition,
                first_at=since or ts,
                last_at=ts,
                first_value=value,
                last_value=value,
                peak_value=peak,
                limit=limit,
            )
            return
        episode.last_at, episode.last_value = ts, value
        _peak(episode, peak)

    def clear(self, point, condition, ts) -> None:
        episode = self.running.pop((point.pk, condition), None)
        if episode is not None:
            episode.cleared_at = ts
            self.done.append(episode)


def _overlap(alarm: Alarm, episode: Alarm) -> bool:
    """Whether the alarm and the episode (of a replay) are one episode of one condition."""
    if alarm.condition != episode.condition:
        return False
    if alarm.cleared_at is not None and alarm.cleared_at <= episode.first_at:
        return False
    return episode.cleared_at is None or alarm.first_at < episode.cleared_at


def _steep(point: Point, before, reading) -> bool:
    """Whether the change from one (ts, value) to the next is past the point's rate limit (as
    Evaluator._run judges it)."""
    seconds = max((reading[0] - before[0]).total_seconds(), RATE_MIN_SECONDS)
    return abs(reading[1] - before[1]) * 60.0 / seconds > point.rate_limit


def _through_jumps(point: Point, around: list, newest) -> list:
    """The replay's window, its readings in time order, carried on past its last reading while
    each came by a jump (a rate episode runs on through a reading calm for every threshold),
    to the first reached without one, or to the point's newest reading, or LOOKAROUND on (a
    run of jumps longer than that counts as having lasted it)."""
    around = list(around)
    until = min(newest, around[-1][0] + LOOKAROUND)
    count = 8  # readings read at a time, twice as many each time
    while len(around) >= 2 and _steep(point, around[-2], around[-1]) and around[-1][0] < until:
        following = _stored(point.pk, around[-1][0] + MICROSECOND, until, count)
        if not following:
            break
        for reading in following:
            around.append(reading)
            if not _steep(point, around[-2], reading):
                break
        count = min(2 * count, 1024)
    return around


def _since(replayed, stored, start):
    """When a condition has held since, by a replay (replayed) whose window began at start if
    it was cut there (else False), and as the point stored it before."""
    if replayed is not None and replayed == start and stored is not None:
        return min(replayed, stored)
    return replayed


def _after(alarm: Alarm, episode: Alarm, replayed, queued) -> list[Alarm]:
    """The episodes of the replay of the alarm's condition that began once this episode of it
    ended and before the alarm did, and are not queued yet: what the alarm covered after the
    episode it is about to end with."""
    return [
        other
        for other in replayed
        if other.condition == alarm.condition
        and episode.cleared_at <= other.first_at
        and (alarm.cleared_at is None or other.first_at < alarm.cleared_at)
        and all(other is not taken for taken in queued)
    ]


def _end(alarm: Alarm, episode: Alarm) -> None:
    """End the alarm with this episode of it (a late reading split it from a later one). Its
    peak is the episode's where the alarm began with it; one that began before the replay's
    window keeps the peak it had, the readings before being unread."""
    alarm.cleared_at = episode.cleared_at
    alarm.last_at, alarm.last_value = episode.last_at, episode.last_value
    if alarm.first_at >= episode.first_at:
        alarm.peak_value = episode.peak_value


def _merge(alarm: Alarm, episode: Alarm) -> None:
    if alarm.cleared_at is not None and episode.last_at >= alarm.cleared_at:
        # The reading that cleared the alarm is part of the episode (a rate episode: a late
        # reading before it made it a jump): the alarm clears where the episode does, or
        # holds on if the episode does.
        alarm.cleared_at = episode.cleared_at
    if episode.first_at < alarm.first_at:
        alarm.first_at, alarm.first_value = episode.first_at, episode.first_value
    if episode.last_at > alarm.last_at:
        alarm.last_at, alarm.last_value = episode.last_at, episode.last_value
    _peak(alarm, episode.peak_value)


def _update(objects, names) -> None:
    """Save these fields of these objects (all of one model): on PostgreSQL the values are
    copied (binary COPY) into a temporary table and written by one UPDATE … FROM it, elsewhere
    one UPDATE per object sent as one executemany. bulk_update's CASE WHEN per field costs
    more to build than to run, and so did binding a batch's thousands of values as arrays."""
    model = objects[0].__class__
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        columns = [quote(f.column) for f in fields]
        # One temporary table per table and fields, emptied at each commit.
        temporary = quote(f"{model._meta.db_table}_{'_'.join(f.column for f in fields)}"[:63])
        types = [f.db_type(connection) for f in fields]
        definition = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
        by_id, ids = any_of("t.id", [obj.id for obj in objects])
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            # In one round trip (no parameters: the simple query protocol takes two
            # statements). Empty unless an earlier update of this transaction filled it.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {temporary} "  # noqa: S608
                f"(id bigint, {definition}) ON COMMIT DELETE ROWS; DELETE FROM {temporary}"
            )
            with cursor.copy(
                f"COPY {temporary} (id, {', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", *types])
                write = copy.write_row
                attnames = [f.attname for f in fields]
                for obj in objects:
                    write([obj.id, *[getattr(obj, name) for name in attnames]])
            # The ids again, so that the rows to write are found by their key (the
            # temporary table has no statistics to plan by).
            cursor.execute(
                f"UPDATE {table} AS t SET "  # noqa: S608
                + ", ".join(f"{c} = v.{c}" for c in columns)
                + f" FROM {temporary} AS v WHERE t.id = v.id AND {by_id}",
                ids,
            )
        return
    with connection.cursor() as cursor:
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
            [
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.id]
                for obj in objects
            ],
        )


def raise_alarms(alarms: list[Alarm], cleared: Sequence[Alarm] = ()) -> None:
    """Store new alarms with their "raise" events, and the "clear" events (恢复) of `cleared`
    (stored alarms whose condition stopped) and of the new alarms already cleared, all events
    in one bulk insert through core.events (the exchange's listener and the notifications see
    them); they go to the task queue once the transaction commits. A recovery is dated when it
    is recorded (the reading that ended it is the alarm's cleared_at)."""
    if alarms:
        Alarm.objects.bulk_create(alarms)
    at = timezone.now()
    rows = [
        AlarmEvent(alarm=alarm, action="raise", to_state=alarm.state, at=alarm.raised_at)
        for alarm in alarms
    ]
    rows += [
        AlarmEvent(alarm=alarm, action="clear", from_state=alarm.state, to_state=alarm.state, at=at)
        for alarm in [*cleared, *(alarm for alarm in alarms if alarm.cleared_at is not None)]
    ]
    events.record_many(AlarmEvent, rows)
