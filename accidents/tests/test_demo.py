"""The demo's accidents (accidents.demo, called by load_demo): one local accident of the last 12
months at the first enterprise given, two typical cases from elsewhere, and nothing new on a
second run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accidents import demo
from accidents.models import AccidentCase, AccidentEvent
from accounts.roles import Role
from conftest import client_for


@pytest.fixture
def loaded(county_supervisor, enterprise_a2, enterprise_a, enterprise_b):
    return demo.load(county_supervisor, [enterprise_a2, enterprise_a, enterprise_b])


def test_one_local_accident_and_two_external_cases(loaded, county_supervisor, enterprise_a2):
    assert loaded == {"local": 1, "external": 2}
    local = AccidentCase.objects.get(source="local")
    assert local.enterprise == enterprise_a2  # the first of the list
    assert (local.category, local.serious_injuries, local.deaths) == ("machinery", 1, 0)
    assert local.level == "general"
    now = timezone.now()
    assert now - timedelta(days=365) < local.occurred_at < now
    assert timezone.localtime(local.occurred_at).date() < timezone.localdate()
    assert local.recorded_by == county_supervisor
    external = AccidentCase.objects.filter(source="external").order_by("occurred_at")
    assert [a.category for a in external] == ["other_explosion", "poisoning_asphyxia"]
    assert [list(a.sector_tags.values_list("code", flat=True)) for a in external] == [
        ["combustible_dust"],
        ["ammonia_refrigeration"],
    ]
    assert all(2025 <= timezone.localtime(a.occurred_at).year <= 2026 for a in external)
    assert all("有限公司" not in a.title and a.location for a in external)
    assert AccidentEvent.objects.filter(action="recorded").count() == 3


def test_a_second_run_creates_nothing(loaded, county_supervisor, enterprise_a2, enterprise_a):
    before = list(AccidentCase.objects.order_by("pk").values())
    events = AccidentEvent.objects.count()
    again = demo.load(county_supervisor, [enterprise_a2, enterprise_a])
    assert again == {"local": 0, "external": 0}
    assert list(AccidentCase.objects.order_by("pk").values()) == before
    assert AccidentEvent.objects.count() == events


def test_no_enterprises_no_local_accident(county_supervisor):
    assert demo.load(county_supervisor, []) == {"local": 0, "external": 2}


def test_the_demo_shows_on_the_pages(loaded, client, users, enterprise_a2):
    html = client_for(client, users[Role.TOWN_SUPERVISOR]).get("/accidents/").content.decode()
    assert demo.LOCAL["title"] in html
    assert all(case["title"] in html for case in demo.EXTERNAL)
