"""The workbench's enforcement and duty items, kind by kind (random draws, the key-list plan,
penalty cases, the principal-led check), each for the role whose turn it is and not for the
others nor out of scope; and the enterprise's one page (本企业) of its managers."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for
from enforcement.models import (
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Inspection,
    InspectionState,
    Outcome,
    PlanItem,
    PlanStatus,
)
from enforcement.penalties import services as penalty_services
from enterprises.choices import Status
from enterprises.models import Enterprise
from grading import services as grading_services
from hazards import duties
from hazards import services as hazard_services
from hazards.models import Hazard, SelfInspection
from reporting import services as commitment_services
from workbench.items import DUE_SOON, OVERDUE, TO_ACT, enterprise_card, items_for

TODAY = date(2026, 12, 7)  # a Monday


# The fixtures' foundry has not drilled this half year and its principal is not trained
# (training): those items are left out with the duties' (training's own tests ask for them).
DUTY_KINDS = {"duty_own", "duty_missing", "drill_due", "drill_overdue", "principals_untrained"}


def kinds(user, today=TODAY, duties=False):
    """{kind: count}; the principal-led check's items (the fixtures' enterprises owe it) only
    when asked for."""
    return {
        item.key: item.count
        for item in items_for(user, today)
        if duties or item.key not in DUTY_KINDS
    }


def item(user, key, today=TODAY):
    return next(i for i in items_for(user, today) if i.key == key)


# --- random draws -------------------------------------------------------------------------------


def make_draw(user, *assignments):
    """A draw of the user's county with (enterprise, planned date, inspectors) assignments."""
    draw = Draw.objects.create(
        jurisdiction=user.jurisdiction,
        name="12月双随机抽查",
        enterprise_count=len(assignments),
        seed="s",
        inputs_hash="0" * 64,
        result_hash="0" * 64,
        drawn_by=user,
    )
    for position, (enterprise, planned, inspectors) in enumerate(assignments, start=1):
        row = DrawAssignment.objects.create(
            draw=draw, position=position, enterprise=enterprise, planned_date=planned
        )
        for n, inspector in enumerate(inspectors, start=1):
            row.inspector_rows.create(position=n, inspector=inspector)
    return draw


def test_an_enterprise_drawn_to_an_officer_waits_for_their_inspection(
    users, enterprise_a, enterprise_b, far_enterprise
):
    enforcer, supervisor = users[Role.ENFORCEMENT_OFFICER], users[Role.SUPERVISOR]
    draw = make_draw(
        supervisor,
        (enterprise_a, TODAY + timedelta(days=5), [enforcer]),
        (enterprise_b, TODAY - timedelta(days=1), [enforcer]),
        (far_enterprise, TODAY - timedelta(days=1), [enforcer]),  # another county: not theirs
    )
    assert kinds(enforcer) == {"draws": 1, "draws_overdue": 1}
    assert item(enforcer, "draws_overdue").urgency == OVERDUE
    assert item(enforcer, "draws").url == reverse("enforcement:draw", args=[draw.pk])
    # Who approves the plan follows every drawn enterprise of the area.
    assert kinds(supervisor)["draws"] == 1
    for role in (Role.COUNTY_ADMIN, Role.TOWN_SUPERVISOR, Role.PRINCIPAL, Role.GRID_MEMBER):
        assert not {"draws", "draws_overdue"} & set(kinds(users[role])), role
    DrawAssignment.objects.filter(enterprise=enterprise_b).update(
        outcome=Outcome.COMPLIANT, completed_on=TODAY
    )
    assert kinds(enforcer) == {"draws": 1}


def test_an_officer_not_drawn_has_nothing_to_inspect(users, county, enterprise_a):
    from conftest import make_user

    other = make_user("enforcer2", Role.ENFORCEMENT_OFFICER, county)
    make_draw(users[Role.SUPERVISOR], (enterprise_a, TODAY, [users[Role.ENFORCEMENT_OFFICER]]))
    assert "draws" not in kinds(other)


# --- the key-list plan --------------------------------------------------------------------------


