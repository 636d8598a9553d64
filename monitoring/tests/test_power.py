"""Power analytics (monitoring.power): covert operation, false offline and overload judged
against baselines learned from each enterprise's own history; one open warning per kind,
updated; review through the API, scoped."""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.roles import Role
from conftest import client_for
from enterprises.choices import Status
from enterprises.models import Enterprise
from monitoring import partitions, power, rollups
from monitoring.conftest import make_gateway, make_point
from monitoring.models import Point, PowerWarning, Reading, WarningKind, WarningState
from monitoring.services import review_warning

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 02:00: the window (00:00–02:00) is night, when a one-shift enterprise idles.
NIGHT = datetime(2025, 3, 19, 2, 0, tzinfo=SHANGHAI)
# Wednesday 11:00: the middle of the working day.
DAY = datetime(2025, 3, 19, 11, 0, tzinfo=SHANGHAI)
STEP = timedelta(minutes=15)
PRODUCTION_KW = 100.0
IDLE_KW = 5.0


def usual(moment: datetime) -> float:
    """A one-shift enterprise: about 100 kW on weekdays 08:00–18:00, about 5 kW otherwise."""
    local = moment.astimezone(SHANGHAI)
    wiggle = math.sin(moment.timestamp() / 3600)
    if local.weekday() < 5 and 8 <= local.hour < 18:
        return PRODUCTION_KW + 8 * wiggle
    return IDLE_KW + wiggle


def store(point, pairs):
    pairs = list(pairs)
    partitions.ensure({partitions.month_of(ts) for ts, _ in pairs})
    Reading.objects.bulk_create(Reading(point=point, ts=ts, value=kw) for ts, kw in pairs)
    # The baselines read the minute rollups, as the periodic task keeps them.
    if pairs:
        moments = [ts for ts, _ in pairs]
        rollups.roll_up_range(min(moments), max(moments) + timedelta(minutes=1))


def history(point, now, days=10, profile=usual):
    """Readings every 15 minutes for `days` days up to the window (two hours before now)."""
    end = now - power.PARAMS.window
    moment = end - timedelta(days=days)
    pairs = []
    while moment < end:
        pairs.append((moment, profile(moment)))
        moment += STEP
    store(point, pairs)


def window(point, now, kw, start=None):
    """Readings every 15 minutes from `start` (the window's start) to now, inclusive."""
    moment = start or now - power.PARAMS.window
    pairs = []
    while moment <= now:
        pairs.append((moment, kw(moment) if callable(kw) else kw))
        moment += STEP
    store(point, pairs)


def set_status(enterprise, status):
    Enterprise.objects.filter(pk=enterprise.pk).update(status=status)
    enterprise.refresh_from_db()


def sensors_last_seen(points, moment, *, except_codes=()):
    """Every non-power point's latest reading at `moment` (cameras excepted)."""
    Point.objects.filter(pk__in=[p.pk for p in points.values()]).exclude(
        kind__in=("power", "camera")
    ).exclude(code__in=except_codes).update(last_ts=moment)


@pytest.fixture
def kw(points_a):
    return points_a["power"]


# --- covert operation ----------------------------------------------------------------------


@pytest.mark.django_db
def test_suspended_enterprise_running_at_night_is_covert(enterprise_a, kw):
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT)
    window(kw, NIGHT, PRODUCTION_KW)

    assert power.run(NIGHT) == 1

    warning = PowerWarning.objects.get()
    assert (warning.enterprise, warning.kind, warning.state) == (
        enterprise_a,
        WarningKind.COVERT,
        WarningState.OPEN,
    )
    assert warning.window_start == NIGHT - timedelta(hours=2)
    assert warning.window_end == NIGHT
    assert warning.observed_kw == pytest.approx(PRODUCTION_KW)
    baseline = warning.evidence["baseline"]
    assert baseline["idle_kw"] == pytest.approx(IDLE_KW, abs=1.5)
    # max(idle × 1.5, idle + 10 kW): the margin wins on so small an idle load.
    assert warning.baseline_kw == pytest.approx(baseline["idle_kw"] + 10, abs=0.01)
    assert baseline["idle_threshold_kw"] == pytest.approx(warning.baseline_kw, abs=0.01)
    assert baseline["production_kw"] == pytest.approx(PRODUCTION_KW, abs=8)
    assert baseline["history_end"] == warning.evidence["window_start"]
    assert "P10" in baseline["method"]
    assert "空闲功率" in warning.baseline
    assert warning.evidence["history_days"] == pytest.approx(10, abs=0.2)
    readings = warning.evidence["readings"]
    assert len(readings) == 8  # 2 h in 15-minute slots
    assert readings[0] == [(NIGHT - timedelta(hours=2)).isoformat(), PRODUCTION_KW]
    assert all(value == PRODUCTION_KW for _, value in readings)
    assert warning.evidence["share_above_idle"] == 1.0
    assert warning.evidence["status"] == Status.SUSPENDED


