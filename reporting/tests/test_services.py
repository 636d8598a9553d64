"""Recording, withdrawing, breaking and revoking through reporting.services: the rules, the
event row each step leaves, who hears of it, and every refusal with its Chinese reason, its
status and nothing changed. An object outside the user's scope is DoesNotExist (a 404) before
any role or state check could answer."""

import datetime

import pytest

from accounts.roles import Role
from core.models import Notification
from enterprises.models import Enterprise
from reporting import services
from reporting.kinds import KINDS, WORK_TYPES, CommitmentKind, WorkType, default_content
from reporting.models import (
    BreachCause,
    CommitmentBreach,
    EventAction,
    SafetyCommitment,
    Status,
)
from reporting.services import CommitmentRefused
from reporting.tests.conftest import days, high_risk, post, this_year, today, world, zero_out
from reporting.tests.roles import BREACHERS, RECORDERS, REVOKERS, ROLES


def assert_refused(message, status, action):
    before = world()
    with pytest.raises(CommitmentRefused) as refused:
        action()
    assert (str(refused.value), refused.value.status) == (message, status)
    assert world() == before


def trail(commitment):
    return [
        (e.action, e.actor_id, e.breach_id, e.note) for e in commitment.events.order_by("at", "id")
    ]


# --- the data ----------------------------------------------------------------------------------


def test_every_kind_and_work_type_has_standard_wording_and_a_source():
    for kind, rule in KINDS.items():
        assert "任务7" in rule.source
        if kind != CommitmentKind.HIGH_RISK_WORK:
            assert "承诺" in default_content(kind)
    assert "动态清零" in default_content(CommitmentKind.ZERO_OUT)
    assert set(WORK_TYPES) == set(WorkType.values)
    for work, rule in WORK_TYPES.items():
        text = default_content(CommitmentKind.HIGH_RISK_WORK, work)
        assert WorkType(work).label in text
        assert rule.measures in text
        assert rule.source
    assert "先通风、再检测、后作业" in default_content(
        CommitmentKind.HIGH_RISK_WORK, WorkType.CONFINED_SPACE
    )
    assert default_content(CommitmentKind.HIGH_RISK_WORK, "") == ""


# --- recording ---------------------------------------------------------------------------------


def test_a_principal_records_the_zero_out_commitment_with_the_standard_text(
    principal, enterprise_a
):
    start, end = this_year()
    commitment = services.record(
        principal,
        kind="zero_out",
        committer_name="  王建国 ",
        period_start=start,
        period_end=end,
        signed_on=start,
    )
    commitment.refresh_from_db()
    assert commitment.enterprise == enterprise_a  # the manager's own enterprise
    assert (commitment.committer_name, commitment.committer_post) == ("王建国", "主要负责人")
    assert commitment.content == default_content(CommitmentKind.ZERO_OUT)
    assert commitment.work_type == ""
    assert (commitment.recorded_by, commitment.signed_on) == (principal, start)
    assert commitment.status() == Status.ACTIVE
    assert commitment.title == "动态清零承诺"
    [(action, actor, breach, note)] = trail(commitment)
    assert (action, actor, breach) == (EventAction.RECORDED, principal.pk, None)
    assert "王建国" in note and f"{start:%Y-%m-%d}" in note


