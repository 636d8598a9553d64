"""The duty room's large screen: which node it shows to whom, and that its alarms and overdue
items are the user's and the node's only."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from hazards import services as hazard_services
from hazards.models import Hazard
from monitoring import partitions
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest
from targets import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_partitions():
    partitions.forget()
    yield
    partitions.forget()


def _alarm(enterprise, code):
    gateway = make_gateway(enterprise, code)
    point = make_point(gateway, "al1", "airlock_fault", equipment=f"{code}除尘器")
    now = timezone.now()
    ingest(gateway, [{"point": "al1", "ts": now.isoformat(), "value": True}], now=now)
    return point.alarms.get()


def _data(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("targets:screen_data"), query)
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_county_s_screen_shows_the_county_and_its_towns(client, users, county, town_a):
    services.refresh_live()
    client.force_login(users[Role.SUPERVISOR])
    response = client.get(reverse("targets:screen"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "高唐县 · 工贸安全生产治本攻坚三年行动" in page
    assert 'data-chart="targets-trend"' in page and 'data-theme="dark"' in page
    assert "js/screen.js" in page and "<script>" not in page  # nothing inline
    assert response.context["node"] == county
    data = response.context["data"]
    assert sorted(c["name"] for c in data["children"]) == sorted(["赵寨子镇", "清平镇"])
    assert len(data["measures"]) == 13
    assert data["computed"]["at"]  # the time the figures were computed


def test_a_town_supervisor_sees_their_town_and_nothing_else(client, users, county, town_a, town_b):
    sup = users[Role.TOWN_SUPERVISOR]
    client.force_login(sup)
    response = client.get(reverse("targets:screen"))
    assert response.status_code == 200
    assert response.context["node"] == town_a
    for node in (town_b, county):
        assert client.get(reverse("targets:screen"), {"node": node.pk}).status_code == 404
        assert client.get(reverse("targets:screen_data"), {"node": node.pk}).status_code == 404
    assert client.get(reverse("targets:screen"), {"node": "abc"}).status_code == 404


def test_the_county_may_open_a_town_s_screen(client, users, town_b):
    data = _data(client, users[Role.SUPERVISOR], node=town_b.pk)
    assert data["node"] == {"id": town_b.pk, "name": "清平镇"}


@pytest.mark.parametrize(
    "role", [Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE, Role.EXPERT, Role.GRID_MEMBER]
)
def test_enterprise_roles_experts_and_grid_members_are_refused(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("targets:screen")).status_code == 403
    assert client.get(reverse("targets:screen_data")).status_code == 403


def test_the_alarms_are_those_in_scope_and_under_the_node(
    client, users, enterprise_a, enterprise_b, town_b
):
    a = _alarm(enterprise_a, "GW-A")
    b = _alarm(enterprise_b, "GW-B")
    town = _data(client, users[Role.TOWN_SUPERVISOR])
    assert [x["id"] for x in town["alarms"]["items"]] == [a.pk]
    assert town["alarms"]["count"] == 1 and town["alarms"]["open"] == 1
    assert town["alarms"]["items"][0]["enterprise"] == enterprise_a.name
    county = _data(client, users[Role.SUPERVISOR])
    assert sorted(x["id"] for x in county["alarms"]["items"]) == sorted([a.pk, b.pk])
    assert county["alarms"]["count"] == 2
    only_b = _data(client, users[Role.SUPERVISOR], node=town_b.pk)
    assert [x["id"] for x in only_b["alarms"]["items"]] == [b.pk]
    # A closed alarm is no longer live.
    b.state = "closed"
    b.save(update_fields=["state"])
    assert _data(client, users[Role.SUPERVISOR], node=town_b.pk)["alarms"]["count"] == 0


def test_today_s_overdue_hazards_are_counted_under_the_node(
    client, users, enterprise_a, enterprise_b, town_b
):
    sup = users[Role.SUPERVISOR]
    today = timezone.localdate()
    late = hazard_services.report(sup, enterprise_a.pk, source="enforcement", description="积尘")
    in_time = hazard_services.report(sup, enterprise_b.pk, source="enforcement", description="护栏")
    Hazard.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=2))
    Hazard.objects.filter(pk=in_time.pk).update(deadline=today + timedelta(days=2))
    county = _data(client, sup)
    assert county["overdue"]["hazards"]["count"] == 1
    assert [h["id"] for h in county["overdue"]["hazards"]["items"]] == [late.pk]
    assert _data(client, sup, node=town_b.pk)["overdue"]["hazards"]["count"] == 0
    # The town sees its own.
    assert _data(client, users[Role.TOWN_SUPERVISOR])["overdue"]["hazards"]["count"] == 1


def test_the_goals_shown_are_the_town_s_own_where_it_set_one(client, users, town_a):
    """The screen reads the board: a town's own stricter goal is the one it is judged by."""
    from targets import plans
    from targets.measures import YEARS

    year = timezone.localdate().year
    if year not in YEARS:
        pytest.skip("the plan's years are over")
    services.refresh_live()
    county = {m["key"]: m for m in _data(client, users[Role.SUPERVISOR])["measures"]}
    assert county["random_share"]["goal"] == "70"
    assert county["majors_overdue"]["light"] == "green"  # none overdue, goal 0
    plans.save_plan(
        users[Role.TOWN_SUPERVISOR], town_a, title="方案", targets={("random_share", year): 80}
    )
    town = {m["key"]: m for m in _data(client, users[Role.TOWN_SUPERVISOR])["measures"]}
    assert town["random_share"]["goal"] == "80"
    assert town["connect"]["goal"] == "100"  # the county's where the town set none
