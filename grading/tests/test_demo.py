"""The demo's grades (grading.demo, called by load_demo): every demo enterprise graded at once,
one manual grade waiting for approval, and nothing new on a second run."""

import pytest

from accounts.roles import Role
from conftest import client_for, make_enterprise
from enterprises.models import SectorTag
from grading import demo
from grading.models import EnterpriseGrade, GradeChange, GradeOverride, OverrideState


@pytest.fixture
def demo_enterprises(town_a, town_b):
    foundry = SectorTag.objects.get(code="foundry")
    result = []
    for i in range(6):
        enterprise = make_enterprise(
            town_a if i % 2 else town_b, None, serial=200 + i, name=f"演示企业{i}", is_demo=True
        )
        if i in (3, 4):
            enterprise.sector_tags.set([foundry])
        result.append(enterprise)
    return result


def counts():
    return (
        EnterpriseGrade.objects.count(),
        GradeChange.objects.count(),
        GradeOverride.objects.count(),
    )


@pytest.mark.django_db
def test_grades_every_demo_enterprise_and_asks_for_one_override(demo_enterprises, users, client):
    town = users[Role.TOWN_SUPERVISOR]
    result = demo.load(demo_enterprises, town)
    assert result["graded"] == len(demo_enterprises)
    assert result["overrides"] == 1
    assert set(EnterpriseGrade.objects.values_list("enterprise_id", flat=True)) >= {
        e.pk for e in demo_enterprises
    }
    override = GradeOverride.objects.get(reason=demo.OVERRIDE_REASON)
    assert override.state == OverrideState.PENDING
    assert override.requested_by == town
    # In the town supervisor's own area, a foundry where there is one, another level.
    assert override.enterprise.jurisdiction_id == town.jurisdiction_id
    assert override.enterprise.sector_tags.filter(code="foundry").exists()
    assert override.level != EnterpriseGrade.objects.get(enterprise=override.enterprise).level
    # The county supervisor (not the requester) gets the approval form.
    response = client_for(client, users[Role.SUPERVISOR]).get(f"/grading/{override.enterprise_id}/")
    assert response.status_code == 200
    assert "审批调整申请" in response.content.decode()


@pytest.mark.django_db
def test_a_second_run_creates_nothing(demo_enterprises, users):
    town = users[Role.TOWN_SUPERVISOR]
    demo.load(demo_enterprises, town)
    before = counts()
    assert demo.load(demo_enterprises, town)["overrides"] == 0
    assert counts() == before


@pytest.mark.django_db
def test_an_override_decided_since_is_not_asked_for_again(demo_enterprises, users):
    from grading import services

    town = users[Role.TOWN_SUPERVISOR]
    demo.load(demo_enterprises, town)
    override = GradeOverride.objects.get(reason=demo.OVERRIDE_REASON)
    services.decide_override(users[Role.SUPERVISOR], override.pk, approved=False, note="证据不足")
    assert demo.load(demo_enterprises, town)["overrides"] == 0
    assert GradeOverride.objects.count() == 1
