"""The demo's monitoring world and its live feed (manage.py simulate_monitoring).

The demo enterprises (Enterprise.is_demo) that the must-connect rules require get gateways and
points from demo.monitoring; this module decides what each of them is like and what its devices
read, so that the backfill of `load_demo` and the live simulator tell the same story:

- `plan()`: each must-connect demo enterprise's role: connected (most), never installed (a
  few, so the must-connect list shows gaps), silent for three days (offline alarms, then a
  第十四条 hazard), its safety gateway silent while power shows production (false offline),
  stopped yet running at night (covert operation), running above its usual load (overload), or
  stopped (idle power);
- `Profile`: an enterprise's power pattern (shifts, lunch dip, weekends, idle level);
- `Signal`: one point's readings: pressure difference 900–1,300 Pa with slow drift, hopper
  temperature 25–40 ℃, gas near zero, cooling water, power following the profile;
- `Incident`: a scripted episode laid over the signals (hopper temperature rising past 70 ℃,
  a burst bag, an NH3 leak, cooling water overheating, a gateway going silent, a stopped
  enterprise drawing production-level power);
- `Simulator`: every tick, the next readings of every fed demo point, through
  monitoring.ingest.ingest per gateway (rules evaluated, alarms raised), and incidents on a
  schedule. Deterministic for a seed and a sequence of tick times. It reads and writes only
  gateways named DEMO-… of demo enterprises.
"""

import functools
import math
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from enterprises.choices import Status
from enterprises.models import Enterprise
from monitoring.connect import must_connect
from monitoring.ingest import ingest
from monitoring.kinds import PointKind
from monitoring.models import Gateway, Point

GATEWAY_PREFIX = "DEMO-"
MONITORING, POWER = "M", "P"  # the two gateways of a demo enterprise: safety devices, power
BATCH = 5000  # readings per ingest call (the API's cap)


class Role:
    CONNECTED = "connected"
    NOT_INSTALLED = "not_installed"
    SILENT = "silent"
    FALSE_OFFLINE = "false_offline"
    COVERT = "covert"
    OVERLOAD = "overload"
    STOPPED = "stopped"


# When the silent enterprises went quiet, before "now" of the backfill.
SILENT_FOR = timedelta(days=3)
FALSE_OFFLINE_FOR = timedelta(hours=30)
# The covert enterprise has run at night for this long; the overloaded one for this long.
COVERT_FOR = timedelta(days=7)
OVERLOAD_FOR = timedelta(days=1)
OVERLOAD_FACTOR = 1.7
NIGHT_HOURS = frozenset({22, 23, 0, 1, 2, 3})
NOT_INSTALLED_PERCENT = 8
# Special roles are given only in a county-sized set (a test's handful stays plain).
SPECIAL_ROLES_FROM = 10

INCIDENT_KINDS = ("hopper", "burst", "silent", "covert", "nh3", "cooling")
DEFAULT_INCIDENTS = ("hopper", "burst", "silent", "covert", "nh3")
INCIDENT_LABELS = {
    "hopper": "灰斗温度升高",
    "burst": "除尘器压差突变（滤袋破损）",
    "silent": "网关停止上报",
    "covert": "停产企业生产级用电",
    "nh3": "氨气泄漏",
    "cooling": "冷却水温度升高",
}


@functools.cache
def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def stable(text: str) -> int:
    """A hash that is the same in every process (Python's hash() of a str is salted)."""
    return zlib.crc32(text.encode())


def align(moment: datetime, seconds: int) -> datetime:
    """The latest multiple of `seconds` since the epoch at or before moment (UTC)."""
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=UTC)


def gateway_code(enterprise, which: str) -> str:
    return f"{GATEWAY_PREFIX}{enterprise.credit_code}-{which}"


