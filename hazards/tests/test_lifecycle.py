"""The hazard ledger's closed loop through hazards.services: report → confirm → plan → start →
submit → close, for a general and for a major hazard, with the event trail each step leaves.

Every refused action is checked for its Chinese reason and for changing nothing: the hazard row,
its events and its extension requests are exactly as before. A user outside the enterprise's
scope never learns the hazard exists: the service raises DoesNotExist (a 404 in the views)
before any role or state check could answer with a reason.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import UPPER_ROLES, Role
from conftest import make_user
from enterprises.models import Enterprise, SectorTag
from hazards import services
from hazards.models import (
    CriterionScope,
    Extension,
    Hazard,
    HazardEvent,
    ListedLevel,
    MajorHazardCriterion,
    Source,
    State,
    Suspension,
)
from hazards.services import TransitionRefused
from hazards.tests.roles import BUREAU, MANAGERS
from hazards.transitions import reviewed_inside

# Who may take each action, stated here rather than read from hazards.transitions so that the table
# itself is under test.
ALLOWED = {
    "confirm": BUREAU,
    "reject": BUREAU,
    "judge_major": BUREAU,
    "plan": MANAGERS,
    "start": MANAGERS,
    "submit": MANAGERS,
    "close": BUREAU,
    "return": BUREAU,
    "request_extension": MANAGERS,
    "decide_extension": BUREAU,
    "list": BUREAU,
    "suspend": BUREAU,
}
# The review steps: the bureau's for a hazard found by others or a major one, the enterprise's
# own for a general hazard it found itself (test_internal_review.py).
REVIEW_STEPS = {"confirm", "reject", "close", "return", "decide_extension"}
LABELS = {
    "confirm": "确认隐患",
    "reject": "不予确认",
    "judge_major": "认定重大隐患",
    "plan": "制定整改方案",
    "start": "开始整改",
    "submit": "提交验收",
    "close": "验收销号",
    "return": "退回整改",
    "request_extension": "申请延期",
    "decide_extension": "审批延期",
    "list": "挂牌督办",
    "suspend": "责令停产停用",
}
# The state each action is taken from in the matrices below, and whether it needs a major
# hazard (listing and suspension do) or a pending extension request.
SETUP = {
    "confirm": (State.REPORTED, False),
    "reject": (State.REPORTED, False),
    "judge_major": (State.REPORTED, False),
    "plan": (State.CONFIRMED, False),
    "start": (State.PLANNED, False),
    "submit": (State.RECTIFYING, False),
    "close": (State.SUBMITTED, False),
    "return": (State.SUBMITTED, False),
    "request_extension": (State.PLANNED, False),
    "decide_extension": (State.PLANNED, False),
    "list": (State.CONFIRMED, True),
    "suspend": (State.CONFIRMED, True),
}
# A source each role may claim when reporting.
OWN_SOURCE = {
    Role.COUNTY_ADMIN: Source.ENFORCEMENT,
    Role.SUPERVISOR: Source.ENFORCEMENT,
    Role.ENFORCEMENT_OFFICER: Source.ENFORCEMENT,
    Role.TOWN_SUPERVISOR: Source.ENFORCEMENT,
    Role.GRID_MEMBER: Source.PUBLIC_TIP,
    Role.EXPERT: Source.EXPERT,
    # "other", not self-inspection: a general hazard the enterprise found itself is reviewed
    # inside it (test_internal_review.py); these matrices are of the staff's review.
    Role.PRINCIPAL: Source.OTHER,
    Role.SAFETY_OFFICER: Source.OTHER,
    Role.EMPLOYEE: Source.EMPLOYEE_REPORT,
}
PATH = [State.REPORTED, State.CONFIRMED, State.PLANNED, State.RECTIFYING, State.SUBMITTED]
EVIDENCE = "已在打磨工位加装集尘罩并更换防爆电机，整改照片已上传"


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def criterion_for_all():
    criterion, _ = MajorHazardCriterion.objects.get_or_create(
        article=3,
        item=1,
        defaults={
            "text": "测试用条目：适用于所有工贸企业",
            "scope": CriterionScope.ALL,
            "source": "工贸企业重大事故隐患判定标准 第三条",
        },
    )
    return criterion


def criterion_for_dust():
    criterion, _ = MajorHazardCriterion.objects.get_or_create(
        article=11,
        item=3,
        defaults={
            "text": "测试用条目：适用于粉尘涉爆企业",
            "scope": CriterionScope.SECTOR,
            "sector_tag": SectorTag.objects.get(code="combustible_dust"),
            "source": "工贸企业重大事故隐患判定标准 第十一条",
        },
    )
    return criterion


def plan_args(major, **changes):
    args = {
        "owner": "李强",
        "measures": "打磨工位加装集尘罩，更换防爆电机",
        "deadline": days(30),
    }
    if major:
        args.update(funds=Decimal("85000.00"), contingency_plan="整改期间停用打磨线，人员撤离")
    args.update(changes)
    return args


def build(enterprise, manager, verifier, state, *, major=False, reporter=None):
    """A hazard of `enterprise` brought to `state` through the services, reported by
    `reporter` (default: the manager), worked on by `manager` (an enterprise manager) and
    judged by `verifier` (bureau staff)."""
    reporter = reporter or manager
    hazard = services.report(
        reporter,
        enterprise.pk,
        source=OWN_SOURCE[reporter.role],
        description="打磨工位未设置除尘设施，粉尘积聚",
        place="铸造车间打磨工位",
        criterion_id=criterion_for_all().pk if major else None,
    )
    pk = hazard.pk
    if reviewed_inside(hazard):
        # A general hazard the enterprise found itself (an employee's report) is reviewed
        # inside it: by its principal, who neither reported nor submits it here.
        verifier = User.objects.get(enterprise=enterprise, role=Role.PRINCIPAL)
    if state == State.REJECTED:
        services.reject(verifier, pk, "现场核查不属实")
        return Hazard.objects.get(pk=pk)
    steps = {
        State.CONFIRMED: lambda: services.confirm(verifier, pk),
        State.PLANNED: lambda: services.plan(manager, pk, **plan_args(major)),
        State.RECTIFYING: lambda: services.start(manager, pk),
        State.SUBMITTED: lambda: services.submit(manager, pk, EVIDENCE),
        State.CLOSED: lambda: services.close(verifier, pk),
    }
    for step in list(steps)[: [*PATH, State.CLOSED].index(state)]:
        steps[step]()
    return Hazard.objects.get(pk=pk)


def snapshot(hazard):
    """Everything a refused action must leave alone."""
    row = Hazard.objects.get(pk=hazard.pk)
    return (
        {f.attname: getattr(row, f.attname) for f in Hazard._meta.concrete_fields},
        list(HazardEvent.objects.filter(hazard_id=hazard.pk).values()),
        list(Extension.objects.filter(hazard_id=hazard.pk).values()),
    )


def assert_refused(hazard, reason, action):
    before = snapshot(hazard)
    with pytest.raises(TransitionRefused) as refused:
        action()
    assert str(refused.value) == reason
    assert snapshot(hazard) == before


def trail(hazard):
    return [
        (e.action, e.from_state, e.to_state, e.actor_id, e.note)
        for e in HazardEvent.objects.filter(hazard_id=hazard.pk).order_by("at", "id")
    ]


def take(action, user, hazard):
    """Take `action` on `hazard` as `user`, with arguments that would be accepted."""
    pk = hazard.pk
    if action == "confirm":
        return services.confirm(user, pk, "情况属实")
    if action == "reject":
        return services.reject(user, pk, "现场核查不属实")
    if action == "judge_major":
        return services.judge_major(user, pk, is_major=True, criterion_id=criterion_for_all().pk)
    if action == "plan":
        return services.plan(user, pk, **plan_args(hazard.is_major))
    if action == "start":
        return services.start(user, pk)
    if action == "submit":
        return services.submit(user, pk, EVIDENCE)
    if action == "close":
        return services.close(user, pk, "验收合格")
    if action == "return":
        return services.send_back(user, pk, "集尘罩风量不足")
    if action == "request_extension":
        return services.request_extension(user, pk, new_deadline=days(60), reason="设备到货延迟")
    if action == "decide_extension":
        extension = Extension.objects.get(hazard_id=pk, approved__isnull=True)
        return services.decide_extension(user, extension.pk, approved=True, note="同意")
    if action == "list":
        return services.list_for_supervision(
            user, pk, level=ListedLevel.COUNTY, body="高唐县应急管理局"
        )
    if action == "suspend":
        return services.suspend(user, pk, suspension=Suspension.PRODUCTION)
    raise AssertionError(action)


def prepare(action, enterprise, manager, verifier, reporter=None):
    state, major = SETUP[action]
    hazard = build(enterprise, manager, verifier, state, major=major, reporter=reporter)
    if action == "decide_extension":
        services.request_extension(manager, hazard.pk, new_deadline=days(60), reason="设备到货延迟")
    return hazard


@pytest.fixture
def hazard_in(users, enterprise_a, officer, town):
    """A hazard of enterprise_a in the given state, worked by its safety officer and town A's
    supervisor."""

    def make(state, major=False):
        return build(enterprise_a, officer, town, state, major=major)

    return make


# --- the closed loop ---------------------------------------------------------------------------


def test_general_hazard_goes_from_report_to_close_with_an_event_for_every_step(
    enterprise_a, officer, town
):
    hazard = services.report(
        officer,
        enterprise_a.pk,
        source=Source.OTHER,  # reviewed by the town (its own finding: test_internal_review)
        description="  打磨工位未设置除尘设施  ",
        place="铸造车间",
        found_on=days(-2),
    )
    assert hazard.state == State.REPORTED
    assert not hazard.is_major
    assert hazard.criterion is None
    assert hazard.description == "打磨工位未设置除尘设施"
    assert hazard.found_on == days(-2)
    assert hazard.reported_by == officer
    assert hazard.found_by == officer.display_name

    assert services.confirm(town, hazard.pk, "情况属实").state == State.CONFIRMED
    planned = services.plan(
        officer, hazard.pk, owner=" 李强 ", measures="加装集尘罩", deadline=days(20)
    )
    assert planned.state == State.PLANNED
    assert (planned.owner, planned.measures, planned.deadline) == ("李强", "加装集尘罩", days(20))
    assert planned.funds is None
    assert planned.contingency_plan == ""
    assert services.start(officer, hazard.pk, "已采购设备").state == State.RECTIFYING
    submitted = services.submit(officer, hazard.pk, f"  {EVIDENCE}  ")
    assert submitted.state == State.SUBMITTED
    assert submitted.evidence == EVIDENCE
    assert submitted.submitted_by == officer

    before = timezone.now()
    services.close(town, hazard.pk, "验收合格")
    after = timezone.now()

    hazard.refresh_from_db()
    assert hazard.state == State.CLOSED
    assert not hazard.is_open
    assert hazard.closed_by == town
    assert before <= hazard.closed_at <= after
    assert trail(hazard) == [
        ("report", "", State.REPORTED, officer.pk, ""),
        ("confirm", State.REPORTED, State.CONFIRMED, town.pk, "情况属实"),
        ("plan", State.CONFIRMED, State.PLANNED, officer.pk, ""),
        ("start", State.PLANNED, State.RECTIFYING, officer.pk, "已采购设备"),
        ("submit", State.RECTIFYING, State.SUBMITTED, officer.pk, ""),
        ("close", State.SUBMITTED, State.CLOSED, town.pk, "验收合格"),
    ]
    assert hazard.events.get(action="report").payload == {"major": False}
    assert all(e.notified_at is None for e in hazard.events.all())


def test_major_hazard_goes_through_five_elements_supervision_and_suspension_to_close(
    enterprise_a, officer, principal, town, county_supervisor
):
    criterion = criterion_for_all()
    hazard = services.report(
        officer,
        enterprise_a.pk,
        source=Source.SELF_INSPECTION,
        description="承包单位在厂区作业未纳入统一管理",
        criterion_id=criterion.pk,
    )
    assert hazard.is_major
    assert hazard.criterion == criterion

    services.confirm(town, hazard.pk, "情况属实")
    services.list_for_supervision(
        county_supervisor, hazard.pk, level=ListedLevel.COUNTY, body="高唐县应急局"
    )
    services.suspend(
        county_supervisor, hazard.pk, suspension=Suspension.EQUIPMENT, equipment="2号打磨线"
    )
    planned = services.plan(
        principal,
        hazard.pk,
        owner="王建国",
        measures="签订安全管理协议并纳入统一检查",
        deadline=days(15),
        funds=Decimal("12000.50"),
        contingency_plan="作业前安全交底，设专人监护",
    )
    assert planned.state == State.PLANNED
    assert planned.funds == Decimal("12000.50")
    assert planned.contingency_plan == "作业前安全交底，设专人监护"
    services.start(principal, hazard.pk)
    services.submit(principal, hazard.pk, EVIDENCE)

    hazard.refresh_from_db()
    assert hazard.listed_level == ListedLevel.COUNTY
    assert hazard.listed_by == "高唐县应急局"
    assert hazard.suspension == Suspension.EQUIPMENT
    assert hazard.suspended_equipment == "2号打磨线"

    services.close(county_supervisor, hazard.pk, "验收合格，恢复使用")

    hazard.refresh_from_db()
    assert hazard.state == State.CLOSED
    assert hazard.closed_by == county_supervisor
    assert hazard.closed_at is not None
    assert hazard.suspension == Suspension.NONE
    assert hazard.suspended_equipment == ""
    assert hazard.listed_level == ListedLevel.COUNTY  # the listing stays on the record
    assert trail(hazard) == [
        ("report", "", State.REPORTED, officer.pk, ""),
        ("confirm", State.REPORTED, State.CONFIRMED, town.pk, "情况属实"),
        ("list", State.CONFIRMED, State.CONFIRMED, county_supervisor.pk, ""),
        ("suspend", State.CONFIRMED, State.CONFIRMED, county_supervisor.pk, ""),
        ("plan", State.CONFIRMED, State.PLANNED, principal.pk, ""),
        ("start", State.PLANNED, State.RECTIFYING, principal.pk, ""),
        ("submit", State.RECTIFYING, State.SUBMITTED, principal.pk, ""),
        ("close", State.SUBMITTED, State.CLOSED, county_supervisor.pk, "验收合格，恢复使用"),
    ]
    events = {e.action: e.payload for e in hazard.events.all()}
    assert events["report"] == {"major": True}
    assert events["list"] == {"level": "county", "body": "高唐县应急局"}
    assert events["suspend"] == {"suspension": "equipment", "equipment": "2号打磨线"}


def test_reject_with_a_reason_ends_the_hazard_as_rejected(hazard_in, town):
    hazard = hazard_in(State.REPORTED)
    services.reject(town, hazard.pk, "  现场核查不属实  ")
    hazard.refresh_from_db()
    assert hazard.state == State.REJECTED
    assert not hazard.is_open
    assert trail(hazard)[-1] == (
        "reject",
        State.REPORTED,
        State.REJECTED,
        town.pk,
        "现场核查不属实",
    )


def test_return_with_a_reason_sends_the_hazard_back_to_rectifying_and_it_can_be_resubmitted(
    hazard_in, officer, town
):
    hazard = hazard_in(State.SUBMITTED)
    services.send_back(town, hazard.pk, "集尘罩风量不足")
    hazard.refresh_from_db()
    assert hazard.state == State.RECTIFYING
    assert trail(hazard)[-1] == (
        "return",
        State.SUBMITTED,
        State.RECTIFYING,
        town.pk,
        "集尘罩风量不足",
    )
    services.submit(officer, hazard.pk, "已更换大风量风机")
    services.close(town, hazard.pk)
    hazard.refresh_from_db()
    assert hazard.state == State.CLOSED
    assert hazard.evidence == "已更换大风量风机"


# --- who may act ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "role"),
    [(action, role) for action, roles in ALLOWED.items() for role in Role if role not in roles],
    ids=lambda value: str(value),
)
def test_a_role_not_allowed_is_refused_and_nothing_changes(
    action, role, users, enterprise_a, officer, town
):
    # An employee sees only the hazards they reported; on those, the role is what refuses.
    reporter = users[role] if role == Role.EMPLOYEE else officer
    hazard = prepare(action, enterprise_a, officer, town, reporter=reporter)
    reason = f"您的角色不能{LABELS[action]}"
    if action in REVIEW_STEPS and role in MANAGERS:
        # Managers review their enterprise's own general hazards, but not this one.
        reason = f"该隐患须由监管部门{LABELS[action]}"
    assert_refused(hazard, reason, lambda: take(action, users[role], hazard))


@pytest.mark.parametrize(
    ("action", "role"),
    [(action, role) for action, roles in ALLOWED.items() for role in sorted(roles)],
    ids=lambda value: str(value),
)
def test_an_allowed_role_takes_the_action_and_is_recorded_as_actor(
    action, role, users, enterprise_a, officer, town
):
    hazard = prepare(action, enterprise_a, officer, town)
    before = hazard.events.count()
    take(action, users[role], hazard)
    event = hazard.events.order_by("at", "id").last()
    assert hazard.events.count() == before + 1
    assert (event.action, event.actor) == (action, users[role])


def test_employee_confirming_town_supervisor_planning_principal_closing_are_refused(
    enterprise_a, officer, employee, town, principal, hazard_in
):
    reported = build(enterprise_a, officer, town, State.REPORTED, reporter=employee)
    assert_refused(
        reported, "您的角色不能确认隐患", lambda: services.confirm(employee, reported.pk)
    )
    assert_refused(
        reported,
        "企业自查发现的一般隐患由企业自行确认隐患",
        lambda: services.confirm(town, reported.pk),
    )
    confirmed = hazard_in(State.CONFIRMED)
    assert_refused(
        confirmed,
        "您的角色不能制定整改方案",
        lambda: services.plan(town, confirmed.pk, **plan_args(False)),
    )
    submitted = hazard_in(State.SUBMITTED)
    assert_refused(
        submitted, "该隐患须由监管部门验收销号", lambda: services.close(principal, submitted.pk)
    )


# --- wrong state -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "state_label"),
    [
        (State.PLANNED, "submit", "已制定整改方案"),  # submit before start
        (State.RECTIFYING, "close", "整改中"),  # close before submit
        (State.CONFIRMED, "confirm", "已确认"),  # confirm twice
        (State.CONFIRMED, "start", "已确认"),  # start without a plan
        (State.REPORTED, "plan", "待确认"),  # plan before confirmation
        (State.RECTIFYING, "return", "整改中"),  # return what was not submitted
        (State.SUBMITTED, "judge_major", "已提交验收"),
        (State.REPORTED, "request_extension", "待确认"),
        (State.REJECTED, "confirm", "不予确认"),
        (State.CLOSED, "close", "已销号"),
        (State.CLOSED, "return", "已销号"),
    ],
)
def test_an_action_from_the_wrong_state_is_refused_and_nothing_changes(
    state, action, state_label, hazard_in, users
):
    hazard = hazard_in(state)
    actor = users[Role.SAFETY_OFFICER if ALLOWED[action] == MANAGERS else Role.TOWN_SUPERVISOR]
    assert_refused(
        hazard,
        f"隐患当前状态为“{state_label}”，不能{LABELS[action]}",
        lambda: take(action, actor, hazard),
    )


def test_a_major_hazard_cannot_skip_planning(hazard_in, officer):
    hazard = hazard_in(State.CONFIRMED, major=True)
    assert_refused(
        hazard,
        "隐患当前状态为“已确认”，不能开始整改",
        lambda: services.start(officer, hazard.pk),
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_without_a_reason_is_refused(hazard_in, town, reason):
    hazard = hazard_in(State.REPORTED)
    assert_refused(hazard, "不予确认须填写理由", lambda: services.reject(town, hazard.pk, reason))


@pytest.mark.parametrize("reason", ["", "  "])
def test_return_without_a_reason_is_refused(hazard_in, town, reason):
    hazard = hazard_in(State.SUBMITTED)
    assert_refused(
        hazard, "退回整改须填写理由", lambda: services.send_back(town, hazard.pk, reason)
    )


@pytest.mark.parametrize("evidence", ["", "   "])
def test_submit_without_evidence_is_refused(hazard_in, officer, evidence):
    hazard = hazard_in(State.RECTIFYING)
    assert_refused(
        hazard,
        "提交验收须填写整改情况说明",
        lambda: services.submit(officer, hazard.pk, evidence),
    )


@pytest.mark.parametrize("evidence", ["", "  \n "])
def test_close_without_evidence_is_refused(hazard_in, town, evidence):
    hazard = hazard_in(State.SUBMITTED)
    Hazard.objects.filter(pk=hazard.pk).update(evidence=evidence)
    assert_refused(hazard, "没有整改情况说明，不能销号", lambda: services.close(town, hazard.pk))


def test_the_one_who_submitted_cannot_close_but_another_verifier_can(
    hazard_in, town, county_supervisor
):
    hazard = hazard_in(State.SUBMITTED)
    Hazard.objects.filter(pk=hazard.pk).update(submitted_by=town)
    assert_refused(hazard, "不能验收本人提交的整改", lambda: services.close(town, hazard.pk))

    services.close(county_supervisor, hazard.pk)
    hazard.refresh_from_db()
    assert (hazard.state, hazard.closed_by) == (State.CLOSED, county_supervisor)


# --- the rectification plan --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"funds": None, "contingency_plan": ""}, "整改资金、应急预案"),
        ({"funds": None}, "整改资金"),
        ({"contingency_plan": "   "}, "应急预案"),
    ],
)
def test_a_major_hazard_plan_without_funds_or_contingency_plan_is_refused_listing_what_is_missing(
    hazard_in, officer, changes, missing
):
    hazard = hazard_in(State.CONFIRMED, major=True)
    assert_refused(
        hazard,
        f"重大事故隐患须落实“五落实”，缺少：{missing}",
        lambda: services.plan(officer, hazard.pk, **plan_args(True, **changes)),
    )


def test_a_major_hazard_plan_with_zero_funds_counts_as_stated(hazard_in, officer):
    hazard = hazard_in(State.CONFIRMED, major=True)
    services.plan(officer, hazard.pk, **plan_args(True, funds=Decimal("0")))
    hazard.refresh_from_db()
    assert (hazard.state, hazard.funds) == (State.PLANNED, Decimal("0"))


def test_a_general_hazard_plans_without_funds_or_contingency_plan(hazard_in, officer):
    hazard = hazard_in(State.CONFIRMED)
    services.plan(officer, hazard.pk, owner="李强", measures="加装集尘罩", deadline=days(10))
    hazard.refresh_from_db()
    assert hazard.state == State.PLANNED
    assert hazard.funds is None
    assert hazard.contingency_plan == ""


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"deadline": days(-1)}, "整改期限不能早于今天"),
        ({"deadline": None}, "请填写整改期限"),
        ({"owner": " "}, "请填写整改责任人"),
        ({"measures": ""}, "请填写整改措施"),
        ({"funds": Decimal("-1")}, "整改资金不能为负数"),
    ],
    ids=["past-deadline", "no-deadline", "no-owner", "no-measures", "negative-funds"],
)
def test_an_incomplete_or_impossible_plan_is_refused(hazard_in, officer, changes, reason):
    hazard = hazard_in(State.CONFIRMED)
    assert_refused(
        hazard, reason, lambda: services.plan(officer, hazard.pk, **plan_args(False, **changes))
    )


def test_a_plan_due_today_is_accepted(hazard_in, officer):
    hazard = hazard_in(State.CONFIRMED)
    services.plan(officer, hazard.pk, **plan_args(False, deadline=today()))
    hazard.refresh_from_db()
    assert hazard.deadline == today()


# --- extensions --------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, -5], ids=["same-day", "earlier"])
def test_an_extension_must_move_the_deadline_later(hazard_in, officer, offset):
    hazard = hazard_in(State.PLANNED)
    assert_refused(
        hazard,
        "延期后的期限须晚于原整改期限",
        lambda: services.request_extension(
            officer,
            hazard.pk,
            new_deadline=hazard.deadline + datetime.timedelta(offset),
            reason="设备到货延迟",
        ),
    )


def test_an_extension_request_needs_a_reason(hazard_in, officer):
    hazard = hazard_in(State.PLANNED)
    assert_refused(
        hazard,
        "申请延期须填写理由",
        lambda: services.request_extension(officer, hazard.pk, new_deadline=days(60), reason=""),
    )


def test_an_extension_request_is_recorded_without_moving_the_deadline_and_only_one_may_pend(
    hazard_in, officer, principal
):
    hazard = hazard_in(State.RECTIFYING)
    old = hazard.deadline
    extension = services.request_extension(
        officer, hazard.pk, new_deadline=days(60), reason=" 设备到货延迟 "
    )
    hazard.refresh_from_db()
    assert hazard.deadline == old
    assert hazard.state == State.RECTIFYING
    assert (extension.old_deadline, extension.new_deadline) == (old, days(60))
    assert (extension.reason, extension.requested_by, extension.approved) == (
        "设备到货延迟",
        officer,
        None,
    )
    assert trail(hazard)[-1] == (
        "request_extension",
        State.RECTIFYING,
        State.RECTIFYING,
        officer.pk,
        " 设备到货延迟 ",
    )
    assert hazard.events.last().payload == {"new_deadline": days(60).isoformat()}

    assert_refused(
        hazard,
        "已有待审批的延期申请",
        lambda: services.request_extension(
            principal, hazard.pk, new_deadline=days(90), reason="再延"
        ),
    )


def test_an_approved_extension_moves_the_deadline_and_cannot_be_decided_twice(
    hazard_in, officer, town, county_supervisor
):
    hazard = hazard_in(State.PLANNED)
    extension = services.request_extension(
        officer, hazard.pk, new_deadline=days(60), reason="设备到货延迟"
    )
    decided = services.decide_extension(town, extension.pk, approved=True, note="同意")
    hazard.refresh_from_db()
    assert hazard.deadline == days(60)
    assert (decided.approved, decided.decided_by, decided.decision_note) == (True, town, "同意")
    assert decided.decided_at is not None
    assert trail(hazard)[-1] == (
        "decide_extension",
        State.PLANNED,
        State.PLANNED,
        town.pk,
        "同意",
    )
    assert hazard.events.last().payload == {"approved": True, "new_deadline": days(60).isoformat()}

    assert_refused(
        hazard,
        "该延期申请已审批",
        lambda: services.decide_extension(
            county_supervisor, extension.pk, approved=False, note="不同意"
        ),
    )
    # Once decided, a new request may be made.
    services.request_extension(officer, hazard.pk, new_deadline=days(70), reason="仍需时间")


def test_refusing_an_extension_needs_a_note_and_keeps_the_deadline(hazard_in, officer, town):
    hazard = hazard_in(State.PLANNED)
    old = hazard.deadline
    extension = services.request_extension(
        officer, hazard.pk, new_deadline=days(60), reason="设备到货延迟"
    )
    assert_refused(
        hazard,
        "不予延期须填写审批意见",
        lambda: services.decide_extension(town, extension.pk, approved=False, note=" "),
    )
    decided = services.decide_extension(town, extension.pk, approved=False, note="理由不充分")
    hazard.refresh_from_db()
    assert hazard.deadline == old
    assert (decided.approved, decided.decision_note) == (False, "理由不充分")


# --- major hazards: judging, supervision, suspension -------------------------------------------


def test_judge_major_with_a_criterion_that_does_not_apply_to_the_enterprise_is_refused(
    hazard_in, town, enterprise_a
):
    hazard = hazard_in(State.CONFIRMED)
    dust = criterion_for_dust()
    assert_refused(
        hazard,
        "所选判定标准条目不适用于该企业",
        lambda: services.judge_major(town, hazard.pk, is_major=True, criterion_id=dust.pk),
    )
    # Once the enterprise is tagged as dust-explosive, the same criterion applies.
    enterprise_a.sector_tags.add(dust.sector_tag)
    services.judge_major(town, hazard.pk, is_major=True, criterion_id=dust.pk)
    hazard.refresh_from_db()
    assert (hazard.is_major, hazard.criterion) == (True, dust)


def test_judge_major_by_criterion_or_by_reason_and_back_to_general_with_a_reason(hazard_in, town):
    hazard = hazard_in(State.RECTIFYING)
    criterion = criterion_for_all()
    services.judge_major(town, hazard.pk, is_major=True, criterion_id=criterion.pk)
    hazard.refresh_from_db()
    assert (hazard.is_major, hazard.criterion, hazard.state) == (
        True,
        criterion,
        State.RECTIFYING,
    )

    assert_refused(
        hazard,
        "未对应判定标准条目时，须填写认定理由",
        lambda: services.judge_major(town, hazard.pk, is_major=False),
    )
    services.judge_major(town, hazard.pk, is_major=False, reason="复核后不属于重大隐患")
    hazard.refresh_from_db()
    assert (hazard.is_major, hazard.criterion, hazard.major_reason) == (
        False,
        None,
        "复核后不属于重大隐患",
    )
    services.judge_major(town, hazard.pk, is_major=True, reason="多次整改不到位")
    hazard.refresh_from_db()
    assert (hazard.is_major, hazard.criterion, hazard.major_reason) == (
        True,
        None,
        "多次整改不到位",
    )
    assert [e.payload for e in hazard.events.filter(action="judge_major")] == [
        {"major": True},
        {"major": False},
        {"major": True},
    ]


def test_only_a_major_hazard_is_listed_for_supervision(hazard_in, county_supervisor):
    general = hazard_in(State.CONFIRMED)
    assert_refused(
        general,
        "只有重大事故隐患可以挂牌督办",
        lambda: services.list_for_supervision(
            county_supervisor, general.pk, level=ListedLevel.COUNTY, body="高唐县应急局"
        ),
    )
    major = hazard_in(State.CONFIRMED, major=True)
    assert_refused(
        major,
        "请选择督办级别",
        lambda: services.list_for_supervision(
            county_supervisor, major.pk, level="town", body="镇政府"
        ),
    )
    assert_refused(
        major,
        "请填写督办单位",
        lambda: services.list_for_supervision(
            county_supervisor, major.pk, level=ListedLevel.CITY, body=""
        ),
    )
    services.list_for_supervision(
        county_supervisor, major.pk, level=ListedLevel.CITY, body="聊城市应急局"
    )
    major.refresh_from_db()
    assert (major.listed_level, major.listed_by) == (ListedLevel.CITY, "聊城市应急局")


def test_only_a_major_hazard_is_suspended(hazard_in, county_supervisor):
    general = hazard_in(State.RECTIFYING)
    assert_refused(
        general,
        "只有重大事故隐患可以责令停产停用",
        lambda: services.suspend(county_supervisor, general.pk, suspension=Suspension.PRODUCTION),
    )
    major = hazard_in(State.RECTIFYING, major=True)
    assert_refused(
        major,
        "请填写停用的设施设备",
        lambda: services.suspend(county_supervisor, major.pk, suspension=Suspension.EQUIPMENT),
    )
    assert_refused(
        major,
        "请选择停产或停用",
        lambda: services.suspend(county_supervisor, major.pk, suspension="partial"),
    )
    services.suspend(county_supervisor, major.pk, suspension=Suspension.PRODUCTION)
    major.refresh_from_db()
    assert (major.suspension, major.suspended_equipment) == (Suspension.PRODUCTION, "")


def test_suspension_is_lifted_when_the_hazard_is_closed(hazard_in, officer, county_supervisor):
    hazard = hazard_in(State.RECTIFYING, major=True)
    services.suspend(county_supervisor, hazard.pk, suspension=Suspension.PRODUCTION)
    services.submit(officer, hazard.pk, EVIDENCE)
    hazard.refresh_from_db()
    assert hazard.suspension == Suspension.PRODUCTION  # still stopped while awaiting checks
    services.close(county_supervisor, hazard.pk)
    hazard.refresh_from_db()
    assert hazard.suspension == Suspension.NONE


# --- reporting ---------------------------------------------------------------------------------


def test_a_report_matched_to_a_criterion_is_major_from_the_start(enterprise_a, employee):
    criterion = criterion_for_all()
    hazard = services.report(
        employee,
        enterprise_a.pk,
        source=Source.EMPLOYEE_REPORT,
        description="外包施工队动火作业无人监护",
        found_by="赵师傅",
        criterion_id=criterion.pk,
    )
    assert (hazard.is_major, hazard.criterion, hazard.found_by) == (True, criterion, "赵师傅")
    assert Hazard.objects.major().filter(pk=hazard.pk).exists()


def assert_report_refused(reason, **call):
    before = (Hazard.objects.count(), HazardEvent.objects.count())
    with pytest.raises(TransitionRefused) as refused:
        services.report(**call)
    assert str(refused.value) == reason
    assert (Hazard.objects.count(), HazardEvent.objects.count()) == before


def test_a_report_with_a_criterion_that_does_not_apply_is_refused(enterprise_a, officer):
    assert_report_refused(
        "所选判定标准条目不适用于该企业",
        user=officer,
        enterprise_id=enterprise_a.pk,
        source=Source.SELF_INSPECTION,
        description="除尘系统未设置泄爆装置",
        criterion_id=criterion_for_dust().pk,
    )


def test_a_report_with_an_inactive_criterion_is_refused(enterprise_a, officer):
    criterion = criterion_for_all()
    MajorHazardCriterion.objects.filter(pk=criterion.pk).update(active=False)
    assert_report_refused(
        "所选判定标准条目不适用于该企业",
        user=officer,
        enterprise_id=enterprise_a.pk,
        source=Source.SELF_INSPECTION,
        description="外包施工队未纳入统一管理",
        criterion_id=criterion.pk,
    )


def test_an_employee_may_not_claim_an_enforcement_source(enterprise_a, employee):
    assert_report_refused(
        "您登记的隐患来源只能是：员工报告",
        user=employee,
        enterprise_id=enterprise_a.pk,
        source=Source.ENFORCEMENT,
        description="配电箱门未关闭",
    )


def test_an_enterprise_manager_may_not_claim_an_expert_source(enterprise_a, officer):
    with pytest.raises(TransitionRefused, match=r"^您登记的隐患来源只能是："):
        services.report(
            officer,
            enterprise_a.pk,
            source=Source.EXPERT,
            description="配电箱门未关闭",
        )
    assert not Hazard.objects.exists()


@pytest.mark.parametrize("role", [r for r in Role if r not in UPPER_ROLES], ids=str)
def test_every_role_reports_with_a_source_it_may_claim(role, users, enterprise_a):
    hazard = services.report(
        users[role], enterprise_a.pk, source=OWN_SOURCE[role], description="消防通道堵塞"
    )
    assert (hazard.state, hazard.reported_by, hazard.source) == (
        State.REPORTED,
        users[role],
        OWN_SOURCE[role],
    )


def test_a_future_found_on_is_refused(enterprise_a, officer):
    assert_report_refused(
        "发现日期不能晚于今天",
        user=officer,
        enterprise_id=enterprise_a.pk,
        source=Source.SELF_INSPECTION,
        description="配电箱门未关闭",
        found_on=days(1),
    )


def test_a_report_without_a_description_is_refused(enterprise_a, officer):
    assert_report_refused(
        "请填写隐患描述",
        user=officer,
        enterprise_id=enterprise_a.pk,
        source=Source.SELF_INSPECTION,
        description="   ",
    )


# --- scoping -----------------------------------------------------------------------------------

SERVICES = list(ALLOWED)  # every transition; report is checked separately below


@pytest.fixture
def enterprise_b_staff(enterprise_b):
    """Enterprise B's people, one per enterprise role: strangers to enterprise_a."""
    return {
        role: make_user(f"{role}_b", role, enterprise=enterprise_b)
        for role in (Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE)
    }


