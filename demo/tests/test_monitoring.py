"""The demo's monitoring (demo.monitoring, demo.simulator): what load_demo installs and
backfills (idempotently, consistently), and the simulator's live feed and incidents, which never
touch a non-demo enterprise."""

from datetime import timedelta

import pytest
from django.db.models import Count, Max
from django.utils import timezone

from conftest import make_enterprise
from demo import monitoring as demo
from demo.simulator import Role, Simulator, align, plan
from enterprises.models import Enterprise, SectorTag
from monitoring import services
from monitoring.conftest import make_gateway, make_point
from monitoring.kinds import PointKind
from monitoring.models import (
    Alarm,
    AlarmEvent,
    AlarmState,
    Condition,
    Gateway,
    Point,
    Reading,
)


def demo_enterprise(town, serial, name, *, tags=(), dust="", workers=None, status="operating"):
    enterprise = make_enterprise(
        town,
        None,
        serial=serial,
        name=name,
        is_demo=True,
        dust_class=dust,
        dust_workers=workers,
        status=status,
        employee_count=80,
    )
    enterprise.sector_tags.set(SectorTag.objects.filter(code__in=tags))
    return enterprise


@pytest.fixture
def t0():
    # Two hours back, on the 15-minute grid: simulated ticks after it are never in the future.
    return align(timezone.now() - timedelta(hours=2), 900)


@pytest.fixture
def demo_set(town_a):
    """Three wood-dust works, a cold store with ammonia, a foundry (all must connect) and a
    shop (need not)."""
    wood = {"tags": ["combustible_dust"], "dust": "wood"}
    return {
        "wood1": demo_enterprise(town_a, 101, "演示一木业有限公司", workers=12, **wood),
        "wood2": demo_enterprise(town_a, 102, "演示二木业有限公司", workers=25, **wood),
        "wood3": demo_enterprise(town_a, 103, "演示三板材有限公司", workers=15, **wood),
        "cold": demo_enterprise(
            town_a, 104, "演示冷藏有限公司", tags=["ammonia_refrigeration", "confined_space"]
        ),
        "foundry": demo_enterprise(
            town_a, 105, "演示铸造有限公司", tags=["foundry", "molten_metal"]
        ),
        "shop": demo_enterprise(town_a, 106, "演示商贸有限公司"),
    }


@pytest.fixture
def loaded(demo_set, t0):
    demo.load(now=t0, analytics=False)
    return demo_set


def counts():
    return (
        Gateway.objects.count(),
        Point.objects.count(),
        Reading.objects.count(),
        Alarm.objects.count(),
        AlarmEvent.objects.count(),
    )


@pytest.mark.django_db
def test_load_installs_the_must_connect_demo_enterprises(loaded):
    codes = set(Gateway.objects.values_list("code", flat=True))
    for key in ("wood1", "wood2", "wood3", "cold", "foundry"):
        credit = loaded[key].credit_code
        assert {f"DEMO-{credit}-M", f"DEMO-{credit}-P"} <= codes
        loaded[key].refresh_from_db()
        assert loaded[key].has_monitoring
    assert not Gateway.objects.filter(enterprise=loaded["shop"]).exists()

    def kinds(key):
        return sorted(Point.objects.filter(enterprise=loaded[key]).values_list("kind", flat=True))

    assert kinds("wood1") == sorted(
        ["pressure_diff", "hopper_temp", "airlock_fault", "spark", "power"]
    )
    assert kinds("wood2").count(PointKind.PRESSURE_DIFF) == 2  # 25 dust workers: two collectors
    assert kinds("cold") == ["nh3", "nh3", "power"]
    assert kinds("foundry") == ["cooling_flow_diff", "cooling_temp", "power"]
    # Every point took its kind's defaults.
    point = Point.objects.get(enterprise=loaded["wood1"], kind=PointKind.HOPPER_TEMP)
    assert (point.high, point.interval_seconds, point.unit) == (70, 60, "℃")


@pytest.mark.django_db
def test_load_twice_duplicates_nothing(loaded, t0):
    before = counts()
    demo.load(now=t0, analytics=False)
    assert counts() == before
    # Later, it only adds the readings due since each point's last one.
    later = t0 + timedelta(minutes=30)
    demo.load(now=later, analytics=False)
    gateways, points, readings, alarms, events = counts()
    assert (gateways, points, alarms, events) == (before[0], before[1], before[3], before[4])
    assert readings > before[2]
    assert not Reading.objects.values("point", "ts").annotate(n=Count("*")).filter(n__gt=1)
    assert Point.objects.aggregate(last=Max("last_ts"))["last"] == later