@pytest.mark.django_db
def test_ordered_to_stop_counts_too(enterprise_a, kw):
    set_status(enterprise_a, Status.ORDERED_TO_STOP)
    history(kw, NIGHT)
    window(kw, NIGHT, 60.0)
    assert [w.kind for w in power.check(enterprise_a, NIGHT)] == [WarningKind.COVERT]


@pytest.mark.django_db
def test_suspended_enterprise_idle_at_night_is_no_finding(enterprise_a, kw):
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT)
    window(kw, NIGHT, usual)

    analysis = power.analyse(enterprise_a, NIGHT)
    assert analysis.baseline is not None and analysis.skipped == ""
    assert analysis.findings == []
    assert power.run(NIGHT) == 0
    assert not PowerWarning.objects.exists()


@pytest.mark.django_db
def test_short_run_is_not_sustained(enterprise_a, kw):
    # Half an hour of running in two hours (a maintenance run): below the 75 % required.
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT)
    window(kw, NIGHT, lambda m: PRODUCTION_KW if m >= NIGHT - timedelta(minutes=30) else IDLE_KW)
    assert power.run(NIGHT) == 0


@pytest.mark.django_db
def test_operating_enterprise_running_at_night_is_not_covert(enterprise_a, kw):
    assert enterprise_a.status == Status.OPERATING
    history(kw, NIGHT)
    window(kw, NIGHT, PRODUCTION_KW)
    assert power.run(NIGHT) == 0
    assert not PowerWarning.objects.exists()


@pytest.mark.django_db
def test_power_of_several_meters_is_summed(enterprise_a, gateway_a, kw):
    second = make_point(gateway_a, "kw2", "power", equipment="2号车间进线")
    set_status(enterprise_a, Status.SUSPENDED)
    half = lambda moment: usual(moment) / 2  # noqa: E731
    history(kw, NIGHT, profile=half)
    history(second, NIGHT, profile=half)
    # Each meter alone stays under the threshold (idle ≈ 5 kW, threshold ≈ 15 kW); together
    # they are above it.
    window(kw, NIGHT, 10.0)
    window(second, NIGHT, 10.0)
    warning = power.check(enterprise_a, NIGHT)[0]
    assert warning.kind == WarningKind.COVERT
    assert warning.observed_kw == pytest.approx(20.0)
    assert {value for _, value in warning.evidence["readings"]} == {20.0}


# --- false offline -------------------------------------------------------------------------


@pytest.mark.django_db
def test_silent_sensors_while_power_shows_production_is_false_offline(enterprise_a, points_a, kw):
    history(kw, DAY)
    window(kw, DAY, usual)
    sensors_last_seen(points_a, DAY - timedelta(hours=5))

    assert power.run(DAY) == 1

    warning = PowerWarning.objects.get()
    assert warning.kind == WarningKind.FALSE_OFFLINE
    silent = warning.evidence["silent_points"]
    assert sorted(p["code"] for p in silent) == ["al1", "dp1", "sp1", "t1"]  # no power, camera
    assert {p["silent_hours"] for p in silent} == {5.0}
    assert silent[0]["last_ts"] == (DAY - timedelta(hours=5)).isoformat()
    assert warning.observed_kw == pytest.approx(PRODUCTION_KW, abs=10)
    production = warning.evidence["baseline"]["production_kw"]
    assert warning.baseline_kw == pytest.approx(production / 2, abs=0.01)
    assert "生产功率" in warning.baseline
    assert len(warning.evidence["readings"]) == 8


@pytest.mark.django_db
@pytest.mark.parametrize("alive", [("dp1", "t1", "al1", "sp1"), ("sp1",)])
def test_sensors_reporting_is_no_false_offline(enterprise_a, points_a, kw, alive):
    history(kw, DAY)
    window(kw, DAY, usual)
    sensors_last_seen(points_a, DAY - timedelta(hours=5), except_codes=alive)
    Point.objects.filter(code__in=alive).update(last_ts=DAY - timedelta(seconds=30))
    assert power.run(DAY) == 0


