"""The alarm rules on streams of readings: thresholds held for a duration, jumps, signals and
faults, one alarm per (point, condition) while it holds, clearing."""

from datetime import timedelta

import pytest

from monitoring.conftest import at, make_point
from monitoring.ingest import ingest
from monitoring.models import Alarm, AlarmEvent, Condition


def feed(gateway, code, base, values, step=60, now=None):
    """Readings of one point every `step` seconds from base; returns the outcome."""
    readings = [
        {"point": code, "ts": at(base, i * step), "value": value} for i, value in enumerate(values)
    ]
    return ingest(gateway, readings, now=now or base + timedelta(seconds=step * len(values)))


@pytest.fixture
def base(now):
    return now - timedelta(hours=2)


@pytest.mark.django_db
def test_high_alarms_only_after_the_hold_and_keeps_one_alarm(gateway_a, points_a, base):
    # Hopper temperature: high 70 ℃ held 60 s. One reading above is not yet an alarm.
    # (Its rate limit, 5 ℃ a minute, is set aside here.)
    points_a["temp"].rate_limit = None
    points_a["temp"].save()
    feed(gateway_a, "t1", base, [30, 75])
    assert not Alarm.objects.exists()
    # Still above a minute later: the alarm, from when it started, with first/last/peak.
    feed(gateway_a, "t1", base + timedelta(seconds=120), [80, 90, 85])
    alarm = Alarm.objects.get()
    assert alarm.condition == Condition.HIGH
    assert alarm.first_at == base + timedelta(seconds=60)
    assert (alarm.first_value, alarm.last_value, alarm.peak_value) == (80, 85, 90)
    assert alarm.limit == 70 and alarm.cleared_at is None
    assert AlarmEvent.objects.filter(alarm=alarm, action="raise").count() == 1
    # Back to normal: cleared, kept for handling; a new episode is a new alarm.
    feed(gateway_a, "t1", base + timedelta(seconds=300), [40, 95, 96])
    alarms = list(Alarm.objects.order_by("pk"))
    assert len(alarms) == 2
    assert alarms[0].cleared_at == base + timedelta(seconds=300)
    assert alarms[0].state == "open"
    assert alarms[1].cleared_at is None and alarms[1].first_value == 96


@pytest.mark.django_db
def test_a_short_spike_below_the_hold_raises_nothing(gateway_a, points_a, base):
    # Pressure difference: high 1,800 Pa held 300 s; above for 240 s only.
    feed(gateway_a, "dp1", base, [1000, 1900, 1950, 1990, 1900, 1100], step=60)
    assert not Alarm.objects.filter(condition=Condition.HIGH).exists()


@pytest.mark.django_db
def test_low_alarm_keeps_the_lowest_as_peak(gateway_a, points_a, base):
    values = [900] + [250] * 6 + [200, 240]
    feed(gateway_a, "dp1", base, values, step=60)
    alarm = Alarm.objects.get(condition=Condition.LOW)
    assert alarm.peak_value == 200 and alarm.last_value == 240
    assert alarm.first_at == base + timedelta(seconds=60)


@pytest.mark.django_db
def test_a_jump_is_a_rate_alarm_that_clears_on_the_next_steady_reading(gateway_a, points_a, base):
    # 500 Pa a minute is the pressure-difference jump limit: 1,000 → 1,700 in a minute.
    feed(gateway_a, "dp1", base, [1000, 1010, 1700, 1710])
    alarm = Alarm.objects.get(condition=Condition.RATE)
    assert alarm.peak_value == pytest.approx(690)
    assert alarm.cleared_at == base + timedelta(seconds=180)


@pytest.mark.django_db
def test_rate_counts_per_minute_over_at_least_a_minute(gateway_a, points_a, base):
    # Readings 10 s apart that change 100 Pa each: noise, not a 600 Pa/min jump.
    feed(gateway_a, "dp1", base, [1000, 1100, 1000, 1100], step=10)
    assert not Alarm.objects.filter(condition=Condition.RATE).exists()


@pytest.mark.django_db
def test_fault_and_signal_follow_the_boolean(gateway_a, points_a, base):
    feed(gateway_a, "al1", base, [False, True, True, False])
    fault = Alarm.objects.get(point=points_a["airlock"])
    assert fault.condition == Condition.FAULT
    assert fault.first_at == base + timedelta(seconds=60)
    assert fault.cleared_at == base + timedelta(seconds=180)
    feed(gateway_a, "sp1", base, [True])
    assert Alarm.objects.get(point=points_a["spark"]).condition == Condition.SIGNAL


@pytest.mark.django_db
def test_running_signal_raises_nothing(gateway_a, points_a, base):
    make_point(gateway_a, "run1", "running")
    feed(gateway_a, "run1", base, [True, False, True])
    assert not Alarm.objects.exists()


@pytest.mark.django_db
def test_late_readings_are_judged_in_the_stored_order(gateway_a, points_a, base):
    points_a["temp"].rate_limit = None
    points_a["temp"].save()
    feed(gateway_a, "t1", base + timedelta(seconds=600), [30])
    outcome = feed(gateway_a, "t1", base, [95, 96, 97])  # older than the last evaluated
    assert (outcome.accepted, outcome.alarms_raised) == (3, 1)
    alarm = Alarm.objects.get()
    assert alarm.condition == Condition.HIGH
    assert (alarm.first_at, alarm.last_at) == (base, base + timedelta(seconds=120))
    assert (alarm.first_value, alarm.last_value, alarm.peak_value) == (96, 97, 97)
    # Over already: the stored reading after them ended it. It stays for handling.
    assert alarm.cleared_at == base + timedelta(seconds=600) and alarm.state == "open"
    assert AlarmEvent.objects.filter(alarm=alarm, action="raise").count() == 1
    points_a["temp"].refresh_from_db()
    assert points_a["temp"].last_value == 30 and points_a["temp"].high_since is None


