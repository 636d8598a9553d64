"""The workbench's to-do items of expert services, and the demo data."""

import pytest

from accounts.roles import Role
from enterprises.models import ProcessKind, SectorTag
from experts import demo, services
from experts.models import ConfinedSpace, ExpertVisit
from experts.reference import VisitState
from experts.tests.conftest import diagnose, space_data
from hazards.models import Hazard
from hazards.states import Source
from workbench.items import items_for

pytestmark = pytest.mark.django_db


def _items(user):
    return {item.key: item for item in items_for(user)}


def test_an_expert_is_asked_for_visits_then_for_the_report(visit, visiting_expert, users):
    items = _items(visiting_expert)
    assert items["expert_visits_planned"].count == 1
    assert "expert_reports_due" not in items
    # The fixture's expert, on no visit, has nothing to do.
    assert "expert_visits_planned" not in _items(users[Role.EXPERT])
    diagnose(visiting_expert, visit, findings=0)
    items = _items(visiting_expert)
    assert "expert_visits_planned" not in items
    assert items["expert_reports_due"].count == 1
    services.issue_report(visiting_expert, visit.pk, summary="良好")
    items = _items(visiting_expert)
    assert "expert_reports_due" not in items and "expert_visits_started" not in items


def test_an_enterprise_with_confined_spaces_is_asked_for_its_ledger(users, enterprise_a):
    principal = users[Role.PRINCIPAL]
    assert "confined_ledger_missing" not in _items(principal)
    enterprise_a.process_kinds.add(ProcessKind.objects.get(pk="bin"))
    item = _items(principal)["confined_ledger_missing"]
    assert item.url == f"/experts/enterprises/{enterprise_a.pk}/spaces/"
    assert "confined_ledger_missing" not in _items(users[Role.EMPLOYEE])
    services.save_space(principal, enterprise_a.pk, **space_data())
    assert "confined_ledger_missing" not in _items(principal)


def test_the_demo_builds_ledgers_a_reported_and_a_planned_visit(
    users, enterprise_a, enterprise_a2, enterprise_b
):
    tag = SectorTag.objects.get(pk="confined_space")
    for enterprise in (enterprise_a, enterprise_b):
        enterprise.sector_tags.add(tag)
    expert = users[Role.EXPERT]
    expert.assigned_enterprises.clear()
    enterprises = [enterprise_a, enterprise_a2, enterprise_b]
    counts = demo.load(users[Role.SUPERVISOR], expert, enterprises)
    assert counts == {"spaces": 7, "visits": 2, "findings": 2}
    assert ConfinedSpace.objects.filter(enterprise=enterprise_a).count() == 3
    assert ConfinedSpace.objects.filter(enterprise=enterprise_b).count() == 4
    reported = ExpertVisit.objects.get(enterprise=enterprise_a)
    assert reported.state == VisitState.REPORTED and reported.report_number
    assert reported.parts.count() == 4
    assert Hazard.objects.filter(source=Source.EXPERT_VISIT, enterprise=enterprise_a).count() == 2
    assert ExpertVisit.objects.get(enterprise=enterprise_b).state == VisitState.PLANNED
    # A second run creates nothing and gives the expert back their visits' enterprises.
    expert.assigned_enterprises.clear()
    assert demo.load(users[Role.SUPERVISOR], expert, enterprises) == {
        "spaces": 0,
        "visits": 0,
        "findings": 0,
    }
    assigned = set(expert.assigned_enterprises.values_list("pk", flat=True))
    assert assigned == {enterprise_a.pk, enterprise_b.pk}