def make_plan(user, status=PlanStatus.APPROVED, year=TODAY.year):
    return EnforcementPlan.objects.create(
        year=year, jurisdiction=user.jurisdiction, title="年度计划", status=status, created_by=user
    )


def completed_inspection(user, enterprise, plan_item=None, day=TODAY):
    return Inspection.objects.create(
        enterprise=enterprise,
        jurisdiction=user.jurisdiction,
        kind="on_site",
        state=InspectionState.COMPLETED,
        inspected_on=day,
        plan_item=plan_item,
        created_by=user,
    )


def test_a_key_list_inspection_due_this_month_and_one_overdue(
    users, enterprise_a, enterprise_a2, enterprise_b
):
    enforcer, supervisor = users[Role.ENFORCEMENT_OFFICER], users[Role.SUPERVISOR]
    plan = make_plan(supervisor)
    due = PlanItem.objects.create(plan=plan, enterprise=enterprise_a, reason="红色", months=[12])
    late = PlanItem.objects.create(
        plan=plan, enterprise=enterprise_a2, reason="橙色", visits=2, months=[6, 12]
    )
    later = PlanItem.objects.create(plan=plan, enterprise=enterprise_b, reason="黄色", months=[3])
    for entry in (due, late, later):
        entry.inspectors.set([enforcer])
    completed_inspection(supervisor, enterprise_b, later, date(2026, 3, 10))  # March's: done
    assert kinds(enforcer) == {"plan_due": 1, "plan_overdue": 1}
    assert item(enforcer, "plan_overdue").urgency == OVERDUE
    assert item(enforcer, "plan_due").url == reverse("enforcement:plan", args=[plan.pk])
    assert item(enforcer, "plan_due").urgency == TO_ACT
    assert item(enforcer, "plan_due", date(2026, 12, 29)).urgency == DUE_SOON
    assert {"plan_due", "plan_overdue"} <= set(kinds(supervisor))
    for role in (Role.COUNTY_ADMIN, Role.TOWN_SUPERVISOR, Role.PRINCIPAL):
        assert not {"plan_due", "plan_overdue"} & set(kinds(users[role])), role
    # June's visit was made late, in November: December's is still due.
    completed_inspection(supervisor, enterprise_a2, late, date(2026, 11, 20))
    completed_inspection(supervisor, enterprise_a, due)
    assert kinds(enforcer) == {"plan_due": 1}
    completed_inspection(supervisor, enterprise_a2, late)
    assert kinds(enforcer) == {}


def test_a_draft_plan_or_another_inspectors_entry_is_not_counted(users, enterprise_a):
    enforcer, supervisor = users[Role.ENFORCEMENT_OFFICER], users[Role.SUPERVISOR]
    draft = make_plan(supervisor, PlanStatus.DRAFT)
    PlanItem.objects.create(plan=draft, enterprise=enterprise_a, reason="红色", months=[12])
    approved = make_plan(supervisor, year=TODAY.year - 1)
    PlanItem.objects.create(plan=approved, enterprise=enterprise_a, reason="红色", months=[12])
    assert kinds(enforcer) == {} and kinds(supervisor) == {}
    mine = make_plan(supervisor, year=TODAY.year + 1)
    PlanItem.objects.create(plan=mine, enterprise=enterprise_a, reason="红色", months=[12])
    assert kinds(enforcer, date(TODAY.year + 1, 12, 1)) == {}  # not one of his entries
    assert kinds(supervisor, date(TODAY.year + 1, 12, 1)) == {"plan_due": 1}


# --- penalty cases ------------------------------------------------------------------------------