# --- late readings (issue 10, item 1): two workers may store a gateway's messages in either
# order; what a reading shows is raised whichever comes first.


@pytest.mark.django_db
def test_a_leak_delivered_after_the_normal_reading_still_alarms(gateway_a, base):
    make_point(gateway_a, "co1", "co", equipment="煤气发生炉")
    # The gateway sent 50 ppm then 10 ppm; the second message was stored first.
    assert ingest(gateway_a, [{"point": "co1", "ts": at(base, 30), "value": 10}], now=base).accepted
    outcome = ingest(gateway_a, [{"point": "co1", "ts": at(base), "value": 50}], now=base)
    assert outcome.alarms_raised == 1
    alarm = Alarm.objects.get()
    assert (alarm.condition, alarm.limit, alarm.peak_value) == (Condition.HIGH, 24, 50)
    assert alarm.first_at == base and alarm.cleared_at == base + timedelta(seconds=30)
    assert AlarmEvent.objects.filter(alarm=alarm, action="raise").exists()


@pytest.mark.django_db
def test_a_late_reading_completes_a_hold_that_is_still_running(gateway_a, points_a, base):
    points_a["temp"].rate_limit = None
    points_a["temp"].save()
    feed(gateway_a, "t1", base, [30])
    feed(gateway_a, "t1", base + timedelta(seconds=120), [75])  # above, for 0 s so far
    assert not Alarm.objects.exists()
    feed(gateway_a, "t1", base + timedelta(seconds=60), [80])  # late: above since 60 s
    alarm = Alarm.objects.get()
    assert (alarm.first_at, alarm.cleared_at) == (base + timedelta(seconds=60), None)
    points_a["temp"].refresh_from_db()
    assert points_a["temp"].high_since == base + timedelta(seconds=60)
    # The next reading in order carries on the same alarm.
    feed(gateway_a, "t1", base + timedelta(seconds=180), [90])
    alarm = Alarm.objects.get()
    assert (alarm.last_value, alarm.peak_value, alarm.cleared_at) == (90, 90, None)


@pytest.mark.django_db
def test_a_late_jump_is_judged_against_its_stored_neighbours(gateway_a, points_a, base):
    feed(gateway_a, "dp1", base, [1000])
    feed(gateway_a, "dp1", base + timedelta(seconds=120), [1010])
    assert not Alarm.objects.exists()
    feed(gateway_a, "dp1", base + timedelta(seconds=60), [1700])  # late, between them
    alarm = Alarm.objects.get()
    assert alarm.condition == Condition.RATE
    assert alarm.first_at == base + timedelta(seconds=60)
    assert alarm.peak_value == pytest.approx(700)
    feed(gateway_a, "dp1", base + timedelta(seconds=180), [1015])
    alarm.refresh_from_db()
    assert alarm.cleared_at == base + timedelta(seconds=180)


@pytest.mark.django_db
def test_a_late_fault_is_raised_and_cleared_by_the_later_reading(gateway_a, points_a, base):
    feed(gateway_a, "al1", base + timedelta(seconds=60), [False])
    feed(gateway_a, "al1", base, [True])
    alarm = Alarm.objects.get()
    assert alarm.condition == Condition.FAULT
    assert (alarm.first_at, alarm.cleared_at) == (base, base + timedelta(seconds=60))


@pytest.mark.django_db
def test_a_late_reading_joins_the_alarm_of_its_episode(gateway_a, points_a, base):
    points_a["temp"].rate_limit = None
    points_a["temp"].save()
    feed(gateway_a, "t1", base, [30, 80, 80, 80, 30])
    alarm = Alarm.objects.get()
    feed(gateway_a, "t1", base + timedelta(seconds=90), [99])  # late, inside the episode
    feed(gateway_a, "t1", base + timedelta(seconds=30), [85])  # late, just before it
    alarm = Alarm.objects.get()
    assert alarm.peak_value == 99
    assert alarm.first_at == base + timedelta(seconds=30)
    assert alarm.cleared_at == base + timedelta(seconds=240)


@pytest.mark.django_db
def test_a_late_normal_reading_takes_no_alarm_back(gateway_a, points_a, base):
    points_a["temp"].rate_limit = None
    points_a["temp"].save()
    feed(gateway_a, "t1", base, [80, 80, 80])
    feed(gateway_a, "t1", base + timedelta(seconds=90), [30])  # late, inside the episode
    alarm = Alarm.objects.get()
    assert alarm.cleared_at is None and alarm.first_at == base


@pytest.mark.django_db
def test_state_carries_across_batches(gateway_a, points_a, base):
    # The hold started in one batch completes in the next.
    feed(gateway_a, "t1", base, [75])
    feed(gateway_a, "t1", base + timedelta(seconds=60), [76])
    assert Alarm.objects.get(condition=Condition.HIGH).first_at == base


@pytest.mark.django_db
def test_thresholds_are_per_point(gateway_a, points_a, base):
    custom = make_point(gateway_a, "t2", "hopper_temp", high=50, hold_seconds=0, rate_limit=100)
    feed(gateway_a, "t2", base, [55])
    assert Alarm.objects.get().point == custom
    assert Alarm.objects.get().limit == 50