@pytest.mark.django_db
def test_silent_sensors_with_idle_power_is_no_false_offline(enterprise_a, points_a, kw):
    # Everything off at night: the sensors' silence is an offline alarm's business, not this.
    history(kw, NIGHT)
    window(kw, NIGHT, usual)
    sensors_last_seen(points_a, NIGHT - timedelta(hours=5))
    assert power.run(NIGHT) == 0


@pytest.mark.django_db
def test_points_on_a_disabled_gateway_do_not_count(enterprise_a, points_a, kw):
    history(kw, DAY)
    window(kw, DAY, usual)
    other = make_gateway(enterprise_a, "GW-A2")
    make_point(other, "dp9", "pressure_diff", equipment="2号除尘器", last_ts=DAY)
    sensors_last_seen(points_a, DAY - timedelta(hours=5))
    assert [w.kind for w in power.check(enterprise_a, DAY)] == []  # dp9 still reports
    other.active = False
    other.save()
    warnings = power.check(enterprise_a, DAY)
    assert [w.kind for w in warnings] == [WarningKind.FALSE_OFFLINE]
    assert "dp9" not in {p["code"] for p in warnings[0].evidence["silent_points"]}


# --- overload ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_power_well_above_usual_production_is_overload(enterprise_a, points_a, kw):
    history(kw, DAY)
    window(kw, DAY, 1.6 * PRODUCTION_KW)
    sensors_last_seen(points_a, DAY)

    assert power.run(DAY) == 1

    warning = PowerWarning.objects.get()
    assert warning.kind == WarningKind.OVERLOAD
    assert warning.observed_kw == pytest.approx(160.0)
    high = warning.evidence["baseline"]["production_high_kw"]
    assert PRODUCTION_KW < high < PRODUCTION_KW + 8
    assert warning.baseline_kw == pytest.approx(1.3 * high, abs=0.01)
    assert warning.evidence["overload_factor"] == 1.3
    assert "P90" in warning.baseline


@pytest.mark.django_db
def test_busy_but_usual_production_is_no_overload(enterprise_a, points_a, kw):
    history(kw, DAY)
    window(kw, DAY, 1.15 * PRODUCTION_KW)
    sensors_last_seen(points_a, DAY)
    assert power.run(DAY) == 0


@pytest.mark.django_db
def test_no_overload_without_a_production_history(enterprise_a, points_a, kw):
    # Stopped (and idle) through the whole history: no production level to compare with.
    history(kw, DAY, profile=lambda moment: IDLE_KW)
    window(kw, DAY, 500.0)
    sensors_last_seen(points_a, DAY)
    analysis = power.analyse(enterprise_a, DAY)
    assert analysis.baseline.production_kw is None
    assert analysis.findings == []


# --- not enough data -----------------------------------------------------------------------


@pytest.mark.django_db
def test_too_little_history_is_no_finding(enterprise_a, points_a, kw):
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT, days=2)
    window(kw, NIGHT, 10 * PRODUCTION_KW)  # covert and overload, were there a baseline
    sensors_last_seen(points_a, NIGHT - timedelta(hours=5))  # and false offline
    assert power.run(NIGHT) == 0
    assert not PowerWarning.objects.exists()
    analysis = power.analyse(enterprise_a, NIGHT)
    assert analysis.findings == []
    assert "不足 3 天" in analysis.skipped


@pytest.mark.django_db
def test_window_without_readings_is_no_finding(enterprise_a, kw):
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT)
    store(kw, [(NIGHT - timedelta(minutes=5), PRODUCTION_KW)])  # one reading in two hours
    assert power.run(NIGHT) == 0
    assert "过少" in power.analyse(enterprise_a, NIGHT).skipped


@pytest.mark.django_db
def test_enterprise_without_power_point_is_not_analysed(enterprise_a, kw):
    Point.objects.filter(pk=kw.pk).update(active=False)
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT)
    window(kw, NIGHT, PRODUCTION_KW)
    assert power.run(NIGHT) == 0
    assert power.analyse(enterprise_a, NIGHT).skipped == "没有启用的功率点位"


# --- one open warning per kind, reviewed ---------------------------------------------------