def test_a_penalty_case_waits_for_the_bureaus_next_step(users, enterprise_a):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    today = timezone.localdate()
    case = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "未按规定清理粉尘", "《安全生产法》第九十九条第（三）项",
        10000, filed_on=today - timedelta(days=40),
    )  # fmt: skip
    assert kinds(enforcer, today) == {"penalties_filed": 1}
    assert kinds(users[Role.SUPERVISOR], today) == {"penalties_filed": 1}
    assert item(enforcer, "penalties_filed", today).url.endswith("?state=filed")
    for role in (Role.TOWN_SUPERVISOR, Role.PRINCIPAL, Role.COUNTY_ADMIN):
        assert "penalties_filed" not in kinds(users[role], today), role
    assert penalty_services.next_step(case) == (
        "告知当事人拟作出的处罚及其陈述、申辩权利",
        f"执法人员（承办人 {enforcer.display_name}）",
    )
    penalty_services.advance_penalty(enforcer, case.pk, "notified")
    assert kinds(enforcer, today) == {"penalties_notified": 1}
    penalty_services.advance_penalty(
        enforcer, case.pk, "decided", decided_on=today - timedelta(days=10)
    )
    # Decided: the party's turn to pay, the bureau's again once the 15 days passed.
    assert kinds(enforcer, today) == {}
    case.refresh_from_db()
    assert penalty_services.next_step(case)[1] == f"当事企业（{enterprise_a.name}）"
    late = today + timedelta(days=6)
    assert kinds(enforcer, late) == {"penalties_unpaid": 1}
    assert item(enforcer, "penalties_unpaid", late).urgency == OVERDUE
    penalty_services.advance_penalty(enforcer, case.pk, "executed")
    assert kinds(enforcer, today) == {"penalties_executed": 1}
    penalty_services.advance_penalty(enforcer, case.pk, "closed")
    assert kinds(enforcer, today) == {}
    case.refresh_from_db()
    assert penalty_services.next_step(case) is None


def test_a_penalty_out_of_scope_is_not_counted(users, far_enterprise, county):
    from core.models import Jurisdiction
    from enforcement.models import Penalty

    far_county = Jurisdiction.objects.get(code="371521")
    Penalty.objects.create(
        enterprise=far_enterprise,
        jurisdiction=far_county,
        year=TODAY.year,
        serial=1,
        case_number="冠应急罚〔2026〕1号",
        violation="x",
        legal_basis="y",
        state_id="filed",
        filed_on=TODAY,
        created_by=users[Role.SUPERVISOR],
    )
    assert "penalties_filed" not in kinds(users[Role.ENFORCEMENT_OFFICER])


# --- the principal-led check --------------------------------------------------------------------


def lead_check(enterprise, day):
    return SelfInspection.objects.create(
        enterprise=enterprise, checked_on=day, led_by="王建国", led_by_principal=True
    )


def test_the_principal_led_check_is_owed_by_the_enterprise_and_followed_by_the_staff(
    users, outsider, enterprise_a, enterprise_a2
):
    principal, town = users[Role.PRINCIPAL], users[Role.TOWN_SUPERVISOR]
    own = item(principal, "duty_own")
    assert own.label == "2026年12月主要负责人带队检查未开展"  # a foundry: monthly
    assert own.url == reverse("hazards:self_inspection_new") and own.urgency == TO_ACT
    assert item(principal, "duty_own", date(2026, 12, 28)).urgency == DUE_SOON
    assert kinds(users[Role.SAFETY_OFFICER], duties=True)["duty_own"] == 1
    assert kinds(town, duties=True)["duty_missing"] == 2
    assert item(town, "duty_missing").url == reverse("hazards:duties")
    assert kinds(users[Role.SUPERVISOR], duties=True)["duty_missing"] == 3  # the county: both towns
    assert kinds(outsider, duties=True)["duty_missing"] == 1
    for role in (Role.EMPLOYEE, Role.EXPERT, Role.GRID_MEMBER):
        assert not {"duty_own", "duty_missing"} & set(kinds(users[role], duties=True)), role
    # A November check does not do for December (monthly); for a quarterly one it does.
    lead_check(enterprise_a, date(2026, 11, 20))
    lead_check(enterprise_a2, date(2026, 10, 15))
    assert "duty_own" in kinds(principal, duties=True)
    assert kinds(town, duties=True)["duty_missing"] == 1
    lead_check(enterprise_a, date(2026, 12, 1))
    assert "duty_own" not in kinds(principal, duties=True)
    assert "duty_missing" not in kinds(town, duties=True)
    # A stopped enterprise runs no checks.
    Enterprise.objects.filter(pk=enterprise_a2.pk).update(status=Status.SUSPENDED)
    assert "duty_missing" not in kinds(town, duties=True)