@pytest.mark.django_db
def test_backfilled_history_and_point_state_agree(loaded, t0):
    power = Point.objects.get(enterprise=loaded["wood1"], kind=PointKind.POWER)
    stored = Reading.objects.filter(point=power)
    assert stored.count() == 30 * 96
    assert stored.aggregate(first=Max("ts"))["first"] == t0
    for point in Point.objects.all():
        latest = Reading.objects.filter(point=point).order_by("-ts").first()
        assert latest is not None, point
        assert (point.last_ts, point.last_value) == (latest.ts, latest.value), point
        assert point.last_ts == t0
    calm = Reading.objects.filter(point__kind=PointKind.PRESSURE_DIFF, point__alarms__isnull=True)
    values = list(calm.values_list("value", flat=True))
    assert values and all(900 <= v <= 1300 for v in values)
    assert Gateway.objects.filter(last_seen_at=t0).count() == Gateway.objects.count()
    # Power follows the working day: production in working hours, idle at night.
    readings = Reading.objects.filter(point=power).values_list("ts", "value")
    by_hour = {}
    for ts, value in readings:
        by_hour.setdefault(timezone.localtime(ts).hour, []).append(value)
    assert max(by_hour[3]) < min(max(by_hour[h]) for h in (9, 10, 15))


@pytest.mark.django_db
def test_past_incidents_leave_alarms_in_each_state(loaded):
    states = set(Alarm.objects.values_list("state", flat=True))
    assert states == {
        AlarmState.OPEN,
        AlarmState.ACKNOWLEDGED,
        AlarmState.HANDLED,
        AlarmState.CLOSED,
    }
    closed = Alarm.objects.filter(state=AlarmState.CLOSED)
    assert all(a.cleared_at and a.closed_at and a.handling for a in closed)
    assert Alarm.objects.filter(
        point__kind=PointKind.HOPPER_TEMP, condition=Condition.HIGH
    ).exists()
    assert Alarm.objects.filter(
        point__kind=PointKind.PRESSURE_DIFF, condition=Condition.LOW
    ).exists()
    assert Alarm.objects.filter(point__kind=PointKind.NH3, state=AlarmState.ACKNOWLEDGED).exists()
    # Raised when the condition had held, as live, not when the backfill ran.
    for alarm in Alarm.objects.all():
        assert alarm.first_at <= alarm.raised_at <= alarm.last_at
        assert alarm.events.get(action="raise").at == alarm.raised_at
        actions = list(alarm.events.values_list("action", flat=True))
        # A recovery (clear) is dated when the condition stopped, among the people's steps.
        assert actions.count("clear") == (1 if alarm.cleared_at else 0)
        if alarm.cleared_at:
            assert alarm.events.get(action="clear").at == alarm.cleared_at
            actions.remove("clear")
        expected = {
            AlarmState.OPEN: ["raise"],
            AlarmState.ACKNOWLEDGED: ["raise", "acknowledge"],
            AlarmState.HANDLED: ["raise", "acknowledge", "handle"],
            AlarmState.CLOSED: ["raise", "acknowledge", "handle", "close"],
        }[alarm.state]
        assert actions == expected


