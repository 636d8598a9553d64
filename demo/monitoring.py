"""Demo monitoring for `manage.py load_demo`: gateways and points for the demo enterprises the
must-connect rules require, and enough history that the pages, the must-connect list and the
power analytics have something to show at once. Synthetic, like the enterprises.

What each enterprise is like (connected, never installed, silent, stopped yet running at
night, …) and what its devices read come from demo.simulator, which then carries the
same story on live (manage.py simulate_monitoring). Each must-connect demo enterprise that is
installed has two gateways: DEMO-<credit code>-M for its safety devices (dust collectors, NH3
detectors, furnace cooling water, gas) and DEMO-<credit code>-P for its power meter (the power
company's data, which keeps coming when the enterprise's own devices go quiet).

History: 30 days of power at 15 minutes; the last 24 hours of the other points every 5 minutes,
at their own interval for the last 15 minutes and around incidents. Everything goes through
monitoring.ingest.ingest, so readings, point state and alarms agree. A few past incidents
(hopper temperature, a burst bag, an NH3 leak, cooling water) leave alarms in each state of
their life: closed, handled, acknowledged, open.

Running it again creates no second gateway, point, reading or alarm: gateways are found by
code, points by (gateway, code), readings by (point, ts); it only adds the readings due since
each point's last one, and scripts incidents only on points without history.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from core.events import record_many
from demo.simulator import (
    COVERT_FOR,
    FALSE_OFFLINE_FOR,
    GATEWAY_PREFIX,
    MONITORING,
    NIGHT_HOURS,
    OVERLOAD_FOR,
    POWER,
    SILENT_FOR,
    Entry,
    Feed,
    Incident,
    Role,
    feeds,
    gateway_code,
    local_zone,
    plan,
    reading,
    send,
)
from monitoring import rollups
from monitoring.kinds import PointKind
from monitoring.models import Alarm, AlarmEvent, AlarmState, Condition, Gateway, Point
from monitoring.services import refresh_has_monitoring

SEED = 20240403
POWER_HISTORY = timedelta(days=30)
HISTORY = timedelta(hours=24)
COARSE_SECONDS = 300
FINE = timedelta(minutes=15)
AROUND_INCIDENT = timedelta(minutes=5)
INSTALLED_AGO = timedelta(days=31)
GATEWAY_NAMES = {MONITORING: "安全监测采集网关", POWER: "电力数据接口"}


def layout(entry: Entry) -> list[tuple[str, str, str, str]]:
    """The points of a must-connect enterprise: (gateway, code, equipment, kind)."""
    enterprise, tags = entry.enterprise, entry.tags
    points = []
    if enterprise.dust_class and "combustible_dust" in tags:
        collectors = 2 if (enterprise.dust_workers or 0) >= 20 else 1
        for n in range(1, collectors + 1):
            equipment = f"{n}号除尘器"
            points += [
                (MONITORING, f"dc{n}-dp", equipment, PointKind.PRESSURE_DIFF),
                (MONITORING, f"dc{n}-t", equipment, PointKind.HOPPER_TEMP),
                (MONITORING, f"dc{n}-al", equipment, PointKind.AIRLOCK_FAULT),
                (MONITORING, f"dc{n}-sp", equipment, PointKind.SPARK),
            ]
    if "ammonia_refrigeration" in tags:
        points += [
            (MONITORING, "nh3-1", "氨制冷机房", PointKind.NH3),
            (MONITORING, "nh3-2", "冷库穿堂", PointKind.NH3),
        ]
    if {"foundry", "metal_smelting", "molten_metal"} & tags:
        smelting = "metal_smelting" in tags
        for n in range(1, 3 if smelting else 2):
            equipment = f"{n}号电弧炉" if smelting else f"{n}号中频炉"
            points += [
                (MONITORING, f"cw{n}-t", equipment, PointKind.COOLING_TEMP),
                (MONITORING, f"cw{n}-df", equipment, PointKind.COOLING_FLOW_DIFF),
            ]
    if "coal_gas" in tags:
        points += [
            (MONITORING, "co-1", "煤气加压站", PointKind.CO),
            (MONITORING, "co-2", "高炉炉前", PointKind.CO),
            (MONITORING, "gas-1", "煤气管道阀组", PointKind.COMBUSTIBLE_GAS),
        ]
    points.append((POWER, "kw", "总进线", PointKind.POWER))
    return points


@dataclass
class Scripted:
    """A past incident and the state its alarms are left in."""

    incident: Incident
    state: str
    note: str


PAST = [
    # (kind, n-th suitable point, how long ago it started, state, handling)
    (
        "hopper",
        0,
        timedelta(hours=20),
        AlarmState.CLOSED,
        "现场检查灰斗，发现积灰阴燃；已停机清灰、惰化处置，温度恢复正常，已恢复生产。",
    ),
    (
        "burst",
        0,
        timedelta(hours=9),
        AlarmState.HANDLED,
        "滤袋破损，已停机更换 3 条滤袋并检查花板密封，压差恢复正常。",
    ),
    ("nh3", 0, timedelta(hours=5), AlarmState.ACKNOWLEDGED, ""),
    ("cooling", 0, timedelta(hours=2), AlarmState.OPEN, ""),
    ("hopper", 1, timedelta(minutes=50), AlarmState.OPEN, ""),
]
WANTED = {
    "hopper": PointKind.HOPPER_TEMP,
    "burst": PointKind.PRESSURE_DIFF,
    "nh3": PointKind.NH3,
    "cooling": PointKind.COOLING_TEMP,
}


def load(actor=None, *, now=None, enterprises=None, analytics=True) -> dict:
    """Install, backfill and script the demo's monitoring; return what was done. `actor`
    (the demo supervisor) is recorded on the past alarms' handling; `enterprises` limits the
    demo enterprises considered (tests)."""
    now = (now or timezone.now()).replace(microsecond=0)
    entries = plan(enterprises)
    gateways, points = _install(entries, now)
    since = {Role.COVERT: now - COVERT_FOR, Role.OVERLOAD: now - OVERLOAD_FOR}
    fed = feeds(entries, since, fed_only=False)
    scripted = _script(fed, now)
    incidents = [s.incident for s in scripted]
    first_alarm = Alarm.objects.aggregate(last=Max("pk"))["last"] or 0
    rng = random.Random(SEED)
    readings, ends = 0, set()
    for feed in fed:
        end = _end(feed, now)
        if end < now and any(c is not None for c in feed.cursors.values()):
            continue  # fell silent at the first load and stays so
        ends.add(end)
        readings += _backfill(feed, end, incidents, rng)
    _date_alarms(first_alarm, ends, {s.point_id for feed in fed for s in feed.signals})
    _date_recoveries(first_alarm)
    for script in scripted:
        _leave(script, actor, now)
    # The rollups of the history (the task does it every 5 minutes): the power baselines
    # read them.
    rollups.run(now + timedelta(seconds=1))
    warnings = _power_analytics(entries, now) if analytics else None
    return {
        "gateways": gateways,
        "points": points,
        "readings": readings,
        "alarms": Alarm.objects.filter(pk__gt=first_alarm).count(),
        "warnings": warnings,
    }


def _install(entries: list[Entry], now: datetime) -> tuple[int, int]:
    """Create the missing gateways and points; return how many of each were created."""
    wanted = {
        gateway_code(entry.enterprise, which): (entry, which)
        for entry in entries
        if entry.role != Role.NOT_INSTALLED
        for which in {g for g, *_ in layout(entry)}
    }
    existing = {g.code: g for g in Gateway.objects.filter(code__in=wanted)}
    new = []
    for code, (entry, which) in sorted(wanted.items()):
        if code not in existing:
            gateway = Gateway(enterprise=entry.enterprise, code=code, name=GATEWAY_NAMES[which])
            gateway.set_new_token()  # nobody needs it: the simulator works in-process
            new.append(gateway)
    Gateway.objects.bulk_create(new)
    gateways = {g.code: g for g in Gateway.objects.filter(code__in=wanted)}
    have = set(Point.objects.filter(gateway__in=gateways.values()).values_list("gateway", "code"))
    points = []
    touched = set()
    for entry in entries:
        if entry.role == Role.NOT_INSTALLED:
            continue
        for which, code, equipment, kind in layout(entry):
            gateway = gateways[gateway_code(entry.enterprise, which)]
            if (gateway.pk, code) in have:
                continue
            point = Point(
                gateway=gateway,
                enterprise_id=entry.enterprise.pk,
                code=code,
                equipment=equipment,
                kind=kind,
                created_at=now - INSTALLED_AGO,
            )
            point.apply_defaults()
            points.append(point)
            touched.add(entry.enterprise.pk)
    Point.objects.bulk_create(points)
    for enterprise_id in sorted(touched):
        refresh_has_monitoring(enterprise_id)
    return len(new), len(points)


def _end(feed: Feed, now: datetime) -> datetime:
    """When this gateway's history ends: now, or when the plan has it fall silent."""
    role = feed.entry.role
    if role == Role.SILENT:
        return now - SILENT_FOR
    if role == Role.FALSE_OFFLINE and feed.gateway.code.endswith(f"-{MONITORING}"):
        return now - FALSE_OFFLINE_FOR
    return now