@pytest.mark.parametrize("today", [date(2026, 12, 7), date(2026, 11, 30), date(2027, 1, 2)])
def test_the_staff_count_agrees_with_the_duty_board(
    users, enterprise_a, enterprise_a2, enterprise_b, today
):
    from enterprises.models import SectorTag

    # enterprise_b: a tag without a rule of its own beside a monthly one.
    ruleless = SectorTag.objects.filter(duty_rule__isnull=True).first()
    enterprise_b.sector_tags.set([ruleless, SectorTag.objects.get(code="foundry")])
    lead_check(enterprise_a, date(2026, 11, 20))
    lead_check(enterprise_a2, date(2026, 10, 15))
    lead_check(enterprise_b, date(2026, 12, 1))
    SelfInspection.objects.create(
        enterprise=enterprise_a, checked_on=today, led_by="李强", led_by_principal=False
    )
    for user in (users[Role.TOWN_SUPERVISOR], users[Role.SUPERVISOR]):
        board = {s.enterprise_id for s in duties.for_user(user, today) if not s.done}
        operating = Enterprise.objects.for_user(user).filter(status=Status.OPERATING)
        assert set(duties.missing(operating, today).values_list("pk", flat=True)) == board


def test_the_staff_count_is_one_query_and_the_rules(users, django_assert_num_queries):
    town = users[Role.TOWN_SUPERVISOR]
    operating = Enterprise.objects.for_user(town).filter(status=Status.OPERATING)
    with django_assert_num_queries(2):  # the duty rules (a handful of rows), the count
        duties.missing(operating, TODAY).count()


# --- the enterprise's one page ------------------------------------------------------------------


def test_the_principal_sees_the_enterprise_on_one_page(client, users, enterprise_a):
    principal = users[Role.PRINCIPAL]
    grading_services.recompute(users[Role.SUPERVISOR], enterprise_a.pk)
    commitment_services.record(
        principal,
        kind="zero_out",
        committer_name="王建国",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    hazard_services.report(principal, enterprise_a.pk, source="other", description="配电箱未锁")
    major = hazard_services.report(
        principal, enterprise_a.pk, source="other", description="除尘器未接地"
    )
    Hazard.objects.filter(pk=major.pk).update(is_major=True)
    card = enterprise_card(principal, TODAY)
    assert card.enterprise == enterprise_a and card.grade is not None
    assert (card.open_majors, card.open_general) == (1, 1)
    assert card.duty.months == 1 and not card.duty.done
    assert card.commitment.period_end == date(2026, 12, 31)
    assert card.must_connect and not card.connected  # a foundry must connect (task 14)
    client_for(client, principal)
    page = client.get(reverse("home")).content.decode()
    assert 'id="enterprise-card"' in page and enterprise_a.name in page
    assert card.grade.get_level_display() in page
    assert "有效至 2026-12-31" in page
    assert "应接入，24 小时内无安全监测数据" in page
    for role in (Role.EMPLOYEE, Role.TOWN_SUPERVISOR, Role.SUPERVISOR):
        assert enterprise_card(users[role], TODAY) is None, role


def test_the_card_takes_the_same_queries_however_much_the_enterprise_holds(users, enterprise_a):
    principal = users[Role.PRINCIPAL]
    enterprise_card(principal, TODAY)  # warm the workday calendar
    with CaptureQueriesContext(connection) as few:
        enterprise_card(principal, TODAY)
    for n in range(5):
        hazard_services.report(principal, enterprise_a.pk, source="other", description=f"隐患{n}")
        lead_check(enterprise_a, date(2026, 12, 1) + timedelta(days=n))
    with CaptureQueriesContext(connection) as many:
        card = enterprise_card(principal, TODAY)
    assert card.open_general == 5 and card.duty.done
    assert len(many) == len(few) <= 8