# --- enterprises: roles and power profiles ---------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """An enterprise's power: production and idle levels (kW) and when it produces."""

    production_kw: float
    idle_kw: float
    shifts: str  # "day" 08–17, "two" 08–24, "continuous"
    saturday: bool
    rest_day: int | None = None  # a continuous works' weekly maintenance stop (0 = Monday)

    @classmethod
    def of(cls, enterprise, tags: set[str]) -> "Profile":
        rng = random.Random(f"power-{enterprise.credit_code}")
        size = max(enterprise.employee_count or 0, 10)
        if "metal_smelting" in tags:
            production, shifts, idle = rng.uniform(3000, 8000), "continuous", 0.08
        elif "foundry" in tags:
            production, shifts, idle = 300 + size * rng.uniform(4, 8), "two", 0.06
        elif "ammonia_refrigeration" in tags:
            production, shifts, idle = 80 + size * rng.uniform(1, 2), "continuous", 0.45
        elif enterprise.dust_class == "textile_fiber":
            production, shifts, idle = 150 + size * rng.uniform(1.5, 3), "two", 0.05
        else:
            production, shifts, idle = 60 + size * rng.uniform(2, 4), "day", 0.05
        if shifts == "day" and rng.random() < 0.3:
            shifts = "two"
        rest_day = rng.randrange(7) if "metal_smelting" in tags else None
        return cls(
            production_kw=round(production, 1),
            idle_kw=round(production * idle * rng.uniform(0.8, 1.2), 1),
            shifts=shifts,
            saturday=rng.random() < 0.5,
            rest_day=rest_day,
        )

    def fraction(self, moment: datetime) -> float:
        """How much of production (0–1) runs at this moment, by the local clock."""
        local = moment.astimezone(local_zone())
        hour = local.hour + local.minute / 60
        weekday = local.weekday()
        if self.shifts == "continuous":
            if weekday == self.rest_day:
                return 0.0
            return 0.85 + 0.15 * math.sin((hour - 9) / 24 * 2 * math.pi)
        if weekday == 6 or (weekday == 5 and not self.saturday):
            return 0.0
        end = 17 if self.shifts == "day" else 24
        if hour < 7.5 or hour >= end + 0.5:
            return 0.0
        if hour < 8 or hour >= end:
            return 0.5
        if 12 <= hour < 13:
            return 0.6
        return 1.0


@dataclass
class Entry:
    enterprise: Enterprise
    role: str
    tags: set[str]
    profile: Profile

    @property
    def feeds_monitoring(self) -> bool:
        return self.role not in (Role.NOT_INSTALLED, Role.SILENT, Role.FALSE_OFFLINE)

    @property
    def feeds_power(self) -> bool:
        return self.role not in (Role.NOT_INSTALLED, Role.SILENT)


def plan(enterprises=None, today=None) -> list[Entry]:
    """The must-connect demo enterprises with their roles, in a stable order. Roles hang on
    each enterprise's credit code, so editing one enterprise does not reshuffle the others."""
    queryset = Enterprise.objects.all() if enterprises is None else enterprises
    chosen = must_connect(queryset.filter(is_demo=True), today)
    chosen = sorted(chosen.prefetch_related("sector_tags"), key=lambda e: e.credit_code)
    order = sorted(chosen, key=lambda e: (stable(e.credit_code), e.credit_code))
    roles: dict[int, str] = {}
    stopped = [e for e in order if e.status in (Status.SUSPENDED, Status.ORDERED_TO_STOP)]
    for enterprise in stopped:
        roles[enterprise.pk] = Role.STOPPED
    operating = [e for e in order if e.pk not in roles]
    profiles = {e.pk: Profile.of(e, _tags(e)) for e in chosen}
    if len(chosen) >= SPECIAL_ROLES_FROM:
        if stopped:
            covert = min(stopped, key=lambda e: e.status != Status.ORDERED_TO_STOP)
            roles[covert.pk] = Role.COVERT
        for enterprise in operating:
            if stable(enterprise.credit_code) % 100 < NOT_INSTALLED_PERCENT:
                roles[enterprise.pk] = Role.NOT_INSTALLED
        rest = [e for e in operating if e.pk not in roles]
        # Overload and false offline on works that run round the clock but for a weekly
        # maintenance day: the power analytics learn their idle level from that day and see
        # them produce at any hour of the other six.
        around = [e for e in rest if profiles[e.pk].rest_day is not None]
        for role in (Role.OVERLOAD, Role.FALSE_OFFLINE):
            if around:
                roles[around.pop(0).pk] = role
        rest = [e for e in rest if e.pk not in roles]
        if rest:
            roles[rest[0].pk] = Role.SILENT
    return [Entry(e, roles.get(e.pk, Role.CONNECTED), _tags(e), profiles[e.pk]) for e in chosen]