def assert_hidden(hazard, action, user, expected=None):
    before = snapshot(hazard)
    if expected is None:
        hidden_extension = action == "decide_extension"
        expected = Extension.DoesNotExist if hidden_extension else Hazard.DoesNotExist
    with pytest.raises(expected):
        take(action, user, hazard)
    assert snapshot(hazard) == before


# Roles of the conftest's users that do not see enterprise_b (town B): town A's supervisor, the
# grid member of town A, the expert assigned to enterprise_a only, and enterprise_a's people.
NOT_SEEING_B = [
    Role.TOWN_SUPERVISOR,
    Role.GRID_MEMBER,
    Role.EXPERT,
    Role.PRINCIPAL,
    Role.SAFETY_OFFICER,
    Role.EMPLOYEE,
]


@pytest.mark.parametrize("action", SERVICES)
@pytest.mark.parametrize("role", NOT_SEEING_B, ids=str)
def test_a_hazard_of_another_town_is_not_found_for_any_role_outside_it(
    action, role, users, enterprise_b, enterprise_b_staff, outsider
):
    hazard = prepare(action, enterprise_b, enterprise_b_staff[Role.SAFETY_OFFICER], outsider)
    assert_hidden(hazard, action, users[role])


@pytest.mark.parametrize("action", SERVICES)
@pytest.mark.parametrize(
    "stranger", ["town_b_supervisor", Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE], ids=str
)
def test_a_hazard_is_not_found_by_the_other_town_or_another_enterprise(
    action, stranger, enterprise_a, officer, town, outsider, enterprise_b_staff
):
    hazard = prepare(action, enterprise_a, officer, town)
    user = outsider if stranger == "town_b_supervisor" else enterprise_b_staff[stranger]
    assert_hidden(hazard, action, user)