@pytest.mark.django_db
def test_plan_gives_the_county_its_gaps_and_stories(town_a, t0):
    for n in range(14):
        demo_enterprise(
            town_a,
            200 + n,
            f"演示{n}木业有限公司",
            tags=["combustible_dust"],
            dust="wood",
            workers=12,
        )
    for n in range(3):
        demo_enterprise(town_a, 230 + n, f"演示{n}特钢有限公司", tags=["metal_smelting"])
    stopped = demo_enterprise(
        town_a, 240, "演示停产铸造有限公司", tags=["foundry"], status="ordered_to_stop"
    )
    roles = {entry.enterprise.pk: entry.role for entry in plan()}
    assert len(roles) == 18
    assert roles[stopped.pk] == Role.COVERT
    for role in (Role.SILENT, Role.FALSE_OFFLINE, Role.OVERLOAD):
        assert list(roles.values()).count(role) == 1
    assert roles == {entry.enterprise.pk: entry.role for entry in plan()}  # stable

    demo.load(now=t0, analytics=False)
    silent = next(pk for pk, role in roles.items() if role == Role.SILENT)
    last = Point.objects.filter(enterprise_id=silent).aggregate(last=Max("last_ts"))["last"]
    assert last == t0 - timedelta(days=3)
    false_offline = next(pk for pk, role in roles.items() if role == Role.FALSE_OFFLINE)
    kinds = dict(
        Point.objects.filter(enterprise_id=false_offline)
        .values_list("kind")
        .annotate(last=Max("last_ts"))
    )
    assert kinds[PointKind.POWER] == t0
    assert kinds[PointKind.COOLING_TEMP] == t0 - timedelta(hours=30)
    not_installed = [pk for pk, role in roles.items() if role == Role.NOT_INSTALLED]
    assert not Gateway.objects.filter(enterprise_id__in=not_installed).exists()
    # The stopped works ran at night this past week and idles by day.
    power = Point.objects.get(enterprise=stopped, kind=PointKind.POWER)
    night, day = [], []
    recent = Reading.objects.filter(point=power, ts__gte=t0 - timedelta(days=6))
    for ts, value in recent.values_list("ts", "value"):
        hour = timezone.localtime(ts).hour
        if hour in (0, 1, 2):
            night.append(value)
        elif 9 <= hour < 17:
            day.append(value)
    assert min(night) > 5 * max(day)

    # The simulator feeds neither the silent enterprise nor the false-offline one's devices.
    simulator = Simulator(1, incident_every=None)
    fed = {(f.entry.enterprise.pk, f.gateway.code[-1]) for f in simulator.feeds}
    assert not any(pk == silent for pk, _ in fed)
    assert (false_offline, "P") in fed and (false_offline, "M") not in fed