def _tags(enterprise) -> set[str]:
    return {tag.code for tag in enterprise.sector_tags.all()}


# --- points: signals -------------------------------------------------------------------------


class Signal:
    """One point's readings: a mean-reverting random walk around a level of its own (the
    level drifts slowly), shaped by the time of day and, for power, by the enterprise's
    profile and role. `since` bounds the role's behaviour in time (None: always)."""

    def __init__(self, point, entry: Entry | None, since: dict | None = None):
        self.point_id = point.pk
        self.code = point.code
        self.kind = point.kind
        self.interval = point.interval_seconds
        self.entry = entry
        self.since = since or {}
        params = random.Random(f"signal-{point.gateway.code}/{point.code}")
        kind = point.kind
        if kind == PointKind.PRESSURE_DIFF:
            self.level = params.uniform(950, 1250)
        elif kind == PointKind.HOPPER_TEMP:
            self.level = params.uniform(27, 33)
        elif kind == PointKind.COOLING_TEMP:
            self.level = params.uniform(30, 34)
        elif kind in (PointKind.NH3, PointKind.CO):
            self.level = params.uniform(0.5, 3)
        elif kind == PointKind.COMBUSTIBLE_GAS:
            self.level = params.uniform(0, 1)
        else:
            self.level = 0.0
        self.mean = self.level
        self.value = point.last_value if point.last_value is not None else self.level
        self.phase = params.uniform(0, 2 * math.pi)

    def next(self, moment: datetime, rng: random.Random, incidents=()) -> float | bool:
        base = self._base(moment, rng)
        for incident in incidents:
            base = incident.overlay(self, moment, base)
        if self.kind in (PointKind.AIRLOCK_FAULT, PointKind.SPARK, PointKind.RUNNING):
            return bool(base)
        return round(base, 1)

    def _walk(self, rng, low, high, sigma, pull=0.2, drift=0.0):
        self.mean = min(max(self.mean + rng.gauss(0, drift), low), high)
        self.value += pull * (self.mean - self.value) + rng.gauss(0, sigma)
        self.value = min(max(self.value, low), high)
        return self.value

    def _daily(self, moment, amplitude):
        local = moment.astimezone(local_zone())
        hour = local.hour + local.minute / 60
        return amplitude * math.sin((hour - 9) / 24 * 2 * math.pi + self.phase / 10)

    def _base(self, moment, rng):
        kind = self.kind
        if kind == PointKind.PRESSURE_DIFF:
            return self._walk(rng, 900, 1300, 12, drift=4)
        if kind == PointKind.HOPPER_TEMP:
            return self._walk(rng, 25, 40, 0.25, pull=0.3) + self._daily(moment, 2)
        if kind == PointKind.COOLING_TEMP:
            return self._walk(rng, 28, 38, 0.2, pull=0.3) + self._daily(moment, 2)
        if kind == PointKind.COOLING_FLOW_DIFF:
            return self._walk(rng, -0.6, 0.6, 0.1, pull=0.5)
        if kind in (PointKind.NH3, PointKind.CO):
            return self._walk(rng, 0, 5, 0.3, pull=0.4)
        if kind == PointKind.COMBUSTIBLE_GAS:
            return self._walk(rng, 0, 2, 0.15, pull=0.4)
        if kind == PointKind.POWER:
            return self.power(moment, rng)
        if kind in (PointKind.AIRLOCK_FAULT, PointKind.SPARK):
            return 0.0
        return self.level

    def power(self, moment, rng, fraction: float | None = None) -> float:
        entry = self.entry
        if entry is None:
            return 0.0
        profile = entry.profile
        if fraction is None:
            fraction = profile.fraction(moment)
            if entry.role == Role.STOPPED:
                fraction = 0.0
            elif entry.role == Role.COVERT:
                night = moment.astimezone(local_zone()).hour in NIGHT_HOURS
                start = self.since.get(Role.COVERT)
                fraction = 1.0 if night and (start is None or moment >= start) else 0.0
        kw = profile.idle_kw + (profile.production_kw - profile.idle_kw) * fraction
        start = self.since.get(Role.OVERLOAD)
        if entry.role == Role.OVERLOAD and fraction > 0.5 and (start is None or moment >= start):
            kw *= OVERLOAD_FACTOR
        return max(kw * (1 + rng.gauss(0, 0.03)), 0.0)