def test_a_zero_out_commitment_tells_the_town(
    principal, town, enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        zero_out(enterprise_a, recorder=principal)
    [note] = Notification.objects.filter(recipient=town)
    assert note.title == f"【安全承诺】{enterprise_a.name}"
    assert not Notification.objects.filter(recipient=principal).exists()


def test_a_high_risk_work_commitment_takes_its_work_types_text(officer, enterprise_a):
    commitment = services.record(
        officer,
        kind="high_risk_work",
        work_type="silo_cleaning",
        committer_name="赵刚",
        committer_post="原料车间主任",
        period_start=today(),
        period_end=days(10),
        content="   ",
    )
    assert commitment.content == default_content(CommitmentKind.HIGH_RISK_WORK, "silo_cleaning")
    assert "筒仓清库作业" in commitment.content
    assert commitment.title == "筒仓清库作业安全承诺"
    assert commitment.signed_on == today()
    assert commitment.status() == Status.ACTIVE


def test_own_wording_is_kept(officer):
    commitment = services.record(
        officer,
        kind="post",
        committer_name="李强",
        committer_post="浇注工",
        period_start=days(1),
        period_end=days(200),
        content="本人承诺严格执行浇注岗位操作规程。",
    )
    assert commitment.content == "本人承诺严格执行浇注岗位操作规程。"
    assert commitment.status() == Status.PENDING


@pytest.mark.parametrize("role", ROLES)
def test_only_an_enterprises_managers_record(users, enterprise_a, role):
    start, end = this_year()

    def act():
        return services.record(
            users[role],
            enterprise_id=enterprise_a.pk,
            kind="zero_out",
            committer_name="王建国",
            period_start=start,
            period_end=end,
        )

    if role in RECORDERS:
        assert act().enterprise == enterprise_a
    else:
        assert_refused("您的角色不能登记安全承诺", 403, act)


def test_a_manager_cannot_record_for_another_enterprise(principal, enterprise_b):
    start, end = this_year()
    before = world()
    with pytest.raises(Enterprise.DoesNotExist):
        services.record(
            principal,
            enterprise_id=enterprise_b.pk,
            kind="zero_out",
            committer_name="王建国",
            period_start=start,
            period_end=end,
        )
    assert world() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "promise"}, "请选择承诺类型"),
        ({"kind": "high_risk_work"}, "请选择高风险作业类型"),
        ({"kind": "high_risk_work", "work_type": "diving"}, "请选择高风险作业类型"),
        ({"work_type": "hot_work"}, "只有高风险作业安全承诺需要选择作业类型"),
        ({"committer_name": "  "}, "请填写承诺人姓名"),
        ({"committer_name": "王" * 41}, "内容过长（最多40个字）"),
        ({"committer_name": "王\x00"}, "内容含有控制字符或无效字符，请删除后重试"),
        ({"kind": "post", "committer_post": ""}, "请填写承诺人岗位"),
        ({"committer_post": "岗" * 61}, "内容过长（最多60个字）"),
        ({"content": "承诺\x00"}, "内容含有控制字符或无效字符，请删除后重试"),
        ({"period_start": None}, "请填写承诺期的起止日期"),
        ({"period_end": None}, "请填写承诺期的起止日期"),
        ({"period_start": 10, "period_end": 9}, "承诺期结束日期不能早于开始日期"),
        ({"period_start": -400, "period_end": 1000}, "承诺期最长三年"),
        ({"period_start": -30, "period_end": -1}, "承诺期已结束，不能登记"),
        ({"signed_on": 1}, "签订日期不能晚于今天"),
        (
            {"period_start": -30, "period_end": 0, "signed_on": 0},
            None,
        ),
    ],
)
def test_bad_data_is_refused(officer, changes, message):
    values = {
        "kind": "zero_out",
        "committer_name": "王建国",
        "period_start": days(-10),
        "period_end": days(100),
    }
    # Dates are given as days from today and become dates only now: a date computed when the
    # tests were collected would be a day off in a run that crosses midnight.
    values.update(
        {key: days(value) if isinstance(value, int) else value for key, value in changes.items()}
    )
    if message is None:  # the edge that is allowed: a period ending today
        assert services.record(officer, **values).period_end == today()
        return
    assert_refused(message, 422, lambda: services.record(officer, **values))


def test_zero_out_periods_may_not_overlap(principal, enterprise_a, enterprise_b):
    start, end = this_year()
    first = zero_out(enterprise_a, recorder=principal)
    message = (
        f"该企业已有{start:%Y-%m-%d}至{end:%Y-%m-%d}的主要负责人“动态清零”承诺，承诺期不能重叠"
    )
    assert_refused(
        message, 409, lambda: zero_out(enterprise_a, days(0), days(30), recorder=principal)
    )
    assert_refused(message, 409, lambda: zero_out(enterprise_a, end, end + (end - start)))
    # The next year is another period; another enterprise is another commitment; posts may
    # overlap as they like.
    following = zero_out(enterprise_a, *services.period_for_year(end.year + 1))
    assert following.period_start == end + datetime.timedelta(days=1)
    assert zero_out(enterprise_b).enterprise == enterprise_b
    post(enterprise_a)
    post(enterprise_a)
    # A withdrawn one no longer blocks.
    services.withdraw(principal, following.pk, reason="登记有误")
    assert zero_out(enterprise_a, following.period_start, following.period_end)
    assert first.status() == Status.ACTIVE


