"""Who hears of a commitment's events (reporting.notifications): the town of a 动态清零
commitment, the enterprise's managers of a breach; once, and nobody of a rolled-back change."""

import pytest
from django.db import transaction

from core import events
from core.models import Notification
from reporting import services
from reporting.models import CommitmentEvent, EventAction
from reporting.tests.conftest import post, zero_out


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


def told():
    return sorted(Notification.objects.values_list("recipient__username", flat=True))


def test_a_zero_out_commitment_tells_the_town_once(
    principal, town, enterprise_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        commitment = zero_out(enterprise_a, recorder=principal)
    assert told() == ["town_a_supervisor"]
    event = CommitmentEvent.objects.get(commitment=commitment, action=EventAction.RECORDED)
    assert events.deliver(CommitmentEvent, event.pk) is False
    assert told() == ["town_a_supervisor"]


def test_a_breach_tells_the_enterprise_managers(
    users, town, enterprise_a, django_capture_on_commit_callbacks
):
    commitment = post(enterprise_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_breach(town, commitment.pk, description="检查发现未佩戴防护面罩")
    assert told() == ["principal_a", "safety_a"]
    assert Notification.objects.first().title == f"【违反安全承诺】{enterprise_a.name}"


def test_a_rolled_back_breach_tells_nobody(
    users, town, enterprise_a, django_capture_on_commit_callbacks
):
    commitment = post(enterprise_a)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.record_breach(town, commitment.pk, description="检查发现未佩戴防护面罩")
        raise RuntimeError
    assert told() == []
