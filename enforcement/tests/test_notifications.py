"""Who hears of a penalty case (enforcement.notifications): the enterprise's principal when it
is filed, its principal and safety officers when it is decided, each once."""

import pytest
from django.db import transaction
from django.utils import timezone

from core import events
from core.models import Notification
from enforcement.models import PenaltyEvent
from enforcement.penalties import services as penalty_services

BASIS = "《中华人民共和国安全生产法》第一百零二条"


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


def told(**filters):
    return sorted(
        Notification.objects.filter(**filters).values_list("recipient__username", flat=True)
    )


def test_a_decided_penalty_tells_the_enterprise_managers_once(
    users, enterprise_a, enterprise_b, django_capture_on_commit_callbacks
):
    enforcer = users["enforcement_officer"]
    with django_capture_on_commit_callbacks(execute=True):
        penalty = penalty_services.file_penalty(enforcer, enterprise_a.pk, "违法事实", BASIS, 1000)
    assert told() == ["principal_a"]
    with django_capture_on_commit_callbacks(execute=True):
        penalty_services.advance_penalty(enforcer, penalty.pk, "notified", "送达告知书")
        penalty_services.advance_penalty(
            enforcer, penalty.pk, "decided", decided_on=timezone.localdate(), amount="30000"
        )
    assert told(title__startswith="【行政处罚决定】") == ["principal_a", "safety_a"]
    note = Notification.objects.get(recipient__username="safety_a")
    assert note.title == f"【行政处罚决定】{enterprise_a.name}"
    assert note.link == f"/enforcement/penalties/{penalty.pk}/"
    decided = PenaltyEvent.objects.get(penalty=penalty, to_state="decided")
    assert events.deliver(PenaltyEvent, decided.pk) is False
    assert len(told()) == 3


def test_a_rolled_back_penalty_tells_nobody(
    users, enterprise_a, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        penalty_services.file_penalty(
            users["enforcement_officer"], enterprise_a.pk, "违法", BASIS, 0
        )
        raise RuntimeError
    assert not Notification.objects.exists()


def test_an_inspection_tells_the_enterprise_when_completed_not_when_started(
    users, enterprise_a, inspect, django_capture_on_commit_callbacks
):
    """Recorded through core.events: the start (to draft) tells nobody, an unannounced visit
    stays unannounced; the completion (draft -> completed) tells the principal and the safety
    officer, once, with the count found wanting."""
    from enforcement.models import InspectionEvent

    with django_capture_on_commit_callbacks(execute=True):
        started = inspect(enterprise_a, wanting=1, complete=False)
    assert not told(title__contains="执法检查")
    with django_capture_on_commit_callbacks(execute=True):
        done = inspect(enterprise_a, wanting=1)
    rows = InspectionEvent.objects.filter(inspection=done).order_by("at", "id")
    assert [(e.action, e.from_state, e.to_state) for e in rows] == [
        ("create", "", "draft"),
        ("complete", "draft", "completed"),
    ]
    assert rows.last().payload["not_compliant"] == 1
    assert all(e.notified_at for e in rows)
    assert told(title__startswith="【执法检查完成】") == ["principal_a", "safety_a"]
    note = Notification.objects.filter(title__startswith="【执法检查完成】").first()
    assert note.link == f"/enforcement/inspections/{done.pk}/" and "1 项不符合" in note.body
    assert not InspectionEvent.objects.filter(inspection=started, action="complete").exists()