# --- withdrawing -------------------------------------------------------------------------------


def test_a_commitment_is_withdrawn_before_its_period_with_a_reason(principal, enterprise_a):
    commitment = post(enterprise_a, period_start=days(3), period_end=days(60))
    services.withdraw(principal, commitment.pk, reason="  岗位调整，重新签订  ")
    commitment.refresh_from_db()
    assert commitment.withdrawn_at is not None
    reason = "岗位调整，重新签订"
    assert (commitment.withdrawn_by, commitment.withdraw_reason) == (principal, reason)
    assert commitment.status() == Status.WITHDRAWN
    assert trail(commitment)[-1] == (EventAction.WITHDRAWN, principal.pk, None, reason)
    assert SafetyCommitment.objects.filter(pk=commitment.pk).exists()  # never deleted
    assert_refused(
        "该承诺已撤回", 409, lambda: services.withdraw(principal, commitment.pk, reason="再次")
    )


def test_a_commitment_in_force_cannot_be_withdrawn(principal, enterprise_a):
    commitment = zero_out(enterprise_a, recorder=principal)
    start = commitment.period_start
    assert_refused(
        f"承诺期已于{start:%Y-%m-%d}开始，不能撤回",
        409,
        lambda: services.withdraw(principal, commitment.pk, reason="不想承诺了"),
    )
    starts_today = post(enterprise_a, period_start=today())
    assert_refused(
        f"承诺期已于{today():%Y-%m-%d}开始，不能撤回",
        409,
        lambda: services.withdraw(principal, starts_today.pk, reason="x"),
    )


