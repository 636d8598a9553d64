"""Available actions: which buttons a role sees on a plan, a draw, an inspection and a penalty
case in each state that matters, from accounts.roles.PERMISSIONS and the object's state; and the
pages show exactly those."""

import re
from datetime import date

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from conftest import client_for
from enforcement.inspections.services import inspection_actions
from enforcement.models import (
    Draw,
    EnforcementPlan,
    Inspection,
    InspectionState,
    Penalty,
    PenaltyState,
    PlanStatus,
)
from enforcement.penalties import services as penalty_services
from enforcement.penalties.services import penalty_actions
from enforcement.plans.services import draw_actions, plan_actions

SUP, EO, TOWN = Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR


def _user(role, active=True):
    return User(username=f"u-{role}", role=role, is_active=active)


def _check(actions_of, obj, expected: dict):
    """Every role: the actions in `expected`, none for a role it does not name."""
    for role in Role:
        assert actions_of(_user(role), obj) == expected.get(role, []), role
    assert actions_of(_user(SUP, active=False), obj) == []


def test_plan_actions():
    _check(
        plan_actions,
        EnforcementPlan(status=PlanStatus.DRAFT),
        {
            SUP: ["edit", "refresh", "approve", "inspect"],
            EO: ["edit", "refresh", "inspect"],
            TOWN: ["inspect"],
        },
    )
    _check(
        plan_actions,
        EnforcementPlan(status=PlanStatus.APPROVED),
        {SUP: ["inspect"], EO: ["inspect"], TOWN: ["inspect"]},
    )


def test_draw_actions():
    _check(
        draw_actions,
        Draw(published=False),
        {
            SUP: ["publish", "outcome", "inspect"],
            EO: ["publish", "outcome", "inspect"],
            TOWN: ["inspect"],
        },
    )
    _check(
        draw_actions,
        Draw(published=True),
        {SUP: ["outcome", "inspect"], EO: ["outcome", "inspect"], TOWN: ["inspect"]},
    )


def test_inspection_actions():
    editing = ["answer", "evidence", "complete"]
    _check(
        inspection_actions,
        Inspection(state=InspectionState.DRAFT),
        {SUP: editing, EO: editing, TOWN: editing},
    )
    _check(
        inspection_actions,
        Inspection(state=InspectionState.COMPLETED, rectify_deadline=date(2026, 12, 31)),
        {SUP: ["recheck", "penalty"], EO: ["recheck", "penalty"], TOWN: ["recheck"]},
    )
    _check(
        inspection_actions,
        Inspection(state=InspectionState.COMPLETED, rectify_deadline=None),
        {SUP: ["penalty"], EO: ["penalty"]},
    )


def test_penalty_actions():
    open_case = Penalty(state=PenaltyState(code="filed", next_states=["notified", "closed"]))
    _check(penalty_actions, open_case, {SUP: ["advance"], EO: ["advance"]})
    closed = Penalty(state=PenaltyState(code="closed", next_states=[], is_final=True))
    _check(penalty_actions, closed, {})


def test_pages_show_the_actions(client, users, enterprise_a):
    """A closed case shows no handling form, and handling it anyway is refused on the page
    (its state), not as a 403 for a role that may handle cases; a role that may not is a 403."""
    enforcer = users[EO]
    penalty = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "未开展粉尘清扫", "《安全生产法》第一百零二条", 0
    )
    client_for(client, enforcer)
    assert 'name="to_state"' in client.get(f"/enforcement/penalties/{penalty.pk}/").text
    penalty_services.advance_penalty(enforcer, penalty.pk, "closed")
    page = client.get(f"/enforcement/penalties/{penalty.pk}/").text
    assert 'name="to_state"' not in page
    again = client.post(f"/enforcement/penalties/{penalty.pk}/", {"to_state": "notified"})
    assert again.status_code == 200 and "案件已结案，不能再办理" in again.text
    assert Penalty.objects.get().state_id == "closed"
    client_for(client, users[Role.COUNTY_ADMIN])
    refused = client.post(f"/enforcement/penalties/{penalty.pk}/", {"to_state": "notified"})
    assert refused.status_code == 403
    assert timezone.localdate() == Penalty.objects.get().closed_on


def test_the_penalty_form_asks_before_a_final_state_and_dates_the_decision_today(
    client, users, enterprise_a
):
    """结案 cannot be left again: its option carries the question the page's script asks
    (static/js/anjian.js); 告知 does not. The decision date starts at today."""
    enforcer = users[EO]
    penalty = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "未开展粉尘清扫", "《安全生产法》第一百零二条", 0
    )
    client_for(client, enforcer)
    page = client.get(f"/enforcement/penalties/{penalty.pk}/").text
    assert '<option value="closed" data-confirm="确定要将案件转为“结案”吗？' in page
    assert '<option value="notified">' in page
    [decided_on] = re.findall(r'<input [^>]*name="decided_on"[^>]*>', page)
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in decided_on
