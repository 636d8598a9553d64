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


# --- recovery (clear) ---------------------------------------------------------------------------


def _clear(gateway, now, seconds=1):
    ingest(gateway, [{"point": "al1", "ts": at(now, seconds), "value": False}], now=now)


@pytest.mark.django_db
def test_a_recovery_is_an_event_that_pages_nobody_while_the_alarm_is_open(
    users, gateway_a, points_a, now, django_capture_on_commit_callbacks
):
    ingest(gateway_a, [{"point": "al1", "ts": at(now), "value": True}], now=now)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _clear(gateway_a, now)
    alarm = Alarm.objects.get()
    assert alarm.cleared_at is not None
    clear = AlarmEvent.objects.get(action="clear")
    assert (clear.alarm_id, clear.from_state, clear.to_state) == (alarm.pk, "open", "open")
    assert clear.actor_id is None and clear.notified_at is not None
    # The enterprise still has to acknowledge and handle it, as it was told: nobody is paged.
    assert told() == []
    _clear(gateway_a, now, 2)  # still clear: no second recovery
    assert AlarmEvent.objects.filter(action="clear").count() == 1


@pytest.mark.django_db
def test_a_handled_alarm_recovering_tells_the_town_it_may_be_closed(
    users, gateway_a, points_a, now, django_capture_on_commit_callbacks
):
    from accounts.roles import Role
    from monitoring import services

    ingest(gateway_a, [{"point": "al1", "ts": at(now), "value": True}], now=now)
    alarm = Alarm.objects.get()
    services.act(users[Role.SAFETY_OFFICER], alarm.pk, "handle", note="更换卸灰阀电机")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _clear(gateway_a, now)
    assert told() == ["town_a_supervisor"]
    notice = Notification.objects.get()
    assert notice.urgent is False  # not a page: a to-do of the working day
    assert notice.title.startswith("【恢复】")
    assert notice.link == f"/monitoring/alarms/{alarm.pk}/"


@pytest.mark.django_db
def test_the_alarm_page_shows_the_recovery(client, users, gateway_a, points_a, now):
    from accounts.roles import Role

    ingest(gateway_a, [{"point": "al1", "ts": at(now), "value": True}], now=now)
    _clear(gateway_a, now)
    alarm = Alarm.objects.get()
    client.force_login(users[Role.SAFETY_OFFICER])
    page = client.get(f"/monitoring/alarms/{alarm.pk}/").content.decode()
    assert "产生报警" in page and "恢复" in page


@pytest.mark.django_db
def test_alarms_raised_and_cleared_in_one_batch_have_both_events(gateway_a, points_a, now):
    ingest(
        gateway_a,
        [
            {"point": "al1", "ts": at(now), "value": True},
            {"point": "al1", "ts": at(now, 5), "value": False},
        ],
        now=now,
    )
    alarm = Alarm.objects.get()
    assert alarm.cleared_at is not None
    assert list(alarm.events.values_list("action", flat=True)) == ["raise", "clear"]


@pytest.mark.django_db
def test_recoveries_of_one_save_are_one_insert(gateway_a, points_a, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    raised = [
        {"point": "al1", "ts": at(now), "value": True},
        {"point": "sp1", "ts": at(now), "value": True},
    ]
    ingest(gateway_a, raised, now=now)
    assert Alarm.objects.filter(cleared_at__isnull=True).count() == 2
    cleared = [
        {"point": "al1", "ts": at(now, 1), "value": False},
        {"point": "sp1", "ts": at(now, 1), "value": False},
    ]
    with CaptureQueriesContext(connection) as queries:
        ingest(gateway_a, cleared, now=now)
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "monitoring_alarmevent"')]
    assert len(inserts) == 1
    assert AlarmEvent.objects.filter(action="clear").count() == Alarm.objects.count()
    assert not Alarm.objects.filter(cleared_at__isnull=True).exists()