# --- incidents -------------------------------------------------------------------------------

DURATIONS = {
    "hopper": timedelta(minutes=24),
    "burst": timedelta(minutes=20),
    "silent": timedelta(minutes=20),
    "covert": timedelta(minutes=150),
    "nh3": timedelta(minutes=12),
    "cooling": timedelta(minutes=30),
}


@dataclass
class Incident:
    """A scripted episode: on one point (hopper, burst, nh3, cooling), one gateway (silent)
    or one enterprise's power (covert), from start to end."""

    kind: str
    start: datetime
    enterprise_id: int
    point_id: int | None = None
    gateway_id: int | None = None
    end: datetime = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        if self.end is None:
            self.end = self.start + DURATIONS[self.kind]

    def active(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def silences(self, gateway_id: int, moment: datetime) -> bool:
        return self.kind == "silent" and self.gateway_id == gateway_id and self.active(moment)

    def describe(self, names: dict[int, str]) -> str:
        return f"{INCIDENT_LABELS[self.kind]}：{names.get(self.enterprise_id, self.enterprise_id)}"

    def overlay(self, signal: Signal, moment: datetime, base: float) -> float:
        if not self.active(moment):
            return base
        minutes = (moment - self.start).total_seconds() / 60
        if self.kind == "covert":
            entry = signal.entry
            if (
                signal.kind == PointKind.POWER
                and entry
                and entry.enterprise.pk == self.enterprise_id
            ):
                noise = random.Random(moment.timestamp())
                return signal.power(moment, noise, fraction=1.0)
            return base
        if signal.point_id != self.point_id:
            return base
        if self.kind == "hopper":
            # Smouldering dust: +8 ℃ a minute for 7 minutes, a plateau, a slow fall.
            if minutes <= 7:
                return base + 8 * minutes
            if minutes <= 10:
                return base + 56
            return max(base + 56 - 4 * (minutes - 10), base)
        if self.kind == "burst":
            # A bag bursts: the difference collapses, then climbs back once it is replaced.
            if minutes < 1:
                return base
            if minutes < 10:
                return 150 + 10 * math.sin(minutes)
            return min(150 + 120 * (minutes - 10), base)
        if self.kind == "nh3":
            if minutes < 2:
                return base + 20 * minutes
            if minutes < 6:
                return base + 42 + 4 * math.sin(minutes)
            return max(base + 42 - 10 * (minutes - 6), base)
        if self.kind == "cooling":
            if minutes < 12:
                return base + 1.5 * minutes
            if minutes < 18:
                return base + 18
            return max(base + 18 - 1.5 * (minutes - 18), base)
        return base


# --- gateways: what is fed -------------------------------------------------------------------


@dataclass
class Feed:
    gateway: Gateway
    entry: Entry
    signals: list[Signal]
    cursors: dict[int, datetime | None]


def feeds(entries: list[Entry], since: dict | None = None, *, fed_only=True) -> list[Feed]:
    """The demo gateways of these entries with a Signal per active point. With fed_only, the
    gateways the plan keeps silent are left out."""
    by_enterprise = {entry.enterprise.pk: entry for entry in entries}
    gateways = (
        Gateway.objects.filter(
            enterprise_id__in=by_enterprise,
            enterprise__is_demo=True,
            code__startswith=GATEWAY_PREFIX,
            active=True,
        )
        .select_related("enterprise")
        .order_by("code")
    )
    points: dict[int, list[Point]] = {}
    for point in Point.objects.filter(gateway__in=gateways, active=True).order_by("gateway", "id"):
        points.setdefault(point.gateway_id, []).append(point)
    result = []
    for gateway in gateways:
        entry = by_enterprise[gateway.enterprise_id]
        power = gateway.code.endswith(f"-{POWER}")
        if fed_only and not (entry.feeds_power if power else entry.feeds_monitoring):
            continue
        own = [p for p in points.get(gateway.pk, []) if p.kind != PointKind.CAMERA]
        for point in own:
            point.gateway = gateway
        result.append(
            Feed(
                gateway,
                entry,
                [Signal(point, entry, since) for point in own],
                {point.pk: point.last_ts for point in own},
            )
        )
    return result


def reading(signal: Signal, moment: datetime, value) -> dict:
    return {"point": signal.code, "ts": moment.isoformat(), "value": value}


def send(gateway: Gateway, readings: list[dict], now: datetime) -> tuple[int, int]:
    """Ingest in batches the API would accept; return (accepted, alarms raised)."""
    accepted = raised = 0
    for start in range(0, len(readings), BATCH):
        outcome = ingest(gateway, readings[start : start + BATCH], now=now)
        accepted += outcome.accepted
        raised += outcome.alarms_raised
    return accepted, raised


# --- the simulator ---------------------------------------------------------------------------


@dataclass
class TickResult:
    now: datetime
    readings: int = 0
    alarms: int = 0
    gateways: int = 0
    started: list[Incident] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Simulator:
    """The live feed. `tick(now)` sends every fed point's readings due since its last one (at
    its own interval, on a grid of multiples of it; after a long pause at most `catch_up`
    back) and starts the next scheduled incident when it is due."""

    RELOAD_TICKS = 30  # pick up gateways and points added since (load_demo run again)

    def __init__(
        self,
        seed: int | None = None,
        *,
        incident_every: timedelta | None = timedelta(minutes=10),
        incidents=DEFAULT_INCIDENTS,
        first_incident_after: timedelta = timedelta(minutes=2),
        catch_up: timedelta = timedelta(minutes=10),
        enterprises=None,
    ):
        unknown = set(incidents) - set(INCIDENT_KINDS)
        if unknown:
            raise ValueError(f"未知的事件类型：{', '.join(sorted(unknown))}")
        self.seed = seed
        self.rng = random.Random(seed)
        self.incident_every = incident_every
        self.kinds = list(incidents)
        self.first_incident_after = first_incident_after
        self.catch_up = catch_up
        self.enterprises = enterprises
        self.incidents: list[Incident] = []
        self.next_incident_at: datetime | None = None
        self.turn = 0
        self.ticks = 0
        self.feeds: list[Feed] = []
        self.entries: list[Entry] = []
        self.reload()

    # --- set-up --------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the plan and the demo gateways again, keeping each known point's state."""
        old = {
            s.point_id: (s, feed.cursors[s.point_id]) for feed in self.feeds for s in feed.signals
        }
        self.entries = plan(self.enterprises)
        self.feeds = feeds(self.entries)
        for feed in self.feeds:
            for index, signal in enumerate(feed.signals):
                if signal.point_id in old:
                    kept, cursor = old[signal.point_id]
                    kept.code, kept.entry = signal.code, signal.entry
                    feed.signals[index] = kept
                    feed.cursors[signal.point_id] = cursor
        self.names = {e.enterprise.pk: e.enterprise.name for e in self.entries}

    @property
    def gateway_ids(self) -> set[int]:
        return {feed.gateway.pk for feed in self.feeds}

    # --- incidents -----------------------------------------------------------------------

    def start_incident(self, kind: str, now: datetime) -> Incident | None:
        """Start an incident of this kind on a target chosen by the seeded generator (none
        if no fed point suits it or all are busy)."""
        busy_points = {i.point_id for i in self.incidents if i.active(now)}
        busy_enterprises = {i.enterprise_id for i in self.incidents if i.active(now)}
        incident = None
        if kind in ("hopper", "burst", "nh3", "cooling"):
            wanted = {
                "hopper": PointKind.HOPPER_TEMP,
                "burst": PointKind.PRESSURE_DIFF,
                "nh3": PointKind.NH3,
                "cooling": PointKind.COOLING_TEMP,
            }[kind]
            options = [
                (feed, signal)
                for feed in self.feeds
                for signal in feed.signals
                if signal.kind == wanted
                and signal.point_id not in busy_points
                and feed.entry.role != Role.STOPPED
            ]
            if options:
                feed, signal = self.rng.choice(options)
                incident = Incident(
                    kind, now, feed.entry.enterprise.pk, signal.point_id, feed.gateway.pk
                )
        elif kind == "silent":
            options = [
                feed
                for feed in self.feeds
                if feed.gateway.code.endswith(f"-{MONITORING}")
                and feed.entry.enterprise.pk not in busy_enterprises
            ]
            if options:
                feed = self.rng.choice(options)
                incident = Incident(kind, now, feed.entry.enterprise.pk, gateway_id=feed.gateway.pk)
        elif kind == "covert":
            options = sorted(
                {
                    feed.entry.enterprise.pk
                    for feed in self.feeds
                    if feed.entry.role in (Role.STOPPED, Role.COVERT)
                    and any(s.kind == PointKind.POWER for s in feed.signals)
                    and feed.entry.enterprise.pk not in busy_enterprises
                }
            )
            if options:
                incident = Incident(kind, now, self.rng.choice(options))
        else:
            raise ValueError(f"未知的事件类型：{kind}")
        if incident is not None:
            self.incidents.append(incident)
        return incident

    def _schedule(self, now: datetime, result: TickResult) -> None:
        self.incidents = [i for i in self.incidents if i.end > now - timedelta(hours=1)]
        if not self.incident_every or not self.kinds:
            return
        if self.next_incident_at is None:
            self.next_incident_at = now + self.first_incident_after
            return
        if now < self.next_incident_at:
            return
        # Try each kind once, in turn, until one finds a target.
        for _ in range(len(self.kinds)):
            kind = self.kinds[self.turn % len(self.kinds)]
            self.turn += 1
            incident = self.start_incident(kind, now)
            if incident is not None:
                result.started.append(incident)
                break
        jitter = self.rng.uniform(0.8, 1.2)
        self.next_incident_at = now + self.incident_every * jitter

    # --- the tick ------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> TickResult:
        now = (now or timezone.now()).replace(microsecond=0)
        self.ticks += 1
        if self.ticks % self.RELOAD_TICKS == 0:
            self.reload()
        result = TickResult(now)
        self._schedule(now, result)
        active = [i for i in self.incidents if i.start <= now and i.end > now - timedelta(hours=1)]
        for feed in self.feeds:
            readings = self._readings(feed, now, active)
            if not readings:
                continue
            try:
                accepted, raised = send(feed.gateway, readings, now)
            except DatabaseError as error:  # a locked database: the next tick tries again
                result.errors.append(f"{feed.gateway.code}: {error}")
                continue
            result.readings += accepted
            result.alarms += raised
            result.gateways += 1
        return result

    def _readings(self, feed: Feed, now: datetime, incidents) -> list[dict]:
        readings = []
        silences = [i for i in incidents if i.kind == "silent" and i.gateway_id == feed.gateway.pk]
        for signal in feed.signals:
            step = timedelta(seconds=signal.interval)
            cursor = feed.cursors.get(signal.point_id)
            earliest = align(now - self.catch_up, signal.interval)
            if cursor is None or cursor < earliest:
                cursor = earliest
            else:
                cursor = align(cursor, signal.interval)
            moment = cursor + step
            while moment <= now:
                value = signal.next(moment, self.rng, incidents)
                if not any(i.active(moment) for i in silences):
                    readings.append(reading(signal, moment, value))
                cursor = moment
                moment += step
            feed.cursors[signal.point_id] = cursor
        return readings
