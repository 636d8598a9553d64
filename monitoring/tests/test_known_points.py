"""The points a process remembers between batches (monitoring.known_points): a point changed,
switched off or added elsewhere is judged as it now is on the very next batch, and its rule state
is always the one stored."""

from datetime import timedelta

import pytest

from monitoring import known_points
from monitoring.conftest import at, make_point
from monitoring.ingest import ingest
from monitoring.models import Alarm, Condition, Point


def _send(gateway, code, base, second, value):
    return ingest(
        gateway,
        [{"point": code, "ts": at(base, second), "value": value}],
        now=base + timedelta(seconds=second + 1),
    )


@pytest.fixture
def base(now):
    return now - timedelta(hours=1)


@pytest.mark.django_db
def test_a_threshold_changed_elsewhere_holds_on_the_next_batch(gateway_a, points_a, base):
    temp = points_a["temp"]
    Point.objects.filter(pk=temp.pk).update(rate_limit=None, hold_seconds=0)
    assert _send(gateway_a, "t1", base, 0, 65).accepted == 1  # below its high of 70: no alarm
    assert known_points._known  # the process remembers the gateway's points now
    Point.objects.filter(pk=temp.pk).update(high=60)  # as another process's form would
    assert _send(gateway_a, "t1", base, 10, 65).alarms_raised == 1
    alarm = Alarm.objects.get()
    assert (alarm.condition, alarm.limit) == (Condition.HIGH, 60)


@pytest.mark.django_db
def test_a_point_switched_off_or_added_elsewhere_is_known_as_it_is(gateway_a, points_a, base):
    assert _send(gateway_a, "dp1", base, 0, 900).accepted == 1
    Point.objects.filter(pk=points_a["dp"].pk).update(active=False)
    refused = _send(gateway_a, "dp1", base, 10, 900)
    assert (refused.accepted, refused.rejected[0].reason) == (0, "未知点位：dp1")
    make_point(gateway_a, "dp2", "pressure_diff")
    assert _send(gateway_a, "dp2", base, 20, 900).accepted == 1


@pytest.mark.django_db
def test_the_rule_state_is_the_stored_one_not_the_remembered_one(gateway_a, points_a, base):
    temp = points_a["temp"]
    Point.objects.filter(pk=temp.pk).update(rate_limit=None, hold_seconds=60)
    _send(gateway_a, "t1", base, 0, 75)  # above 70 since 0 s
    # Another worker stored a calm reading in between, and with it the point's state.
    Point.objects.filter(pk=temp.pk).update(
        last_ts=base + timedelta(seconds=30), last_value=20, high_since=None
    )
    assert _send(gateway_a, "t1", base, 70, 75).alarms_raised == 0  # above since 70 s only
    assert Point.objects.get(pk=temp.pk).high_since == base + timedelta(seconds=70)
    assert _send(gateway_a, "t1", base, 130, 75).alarms_raised == 1
    assert Alarm.objects.get().first_at == base + timedelta(seconds=70)