def _script(fed: list[Feed], now: datetime) -> list[Scripted]:
    """The past incidents, each on a connected enterprise of its own, on points that have no
    history yet (so a second load scripts nothing)."""
    used: set[int] = set()
    scripted = []
    for kind, nth, ago, state, note in PAST:
        options = [
            (feed, signal)
            for feed in fed
            if feed.entry.role == Role.CONNECTED
            for signal in feed.signals
            if signal.kind == WANTED[kind]
        ]
        seen = 0
        for feed, signal in options:
            if feed.entry.enterprise.pk in used:
                continue
            if seen < nth:
                seen += 1
                continue
            used.add(feed.entry.enterprise.pk)
            if feed.cursors[signal.point_id] is None:
                incident = Incident(
                    kind,
                    _grid(now - ago, signal.interval),
                    feed.entry.enterprise.pk,
                    signal.point_id,
                    feed.gateway.pk,
                )
                scripted.append(Scripted(incident, state, note))
            break
    return scripted


def _grid(moment: datetime, seconds: int) -> datetime:
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=UTC)


def _stamps(start: datetime, end: datetime, seconds: int) -> range:
    """Multiples of `seconds` (epoch seconds) in (start, end]."""
    first = int(start.timestamp()) // seconds * seconds + seconds
    return range(first, int(end.timestamp()) + 1, seconds)


