"""Who hears of a manual grade (grading.notifications): the approvers over the enterprise of a
request, its requester of the decision; once, and nobody of a rolled-back request."""

import pytest
from django.db import transaction

from accounts.roles import Role
from core import events
from core.models import Notification
from grading import engine, services
from grading.models import OverrideEvent


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


@pytest.fixture
def graded(users, enterprise_a):
    engine.run()
    return enterprise_a


def told():
    return sorted(Notification.objects.values_list("recipient__username", flat=True))


def test_a_request_tells_the_approvers_and_the_decision_the_requester(
    graded, users, django_capture_on_commit_callbacks
):
    supervisor, admin = users[Role.SUPERVISOR], users[Role.COUNTY_ADMIN]
    with django_capture_on_commit_callbacks(execute=True):
        override = services.request_override(supervisor, graded.pk, level="red", reason="违规")
    assert told() == ["county_admin"]
    requested = OverrideEvent.objects.get(override=override)
    assert events.deliver(OverrideEvent, requested.pk) is False
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_override(admin, override.pk, approved=False, note="依据不足")
    assert told() == ["supervisor"]
    assert Notification.objects.get().title == f"【风险等级调整被驳回】{graded.name}"


def test_a_rolled_back_request_tells_nobody(graded, users, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.request_override(users[Role.SUPERVISOR], graded.pk, level="red", reason="x")
        raise RuntimeError
    assert told() == []


def test_a_request_reaches_the_approvers_over_the_enterprise_only(
    graded, users, county, django_capture_on_commit_callbacks
):
    """recipients_for: a town's request goes to the county's grade.approve roles over the
    enterprise; not to the town, the enforcement officers, or another county's approvers."""
    from conftest import make_user
    from core.models import Jurisdiction, JurisdictionKind
    from grading.notifications import recipients_for

    other = Jurisdiction.objects.create(code="371523", name="茌平区", kind=JurisdictionKind.COUNTY)
    make_user("other_supervisor", Role.SUPERVISOR, other)
    make_user("supervisor2", Role.SUPERVISOR, county)
    town = users[Role.TOWN_SUPERVISOR]
    with django_capture_on_commit_callbacks(execute=True):
        override = services.request_override(town, graded.pk, level="red", reason="违规")
    assert told() == ["county_admin", "supervisor", "supervisor2"]
    event = OverrideEvent.objects.get(override=override)
    assert sorted(u.username for u in recipients_for(event)) == told()
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_override(users[Role.SUPERVISOR], override.pk, approved=True)
    assert told() == ["town_a_supervisor"]