@pytest.mark.django_db
def test_running_again_updates_the_open_warning(enterprise_a, kw):
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT)
    window(kw, NIGHT, PRODUCTION_KW)
    assert power.run(NIGHT) == 1
    first = PowerWarning.objects.get()
    assert power.run(NIGHT) == 1  # the same window again

    later = NIGHT + timedelta(hours=1)
    window(kw, later, 120.0, start=NIGHT + STEP)
    assert power.run(later) == 1

    warning = PowerWarning.objects.get()
    assert warning.pk == first.pk
    assert warning.state == WarningState.OPEN
    assert (warning.window_start, warning.window_end) == (later - timedelta(hours=2), later)
    # Slots from NIGHT - 1 h: five of 100 kW (the last holding the reading at NIGHT), three of 120.
    assert warning.observed_kw == pytest.approx((5 * PRODUCTION_KW + 3 * 120.0) / 8)
    assert warning.detected_at == first.detected_at
    assert warning.evidence["detections"] == 3
    assert warning.evidence["first_window_start"] == first.evidence["window_start"]
    assert warning.evidence["readings"][-1][1] == 120.0


@pytest.mark.django_db
def test_a_reviewed_warning_does_not_block_a_later_one(enterprise_a, kw, users):
    set_status(enterprise_a, Status.SUSPENDED)
    history(kw, NIGHT)
    window(kw, NIGHT, PRODUCTION_KW)
    assert power.run(NIGHT) == 1
    first = PowerWarning.objects.get()
    review_warning(users[Role.TOWN_SUPERVISOR], first.pk, confirmed=False, note="设备检修用电")

    # The readings already judged are not flagged again...
    assert power.run(NIGHT) == 0
    later = NIGHT + timedelta(hours=1)
    window(kw, NIGHT + timedelta(hours=3), PRODUCTION_KW, start=NIGHT + STEP)
    assert power.run(later) == 0
    # ...the next window after them is.
    assert power.run(NIGHT + timedelta(hours=2)) == 1
    assert power.run(NIGHT + timedelta(hours=3)) == 1  # updates the new one
    states = sorted(PowerWarning.objects.values_list("state", flat=True))
    assert states == [WarningState.DISMISSED, WarningState.OPEN]
    first.refresh_from_db()
    assert first.window_end == NIGHT


@pytest.mark.django_db
def test_run_covers_every_enterprise_with_power(enterprise_a, enterprise_b, kw):
    gateway = make_gateway(enterprise_b, "GW-B")
    kw_b = make_point(gateway, "kwb", "power", equipment="总进线")
    for enterprise, point in ((enterprise_a, kw), (enterprise_b, kw_b)):
        set_status(enterprise, Status.ORDERED_TO_STOP)
        history(point, NIGHT)
        window(point, NIGHT, PRODUCTION_KW)
    assert power.run(NIGHT) == 2
    assert set(PowerWarning.objects.values_list("enterprise", "kind")) == {
        (enterprise_a.pk, WarningKind.COVERT),
        (enterprise_b.pk, WarningKind.COVERT),
    }


@pytest.mark.django_db
def test_one_failing_enterprise_does_not_stop_the_run(enterprise_a, enterprise_b, kw, monkeypatch):
    gateway = make_gateway(enterprise_b, "GW-B")
    kw_b = make_point(gateway, "kwb", "power", equipment="总进线")
    for enterprise, point in ((enterprise_a, kw), (enterprise_b, kw_b)):
        set_status(enterprise, Status.SUSPENDED)
        history(point, NIGHT)
        window(point, NIGHT, PRODUCTION_KW)
    real = power.analyse

    def flaky(enterprise, *args, **kwargs):
        if enterprise.pk == enterprise_a.pk:
            raise RuntimeError("boom")
        return real(enterprise, *args, **kwargs)

    monkeypatch.setattr(power, "analyse", flaky)
    assert power.run(NIGHT) == 1
    assert PowerWarning.objects.get().enterprise_id == enterprise_b.pk


def test_evidence_is_downsampled():
    start = datetime(2025, 3, 19, tzinfo=SHANGHAI)
    series = [(start + timedelta(seconds=10 * i), float(i)) for i in range(1000)]
    out = power._downsample(series, 300)
    assert len(out) <= 300
    assert out[0] == (start + timedelta(seconds=15), 1.5)  # the first four averaged
    assert power._downsample(series[:300], 300) == series[:300]


def test_quantile_interpolates():
    assert power._quantile([0.0, 10.0], 0.1) == pytest.approx(1.0)
    assert power._quantile([1.0, 2.0, 3.0], 0.5) == 2.0
    assert power._quantile([7.0], 0.9) == 7.0


# --- API -----------------------------------------------------------------------------------


def make_warning(enterprise, kind=WarningKind.COVERT):
    return PowerWarning.objects.create(
        enterprise=enterprise,
        kind=kind,
        window_start=NIGHT - timedelta(hours=2),
        window_end=NIGHT,
        observed_kw=100,
        baseline_kw=15,
        baseline="近30天空闲功率 P10 5.0 kW，判定线 15.0 kW",
        evidence={"readings": [[NIGHT.isoformat(), 100.0]]},
    )