def _backfill(feed: Feed, end: datetime, incidents: list[Incident], rng) -> int:
    """Send the readings of this gateway's points up to `end`, from their last reading or the
    start of the history window."""
    readings = []
    for signal in feed.signals:
        last = feed.cursors[signal.point_id]
        interval = signal.interval
        if signal.kind == PointKind.POWER:
            start = end - POWER_HISTORY
            stamps = set(_stamps(start, end, interval))
        else:
            start = end - HISTORY
            stamps = set(_stamps(start, end - FINE, max(COARSE_SECONDS, interval)))
            stamps.update(_stamps(end - FINE, end, interval))
            for incident in incidents:
                if incident.point_id == signal.point_id:
                    stamps.update(
                        _stamps(
                            incident.start - AROUND_INCIDENT,
                            min(incident.end + AROUND_INCIDENT, end),
                            interval,
                        )
                    )
        floor = last.timestamp() if last is not None else start.timestamp()
        mine = [i for i in incidents if i.point_id == signal.point_id]
        for stamp in sorted(s for s in stamps if s > floor):
            moment = datetime.fromtimestamp(stamp, tz=UTC)
            readings.append(reading(signal, moment, signal.next(moment, rng, mine)))
    if not readings:
        return 0
    accepted, _ = send(feed.gateway, readings, end)
    return accepted


def _date_alarms(first_alarm: int, ends: set[datetime], point_ids: set[int]) -> None:
    """Alarms raised by the backfill carry the time of the ingest call; date them when their
    condition had lasted its hold time, as they would have been raised live."""
    alarms = Alarm.objects.filter(
        pk__gt=first_alarm, raised_at__in=ends, point_id__in=point_ids
    ).select_related("point")
    for alarm in alarms:
        hold = alarm.point.hold_seconds if alarm.condition in (Condition.HIGH, Condition.LOW) else 0
        raised = min(alarm.first_at + timedelta(seconds=hold), alarm.last_at)
        if raised >= alarm.raised_at:
            continue
        alarm.raised_at = raised
        alarm.save(update_fields=["raised_at"])
        alarm.events.filter(action="raise").update(at=raised)