def test_withdrawing_needs_a_reason(principal, enterprise_a):
    commitment = post(enterprise_a, period_start=days(3))
    assert_refused(
        "请填写撤回理由", 422, lambda: services.withdraw(principal, commitment.pk, reason=" ")
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_withdraws(users, enterprise_a, role):
    commitment = post(enterprise_a, period_start=days(3))

    def act():
        return services.withdraw(users[role], commitment.pk, reason="登记有误")

    if role in RECORDERS:
        assert act().withdrawn_at is not None
    else:
        assert_refused("您的角色不能撤回安全承诺", 403, act)


def test_another_enterprises_commitment_is_not_found(principal, enterprise_b):
    commitment = post(enterprise_b, period_start=days(3))
    before = world()
    with pytest.raises(SafetyCommitment.DoesNotExist):
        services.withdraw(principal, commitment.pk, reason="")
    with pytest.raises(SafetyCommitment.DoesNotExist):
        services.record_breach(principal, commitment.pk, description="")
    assert world() == before


# --- breaches ----------------------------------------------------------------------------------


def test_a_supervisor_records_a_breach_and_the_enterprise_hears(
    users,
    town,
    enterprise_a,
    principal,
    officer,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    commitment = post(enterprise_a, period_start=days(-20))
    with django_capture_on_commit_callbacks(execute=True):
        breach = services.record_breach(
            town,
            commitment.pk,
            description="  检查发现浇注工未佩戴防护面罩  ",
            found_on=days(-2),
        )
    breach.refresh_from_db()
    assert (breach.enterprise, breach.commitment, breach.found_on) == (
        enterprise_a,
        commitment,
        days(-2),
    )
    assert (breach.cause, breach.hazard, breach.recorded_by) == (BreachCause.REPORTED, None, town)
    assert breach.description == "检查发现浇注工未佩戴防护面罩"
    assert trail(commitment)[-1] == (
        EventAction.BREACH_RECORDED,
        town.pk,
        breach.pk,
        "检查发现浇注工未佩戴防护面罩",
    )
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {principal.username, officer.username}


@pytest.mark.parametrize("role", ROLES)
def test_who_records_a_breach(users, enterprise_a, role):
    commitment = post(enterprise_a)

    def act():
        return services.record_breach(users[role], commitment.pk, description="未按规程作业")

    if role in BREACHERS:
        assert act().recorded_by == users[role]
    else:
        assert_refused("您的角色不能记录违反承诺", 403, act)


@pytest.mark.parametrize(
    ("found_on", "description", "message"),
    [
        (None, "  ", "请填写违反承诺的情形"),
        (1, "未佩戴", "发现日期不能晚于今天"),
        (-30, "未佩戴", None),  # before the period: filled in below
    ],
)
def test_bad_breaches_are_refused(town, enterprise_a, found_on, description, message):
    commitment = post(enterprise_a, period_start=days(-10))
    if message is None:
        message = f"发现日期须在承诺期内（{days(-10):%Y-%m-%d}至{days(180):%Y-%m-%d}）"
    found = days(found_on) if found_on is not None else None
    assert_refused(
        message,
        422,
        lambda: services.record_breach(
            town, commitment.pk, description=description, found_on=found
        ),
    )


def test_a_withdrawn_commitment_takes_no_breach(principal, town, enterprise_a):
    commitment = post(enterprise_a, period_start=days(2))
    services.withdraw(principal, commitment.pk, reason="登记有误")
    assert_refused(
        "该承诺已撤回，不能记录违反承诺",
        409,
        lambda: services.record_breach(town, commitment.pk, description="未佩戴"),
    )


def test_a_breach_outside_the_town_is_not_found(outsider, enterprise_a):
    commitment = post(enterprise_a)
    with pytest.raises(SafetyCommitment.DoesNotExist):
        services.record_breach(outsider, commitment.pk, description="未佩戴")


@pytest.mark.parametrize("role", ROLES)
def test_who_revokes_a_breach(users, enterprise_a, role):
    commitment = post(enterprise_a)
    breach = services.record_breach(users[Role.TOWN_SUPERVISOR], commitment.pk, description="误记")

    def act():
        return services.revoke_breach(users[role], breach.pk, reason="记录有误")

    if role in REVOKERS:
        act()
        breach.refresh_from_db()
        assert (breach.revoked_by, breach.revoke_reason) == (users[role], "记录有误")
        assert breach.is_revoked
        assert trail(commitment)[-1] == (
            EventAction.BREACH_REVOKED,
            users[role].pk,
            breach.pk,
            "记录有误",
        )
        assert CommitmentBreach.objects.standing().count() == 0
        assert CommitmentBreach.objects.count() == 1  # kept on record
    else:
        assert_refused("您的角色不能撤销违反承诺记录", 403, act)


def test_revoking_needs_a_reason_and_happens_once(county_supervisor, town, enterprise_a):
    breach = services.record_breach(town, post(enterprise_a).pk, description="误记")
    assert_refused(
        "请填写撤销理由",
        422,
        lambda: services.revoke_breach(county_supervisor, breach.pk, reason=""),
    )
    services.revoke_breach(county_supervisor, breach.pk, reason="记录有误")
    assert_refused(
        "该违反承诺记录已撤销",
        409,
        lambda: services.revoke_breach(county_supervisor, breach.pk, reason="再次"),
    )


def test_a_revoker_of_another_county_does_not_find_the_breach(town, enterprise_a):
    from conftest import make_user
    from core.models import Jurisdiction, JurisdictionKind

    other = Jurisdiction.objects.create(code="371521", name="冠县", kind=JurisdictionKind.COUNTY)
    stranger = make_user("guanxian", Role.SUPERVISOR, other)
    breach = services.record_breach(town, post(enterprise_a).pk, description="误记")
    with pytest.raises(CommitmentBreach.DoesNotExist):
        services.revoke_breach(stranger, breach.pk, reason="记录有误")


def test_the_status_follows_the_day(enterprise_a):
    commitment = high_risk(enterprise_a, period_start=days(-40), period_end=today())
    assert commitment.status() == Status.ACTIVE
    assert commitment.status(today=days(1)) == Status.EXPIRED
    assert commitment.status(today=days(-41)) == Status.PENDING