@pytest.fixture
def warnings(enterprise_a, enterprise_a2, enterprise_b):
    return {
        "a": make_warning(enterprise_a),
        "a2": make_warning(enterprise_a2, WarningKind.OVERLOAD),
        "b": make_warning(enterprise_b),
    }


def listed(client, user, query=""):
    response = client_for(client, user).get(f"/api/v1/warnings{query}")
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.django_db
def test_warning_list_is_scoped(client, users, outsider, warnings):
    a, a2, b = warnings["a"].pk, warnings["a2"].pk, warnings["b"].pk
    assert listed(client, users[Role.SUPERVISOR]) == {a, a2, b}
    assert listed(client, users[Role.TOWN_SUPERVISOR]) == {a, a2}
    assert listed(client, outsider) == {b}
    assert listed(client, users[Role.PRINCIPAL]) == {a}
    assert listed(client, users[Role.SAFETY_OFFICER]) == {a}
    response = client_for(client, users[Role.EMPLOYEE]).get("/api/v1/warnings")
    assert response.status_code == 403


@pytest.mark.django_db
def test_warning_list_shows_the_evidence_and_filters_by_state(client, users, warnings):
    PowerWarning.objects.filter(pk=warnings["a2"].pk).update(state=WarningState.CONFIRMED)
    user = users[Role.TOWN_SUPERVISOR]
    assert listed(client, user, "?state=open") == {warnings["a"].pk}
    assert listed(client, user, "?state=confirmed") == {warnings["a2"].pk}
    item = client.get("/api/v1/warnings?state=open").json()["items"][0]
    assert item["kind_label"] == "明停暗开"
    assert item["enterprise_name"] == warnings["a"].enterprise.name
    assert item["evidence"]["readings"] == [[NIGHT.isoformat(), 100.0]]
    assert client.get("/api/v1/warnings?state=nonsense").status_code == 422


def review(client, user, warning_id, **body):
    body = {"confirmed": True, "note": "现场核实，企业夜间违规生产"} | body
    return client_for(client, user).post(
        f"/api/v1/warnings/{warning_id}/review", data=body, content_type="application/json"
    )


@pytest.mark.django_db
def test_review_confirms_once(client, users, warnings):
    response = review(client, users[Role.TOWN_SUPERVISOR], warnings["a"].pk)
    assert response.status_code == 200
    assert response.json()["state"] == WarningState.CONFIRMED
    warning = PowerWarning.objects.get(pk=warnings["a"].pk)
    assert warning.reviewed_by == users[Role.TOWN_SUPERVISOR]
    assert warning.reviewed_at is not None
    assert warning.review_note == "现场核实，企业夜间违规生产"

    again = review(client, users[Role.SUPERVISOR], warnings["a"].pk, confirmed=False)
    assert again.status_code == 409
    assert "已研判" in again.json()["detail"]
    assert PowerWarning.objects.get(pk=warnings["a"].pk).state == WarningState.CONFIRMED


@pytest.mark.django_db
def test_review_can_dismiss(client, users, warnings):
    response = review(client, users[Role.SUPERVISOR], warnings["b"].pk, confirmed=False)
    assert response.status_code == 200
    assert response.json()["state"] == WarningState.DISMISSED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EXPERT, Role.GRID_MEMBER, Role.EMPLOYEE]
)
def test_review_needs_the_permission(client, users, warnings, role):
    response = review(client, users[role], warnings["a"].pk)
    assert response.status_code == 403
    assert PowerWarning.objects.get(pk=warnings["a"].pk).state == WarningState.OPEN


@pytest.mark.django_db
def test_review_out_of_scope_is_404(client, users, outsider, warnings):
    assert review(client, outsider, warnings["a"].pk).status_code == 404
    assert review(client, users[Role.TOWN_SUPERVISOR], warnings["b"].pk).status_code == 404
    assert review(client, users[Role.SUPERVISOR], 999_999).status_code == 404
    assert PowerWarning.objects.filter(state=WarningState.OPEN).count() == 3


@pytest.mark.django_db
def test_review_needs_a_note(client, users, warnings):
    response = review(client, users[Role.SUPERVISOR], warnings["a"].pk, note="")
    assert response.status_code == 422
    response = review(client, users[Role.SUPERVISOR], warnings["a"].pk, note="   ")
    assert response.status_code == 422
    assert PowerWarning.objects.get(pk=warnings["a"].pk).state == WarningState.OPEN