def _date_recoveries(first_alarm: int) -> None:
    """Recoveries (clear events) recorded by the backfill carry the time of the ingest call;
    date them when the condition stopped, as they would have been recorded live."""
    cleared = Alarm.objects.filter(pk__gt=first_alarm, cleared_at__isnull=False)
    for alarm_id, cleared_at in cleared.values_list("pk", "cleared_at"):
        AlarmEvent.objects.filter(alarm_id=alarm_id, action="clear").update(at=cleared_at)


def _leave(script: Scripted, actor, now: datetime) -> None:
    """Walk the incident's alarms to their scripted state, as the enterprise and the
    supervisor would have (events dated, already notified)."""
    incident = script.incident
    alarms = Alarm.objects.filter(
        point_id=incident.point_id,
        state=AlarmState.OPEN,
        first_at__gte=incident.start - AROUND_INCIDENT,
        first_at__lte=incident.end,
    ).order_by("pk")
    steps = {
        AlarmState.OPEN: [],
        AlarmState.ACKNOWLEDGED: ["acknowledge"],
        AlarmState.HANDLED: ["acknowledge", "handle"],
        AlarmState.CLOSED: ["acknowledge", "handle", "close"],
    }[script.state]
    for alarm in alarms:
        events = []
        for action in steps:
            before = alarm.state
            if action == "acknowledge":
                at = min(alarm.raised_at + timedelta(minutes=6), now)
                alarm.acknowledged_at, alarm.state = at, AlarmState.ACKNOWLEDGED
                note = "已通知现场人员检查"
            elif action == "handle":
                at = min(alarm.raised_at + timedelta(minutes=35), now)
                alarm.handled_at, alarm.handling, alarm.state = at, script.note, AlarmState.HANDLED
                note = script.note
            else:
                if alarm.cleared_at is None:
                    break
                at = min(max(alarm.raised_at + timedelta(hours=2), alarm.cleared_at), now)
                alarm.closed_at, alarm.state = at, AlarmState.CLOSED
                note = "复核处置情况属实，关闭报警"
            events.append(
                AlarmEvent(
                    alarm=alarm,
                    action=action,
                    from_state=before,
                    to_state=alarm.state,
                    actor=actor,
                    note=note,
                    at=at,
                    notified_at=at,
                )
            )
        alarm.save()
        record_many(AlarmEvent, events)


def _power_analytics(entries: list[Entry], now: datetime) -> int | None:
    """The power findings of the stopped enterprise running at night, the overloaded one and
    the false offline one at once, each at the latest time its story shows (the hourly task
    finds them from then on), if the power analytics exist yet."""
    try:
        from monitoring import power
    except ImportError:
        return None
    check = getattr(power, "check", None)
    if check is None:
        return None
    found = 0
    for entry in entries:
        moment = showing(entry, now)
        if moment is not None:
            found += len(check(entry.enterprise, moment))
    return found


ANALYSIS_WINDOW = timedelta(hours=2)


def showing(entry: Entry, now: datetime, look_back=timedelta(hours=30)) -> datetime | None:
    """The latest time up to now whose last two hours show this entry's story in its power:
    running at night while stopped (covert), producing at 1.7 times its load (overload), or
    producing while its safety devices have been silent (false offline)."""
    role = entry.role
    if role not in (Role.COVERT, Role.OVERLOAD, Role.FALSE_OFFLINE):
        return None
    step = timedelta(minutes=15)
    earliest = now - look_back
    if role == Role.COVERT:
        earliest = max(earliest, now - COVERT_FOR)
    elif role == Role.OVERLOAD:
        earliest = max(earliest, now - OVERLOAD_FOR)
    else:
        earliest = max(earliest, now - FALSE_OFFLINE_FOR + timedelta(minutes=10))
    end = _grid(now, 900)
    while end - ANALYSIS_WINDOW >= earliest:
        stamps = [end - step * n for n in range(int(ANALYSIS_WINDOW / step))]
        if all(_running(entry, moment) for moment in stamps):
            return end
        end -= step
    return None


def _running(entry: Entry, moment: datetime) -> bool:
    if entry.role == Role.COVERT:
        return moment.astimezone(local_zone()).hour in NIGHT_HOURS
    return entry.profile.fraction(moment) > 0.5


def demo_gateways():
    return Gateway.objects.filter(code__startswith=GATEWAY_PREFIX, enterprise__is_demo=True)