@pytest.mark.django_db
def test_a_tick_stores_readings_for_each_fed_gateway(loaded, t0):
    simulator = Simulator(7, incident_every=None, catch_up=timedelta(hours=1))
    assert len(simulator.feeds) == 10
    now = t0 + timedelta(minutes=15)
    result = simulator.tick(now)
    assert result.gateways == 10
    for feed in simulator.feeds:
        readings = Reading.objects.filter(point__gateway=feed.gateway, ts__gt=t0)
        expected = sum(900 // s.interval for s in feed.signals)
        assert readings.count() == expected, feed.gateway.code
        feed.gateway.refresh_from_db()
        assert feed.gateway.last_seen_at == now
    assert result.readings == Reading.objects.filter(ts__gt=t0).count()
    values = Reading.objects.filter(ts__gt=t0, point__kind=PointKind.HOPPER_TEMP).values_list(
        "value", flat=True
    )
    assert all(20 <= v <= 45 for v in values)
    nh3 = Reading.objects.filter(ts__gt=t0, point__kind=PointKind.NH3).values_list(
        "value", flat=True
    )
    assert all(0 <= v < 10 for v in nh3)


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_readings(loaded, t0):
    now = t0 + timedelta(minutes=15)

    def generated(seed):
        simulator = Simulator(seed, incident_every=None)
        return [simulator._readings(feed, now, []) for feed in simulator.feeds]

    assert generated(3) == generated(3)
    assert generated(3) != generated(4)


@pytest.mark.django_db
def test_a_hopper_incident_raises_a_high_alarm_and_recovers(loaded, t0):
    simulator = Simulator(11, incident_every=None)
    incident = simulator.start_incident("hopper", t0)
    assert incident is not None
    point = Point.objects.get(pk=incident.point_id)
    assert point.kind == PointKind.HOPPER_TEMP
    before = set(Alarm.objects.values_list("pk", flat=True))
    for minute in range(1, 11):
        simulator.tick(t0 + timedelta(minutes=minute))
    raised = Alarm.objects.exclude(pk__in=before)
    high = raised.get(point=point, condition=Condition.HIGH)
    assert high.peak_value > 70 and high.state == AlarmState.OPEN
    assert raised.filter(point=point, condition=Condition.RATE).exists()
    assert set(raised.values_list("point", flat=True)) == {point.pk}
    for minute in range(11, 31):
        simulator.tick(t0 + timedelta(minutes=minute))
    high.refresh_from_db()
    assert high.cleared_at is not None
    point.refresh_from_db()
    assert point.last_value < 45


@pytest.mark.django_db
def test_a_silent_gateway_goes_offline_then_comes_back(loaded, t0):
    simulator = Simulator(5, incident_every=None)
    incident = simulator.start_incident("silent", t0)
    gateway = Gateway.objects.get(pk=incident.gateway_id)
    assert gateway.code.endswith("-M")
    for minute in range(1, 16):
        simulator.tick(t0 + timedelta(minutes=minute))
    assert not Reading.objects.filter(point__gateway=gateway, ts__gt=t0).exists()
    services.sweep_offline(t0 + timedelta(minutes=15))
    offline = Alarm.objects.filter(condition=Condition.OFFLINE, cleared_at__isnull=True)
    assert set(offline.values_list("point__gateway", flat=True)) == {gateway.pk}
    for minute in range(16, 25):
        simulator.tick(t0 + timedelta(minutes=minute))
    assert Reading.objects.filter(point__gateway=gateway, ts__gt=incident.end).exists()
    assert not offline.exists()


@pytest.mark.django_db
def test_a_covert_incident_draws_production_power(town_a, t0):
    stopped = demo_enterprise(
        town_a,
        120,
        "演示停产木业有限公司",
        tags=["combustible_dust"],
        dust="wood",
        workers=12,
        status="suspended",
    )
    demo.load(now=t0, analytics=False)
    power = Point.objects.get(enterprise=stopped, kind=PointKind.POWER)
    idle = power.last_value
    simulator = Simulator(2, incident_every=None, catch_up=timedelta(hours=1))
    incident = simulator.start_incident("covert", t0)
    assert incident.enterprise_id == stopped.pk
    simulator.tick(t0 + timedelta(minutes=30))
    running = Reading.objects.filter(point=power, ts__gt=t0).values_list("value", flat=True)
    assert len(running) == 2 and min(running) > 5 * idle


@pytest.mark.django_db
def test_incidents_follow_the_schedule(loaded, t0):
    simulator = Simulator(
        9,
        incident_every=timedelta(minutes=10),
        incidents=["hopper", "burst"],
        first_incident_after=timedelta(minutes=2),
    )
    started = []
    for minute in range(0, 30):
        started += simulator.tick(t0 + timedelta(minutes=minute)).started
    assert [i.kind for i in started][:3] == ["hopper", "burst", "hopper"]
    assert started[0].start == t0 + timedelta(minutes=2)
    with pytest.raises(ValueError, match="未知"):
        Simulator(1, incidents=["flood"])


@pytest.mark.django_db
def test_the_simulator_never_touches_other_enterprises(loaded, t0, enterprise_a):
    # A real enterprise that must connect, with a gateway even named like a demo one.
    assert not enterprise_a.is_demo
    gateway = make_gateway(enterprise_a, f"DEMO-{enterprise_a.credit_code}-M")
    point = make_point(gateway, "dc1-t", PointKind.HOPPER_TEMP)
    own = make_gateway(enterprise_a, "GW-REAL")
    make_point(own, "kw", PointKind.POWER)
    assert Enterprise.objects.filter(is_demo=False, gateways__isnull=False).exists()
    simulator = Simulator(1, incident_every=timedelta(minutes=1), first_incident_after=timedelta())
    assert enterprise_a.pk not in {f.entry.enterprise.pk for f in simulator.feeds}
    for kind in ("hopper", "silent", "burst", "covert", "nh3", "cooling"):
        incident = simulator.start_incident(kind, t0)
        assert incident is None or incident.enterprise_id != enterprise_a.pk
    for minute in range(1, 20):
        simulator.tick(t0 + timedelta(minutes=minute))
    assert not Reading.objects.filter(point__enterprise=enterprise_a).exists()
    assert not Alarm.objects.filter(enterprise=enterprise_a).exists()
    point.refresh_from_db()
    gateway.refresh_from_db()
    assert point.last_ts is None and gateway.last_seen_at is None
    # Nor does load_demo.
    demo.load(now=t0 + timedelta(minutes=30), analytics=False)
    assert not Reading.objects.filter(point__enterprise=enterprise_a).exists()
    assert Gateway.objects.filter(enterprise=enterprise_a).count() == 2


@pytest.mark.django_db
def test_the_command_runs_one_tick(loaded):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("simulate_monitoring", "--once", "--seed", "1", "--incident", "hopper", stdout=out)
    text = out.getvalue()
    assert "模拟器启动：10 个演示网关" in text and "灰斗温度升高" in text
    assert Reading.objects.filter(ts__gt=timezone.now() - timedelta(minutes=11)).exists()
    with pytest.raises(CommandError, match="未知的事件类型"):
        call_command("simulate_monitoring", "--once", "--incidents", "flood")