@pytest.mark.parametrize("action", SERVICES)
def test_a_hazard_of_another_enterprise_in_the_same_town_is_not_found_by_outsiders_to_it(
    action, users, enterprise_a2, town
):
    manager = make_user("safety_a2", Role.SAFETY_OFFICER, enterprise=enterprise_a2)
    hazard = prepare(action, enterprise_a2, manager, town)
    for role in (Role.GRID_MEMBER, Role.EXPERT, Role.PRINCIPAL, Role.EMPLOYEE):
        assert_hidden(hazard, action, users[role])


@pytest.mark.parametrize("role", NOT_SEEING_B, ids=str)
def test_reporting_on_an_enterprise_outside_the_scope_is_not_found(role, users, enterprise_b):
    with pytest.raises(Enterprise.DoesNotExist):
        services.report(
            users[role], enterprise_b.pk, source=OWN_SOURCE[role], description="消防通道堵塞"
        )
    assert not Hazard.objects.exists()


@pytest.mark.parametrize(
    "stranger", ["town_b_supervisor", Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE], ids=str
)
def test_reporting_on_enterprise_a_by_the_other_town_or_another_enterprise_is_not_found(
    stranger, enterprise_a, outsider, enterprise_b_staff
):
    user = outsider if stranger == "town_b_supervisor" else enterprise_b_staff[stranger]
    source = Source.ENFORCEMENT if stranger == "town_b_supervisor" else OWN_SOURCE[stranger]
    with pytest.raises(Enterprise.DoesNotExist):
        services.report(user, enterprise_a.pk, source=source, description="消防通道堵塞")
    assert not Hazard.objects.exists()


