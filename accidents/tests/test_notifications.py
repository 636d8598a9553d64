"""Who hears of an accident record (accidents.notifications): the county's supervisors and
administrators over the enterprise, never the one who entered it, once."""

import pytest
from django.db import transaction

from accidents import services
from accidents.models import AccidentEvent
from accidents.tests.conftest import external_data, local_data
from conftest import make_user
from core import events
from core.models import Jurisdiction, JurisdictionKind, Notification


@pytest.fixture(autouse=True)
def _immediate(immediate_tasks):
    pass


def told():
    return sorted(Notification.objects.values_list("recipient__username", flat=True))


def test_a_recorded_accident_tells_the_county_once(
    users, town, enterprise_a, django_capture_on_commit_callbacks
):
    other = Jurisdiction.objects.create(code="371523", name="茌平区", kind=JurisdictionKind.COUNTY)
    make_user("other_county_supervisor", "supervisor", other)
    with django_capture_on_commit_callbacks(execute=True):
        accident = services.record(town, local_data(enterprise_a))
    assert told() == ["county_admin", "supervisor"]
    note = Notification.objects.get(recipient__username="supervisor")
    assert note.title == f"【事故登记】{enterprise_a.name}"
    assert note.link == f"/accidents/{accident.pk}/"
    event = AccidentEvent.objects.get(accident=accident)
    assert events.deliver(AccidentEvent, event.pk) is False
    assert told() == ["county_admin", "supervisor"]


def test_an_external_case_tells_nobody(county_supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.record(county_supervisor, external_data())
    assert told() == []


def test_a_rolled_back_accident_tells_nobody(
    town, enterprise_a, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.record(town, local_data(enterprise_a))
        raise RuntimeError
    assert told() == []


def test_an_accident_reaches_the_county_over_its_enterprise_only(
    users, outsider, enterprise_a, enterprise_b, django_capture_on_commit_callbacks
):
    """recipients_for: the county's supervisors and administrators over the enterprise (the
    actor excepted); neither the towns (theirs or another) nor another county's bureau."""
    from accidents.notifications import recipients_for

    other = Jurisdiction.objects.create(code="371523", name="茌平区", kind=JurisdictionKind.COUNTY)
    make_user("other_county_admin", "county_admin", other)
    admin = users["county_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        accident = services.record(admin, local_data(enterprise_b))
    assert told() == ["supervisor"]
    event = AccidentEvent.objects.get(accident=accident)
    assert [u.username for u in recipients_for(event)] == ["supervisor"]
