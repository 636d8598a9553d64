"""The demo's enforcement (enforcement.demo, called by load_demo after the grades): the year's
plan, a published and verifiable draw with a recusal at work, two checklist inspections (one
found wanting: hazards and the 责令限期整改指令书), a case at 告知 and a closed one; dates in the
current year before today; nothing new on a second run; the draw's public page without log-in.
(load_demo itself: demo/tests/test_load_demo.py.)"""

from datetime import date

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import make_enterprise, make_user
from enforcement import demo
from enforcement.models import (
    AssignmentInspector,
    Conflict,
    DocumentKind,
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Inspection,
    InspectionAnswer,
    InspectionDocument,
    Penalty,
    PenaltyEvent,
    PlanItem,
    PlanStatus,
    Result,
)
from enforcement.plans import services
from enterprises.models import Enterprise, SectorTag
from grading import demo as grading_demo
from grading.models import EnterpriseGrade, GradeChange, GradeOverride
from hazards.models import Hazard

MODELS = [
    EnforcementPlan,
    PlanItem,
    Conflict,
    Draw,
    DrawAssignment,
    AssignmentInspector,
    Inspection,
    InspectionAnswer,
    InspectionDocument,
    Penalty,
    PenaltyEvent,
    Hazard,
    EnterpriseGrade,
    GradeChange,
    GradeOverride,
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def setting(county, town_a, town_b):
    """Sixteen demo enterprises (a few foundries, a wood-dust works) in two towns, the county's
    supervisor and four enforcement officers with badge numbers, graded as load_demo does."""
    tags = {t.code: t for t in SectorTag.objects.filter(code__in=["foundry", "combustible_dust"])}
    enterprises = []
    for i in range(16):
        extra = {"dust_class": "wood", "dust_workers": 12} if i == 5 else {}
        enterprise = make_enterprise(
            town_a if i % 2 else town_b,
            None,
            serial=400 + i,
            name=f"演示{i:02d}有限公司",
            is_demo=True,
            **extra,
        )
        if i in (2, 7):
            enterprise.sector_tags.set([tags["foundry"]])
        if i == 5:
            enterprise.sector_tags.set([tags["combustible_dust"]])
        enterprises.append(enterprise)
    supervisor = make_user("demo_supervisor", Role.SUPERVISOR, county)
    officers = []
    for n in range(1, 5):
        officer = make_user(f"demo_zhifa{n}", Role.ENFORCEMENT_OFFICER, county)
        officer.badge_number = f"3715260{n:02d}"
        officer.save()
        officers.append(officer)
    grading_demo.load(enterprises, make_user("demo_town", Role.TOWN_SUPERVISOR, town_a))
    return supervisor, officers


def in_the_year_before_today(day: date) -> bool:
    today = timezone.localdate()
    return day.year == today.year and (day < today or today == date(today.year, 1, 1))


@pytest.mark.django_db
def test_load_makes_the_year_of_enforcement(setting):
    supervisor, officers = setting
    created = demo.load(supervisor, [supervisor, *officers])
    main = ("plans", "conflicts", "draws", "inspections", "penalties")
    assert {key: created[key] for key in main} == {
        "plans": 1,
        "conflicts": 1,
        "draws": 1,
        "inspections": 2,
        "penalties": 2,
    }
    today = timezone.localdate()

    plan = EnforcementPlan.objects.get()
    assert (plan.year, plan.status) == (today.year, PlanStatus.APPROVED)
    assert services.plan_totals(plan)["meets_share"]
    assert in_the_year_before_today(timezone.localtime(plan.approved_at).date())

    draw = Draw.objects.get()
    assert draw.published and draw.seed == f"gaotang-demo-{today.year}"
    assert not draw.seed_generated
    assert draw.assignments.count() == demo.DRAW_SIZE
    assert all(a.inspector_rows.count() == 2 for a in draw.assignments.all())
    assert services.verify(draw).ok
    assert in_the_year_before_today(timezone.localtime(draw.drawn_at).date())
    assert all(in_the_year_before_today(a.planned_date) for a in draw.assignments.all())
    # The declared conflict recuses its officer from the first enterprise drawn.
    conflict = Conflict.objects.get()
    first = draw.assignments.get(position=1)
    assert conflict.enterprise_id == first.enterprise_id
    assert draw.exclusions == {str(first.enterprise_id): [conflict.inspector_id]}
    assert conflict.inspector_id not in first.inspector_rows.values_list("inspector", flat=True)

    wanting, clean = Inspection.objects.order_by("assignment__position")
    for inspection in (wanting, clean):
        assert inspection.state == "completed"
        assert in_the_year_before_today(inspection.inspected_on)
        assert inspection.assignment.outcome
    bad = wanting.answers.filter(result=Result.NOT_COMPLIANT)
    assert bad.count() >= 1 and all(a.hazard_id for a in bad)
    assert set(wanting.documents.values_list("kind", flat=True)) == {
        DocumentKind.RECORD,
        DocumentKind.RECTIFY_ORDER,
    }
    assert not clean.answers.filter(result=Result.NOT_COMPLIANT).exists()
    assert list(clean.documents.values_list("kind", flat=True)) == [DocumentKind.RECORD]

    open_case = Penalty.objects.get(inspection=wanting)
    assert open_case.state_id == "notified"
    closed = Penalty.objects.get(state_id="closed", violation=demo.PENALTY_CLOSED[0])
    for case in (open_case, closed):
        assert in_the_year_before_today(case.filed_on)
    assert in_the_year_before_today(closed.closed_on)
    assert closed.decided_on and closed.filed_on <= closed.decided_on <= closed.closed_on
    assert list(closed.events.order_by("at", "id").values_list("to_state", flat=True)) == [
        "filed",
        "notified",
        "decided",
        "executed",
        "closed",
    ]


@pytest.mark.django_db
def test_a_second_run_creates_nothing(setting):
    supervisor, officers = setting
    demo.load(supervisor, [supervisor, *officers])
    before = counts()
    assert not any(demo.load(supervisor, [supervisor, *officers]).values())
    assert counts() == before


@pytest.mark.django_db
def test_the_demo_draw_is_public_without_log_in(setting, client):
    supervisor, officers = setting
    demo.load(supervisor, [supervisor, *officers])
    draw = Draw.objects.get()
    response = client.get(f"/public/draws/{draw.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert draw.seed in page
    for assignment in draw.assignments.select_related("enterprise"):
        assert assignment.enterprise.name in page
    assert client.get(f"/public/draws/{draw.pk}/inputs.json").status_code == 200


@pytest.mark.django_db
def test_load_makes_remote_cases_assistance_and_public_cases(setting):
    from enforcement.models import AssistanceRecord, PublicCase, RemoteInspection

    supervisor, officers = setting
    enterprise = Enterprise.objects.filter(is_demo=True).order_by("pk").first()
    principal = make_user("demo_principal", Role.PRINCIPAL, enterprise=enterprise)
    created = demo.load(supervisor, [supervisor, *officers, principal])
    assert created["remote"] == 2
    states = dict(RemoteInspection.objects.values_list("question", "state"))
    assert states == {demo.REMOTE_AWAITING: "awaiting", demo.REMOTE_DECIDED: "decided"}
    decided = RemoteInspection.objects.get(question=demo.REMOTE_DECIDED)
    assert decided.hazard.source == "remote_enforcement"
    assert created["assistance"] == AssistanceRecord.objects.count() <= 1
    assert created["public_cases"] == PublicCase.objects.filter(published=True).count()
    again = demo.load(supervisor, [supervisor, *officers, principal])
    assert (again["remote"], again["assistance"], again["public_cases"]) == (0, 0, 0)
