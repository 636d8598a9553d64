"""An alarm's events through the one recorder (core.events, monitoring.notifications): the
managers hear of a raised alarm once, and nobody of one whose transaction rolled back."""

import pytest
from django.db import transaction

from core import events
from core.models import Notification
from core.tasks import deliver_pending
from monitoring.conftest import at
from monitoring.ingest import ingest
from monitoring.models import Alarm, AlarmEvent


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


def told():
    return sorted(Notification.objects.values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_a_raised_alarm_is_announced_once(
    users, gateway_a, points_a, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ingest(gateway_a, [{"point": "al1", "ts": at(now), "value": True}], now=now)
    assert told() == ["principal_a", "safety_a"]
    # An alarm is urgent: its copies by other channels ignore digests and quiet hours.
    assert set(Notification.objects.values_list("urgent", "kind")) == {(True, "monitoring")}
    event = AlarmEvent.objects.get(action="raise")
    assert events.deliver(AlarmEvent, event.pk) is False
    assert deliver_pending.call_local() == 0
    assert told() == ["principal_a", "safety_a"]


@pytest.mark.django_db
def test_a_rolled_back_alarm_is_not_announced(
    users, gateway_a, points_a, now, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ingest(gateway_a, [{"point": "al1", "ts": at(now), "value": True}], now=now)
        raise RuntimeError
    assert not Alarm.objects.exists()
    assert told() == []