@pytest.mark.parametrize("role", sorted(BUREAU - {Role.TOWN_SUPERVISOR}), ids=str)
def test_county_roles_see_hazards_of_every_town(
    role, users, enterprise_b, enterprise_b_staff, outsider
):
    hazard = build(enterprise_b, enterprise_b_staff[Role.SAFETY_OFFICER], outsider, State.SUBMITTED)
    services.close(users[role], hazard.pk)
    hazard.refresh_from_db()
    assert (hazard.state, hazard.closed_by) == (State.CLOSED, users[role])


@pytest.mark.parametrize("action", SERVICES)
def test_an_employee_does_not_find_hazards_of_their_enterprise_reported_by_others(
    action, enterprise_a, officer, employee, town
):
    hazard = prepare(action, enterprise_a, officer, town)
    # The extension request itself is in the employee's scope; its hazard is not.
    assert_hidden(hazard, action, employee)


def test_an_employee_finds_the_hazard_they_reported(enterprise_a, employee):
    hazard = services.report(
        employee, enterprise_a.pk, source=Source.EMPLOYEE_REPORT, description="消防通道堵塞"
    )
    assert list(Hazard.objects.for_user(employee)) == [hazard]


def test_only_staff_who_confirm_may_report_a_hazard_confirmed_on_site(users, enterprise_a):
    deadline = timezone.localdate() + datetime.timedelta(days=15)
    with pytest.raises(TransitionRefused, match="您的角色不能现场确认隐患") as refused:
        services.report(
            users[Role.SAFETY_OFFICER],
            enterprise_a.pk,
            source="self_inspection",
            description="配电箱未上锁",
            ordered_by=deadline,
        )
    assert refused.value.status == 403
    hazard = services.report(
        users[Role.TOWN_SUPERVISOR],
        enterprise_a.pk,
        source="enforcement",
        description="配电箱未上锁",
        ordered_by=deadline,
    )
    assert hazard.state == "confirmed" and hazard.deadline == deadline


def test_staff_do_not_confirm_a_hazard_they_reported_but_a_colleague_does(users, enterprise_a):
    town = users[Role.TOWN_SUPERVISOR]
    hazard = services.report(town, enterprise_a.pk, source="public_tip", description="夜间违规生产")
    assert "confirm" not in services.available_actions(town, hazard)
    with pytest.raises(TransitionRefused, match="不能确认本人登记的隐患") as refused:
        services.confirm(town, hazard.pk, "属实")
    assert refused.value.status == 403
    hazard.refresh_from_db()
    assert hazard.state == "reported"
    county = users[Role.SUPERVISOR]
    assert "confirm" in services.available_actions(county, hazard)
    assert services.confirm(county, hazard.pk, "属实").state == "confirmed"
