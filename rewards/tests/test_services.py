from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from hazards import services as hazards
from hazards.models import Hazard, HazardPhoto, Source
from rewards import services
from rewards.models import (
    EmployeeReport,
    ReportChannel,
    ReportState,
    Reward,
    RewardEvent,
    RewardRule,
    RewardState,
)
from rewards.reference import BY_NAME_PER_ADDRESS_PER_DAY, OUTSIDE_DUTY_PAYS_MORE
from rewards.services import RewardRefused
from rewards.tests.conftest import RULE, employee_report, png

pytestmark = pytest.mark.django_db


def test_outside_duty_pays_more_than_within(rule, employee, officer, enterprise_a):
    inside = employee_report(employee, enterprise_a, within=True)
    outside = employee_report(employee, enterprise_a, within=False)
    hazards.confirm(officer, inside.hazard_id)
    hazards.confirm(officer, outside.hazard_id)
    inside.refresh_from_db()
    outside.refresh_from_db()
    assert inside.state == outside.state == ReportState.VERIFIED
    assert inside.reward.amount == Decimal("50")
    assert outside.reward.amount == Decimal("100")
    assert outside.reward.amount > inside.reward.amount
    assert inside.reward.rule == rule and inside.reward.state == RewardState.PROPOSED


@pytest.mark.parametrize("outside", ["50", "49.99", "0"])
def test_rule_not_paying_more_outside_duty_is_refused(officer, enterprise_a, outside):
    with pytest.raises(RewardRefused) as refused:
        services.set_rule(officer, enterprise_a.pk, **{**RULE, "outside_duty": outside})
    assert OUTSIDE_DUTY_PAYS_MORE.text in str(refused.value)
    assert "岗位职责外" in str(refused.value)
    assert not RewardRule.objects.exists()
    assert not RewardEvent.objects.exists()


def test_major_rule_must_pay_more_outside_and_more_than_general(officer, enterprise_a):
    with pytest.raises(RewardRefused, match="岗位职责外"):
        services.set_rule(officer, enterprise_a.pk, **{**RULE, "major_outside_duty": "500"})
    with pytest.raises(RewardRefused, match="重大事故隐患的奖励标准高于一般隐患"):
        services.set_rule(officer, enterprise_a.pk, **{**RULE, "major_within_duty": "50"})
    with pytest.raises(RewardRefused, match=r"负数|金额"):
        services.set_rule(officer, enterprise_a.pk, **{**RULE, "within_duty": "-1"})
    with pytest.raises(RewardRefused, match="金额"):
        services.set_rule(officer, enterprise_a.pk, **{**RULE, "within_duty": "abc"})
    assert not RewardRule.objects.exists()


def test_rule_is_versioned_and_reward_names_its_rule(rule, officer, employee, enterprise_a):
    report = employee_report(employee, enterprise_a, within=False)
    newer = services.set_rule(officer, enterprise_a.pk, **{**RULE, "outside_duty": "200"})
    assert RewardRule.objects.filter(enterprise=enterprise_a).count() == 2
    assert services.current_rule(enterprise_a.pk) == newer
    rule.refresh_from_db()
    assert rule.outside_duty == Decimal("100")  # the old version is kept as it was
    hazards.confirm(officer, report.hazard_id)
    reward = Reward.objects.get(report=report)
    assert reward.rule == newer and reward.amount == Decimal("200")


def test_major_hazard_pays_the_major_amount(rule, officer, employee, enterprise_a, users):
    report = employee_report(employee, enterprise_a, within=False)
    supervisor = users[Role.SUPERVISOR]
    hazards.judge_major(supervisor, report.hazard_id, is_major=True, reason="涉及粉尘爆炸")
    hazards.confirm(supervisor, report.hazard_id)
    report.refresh_from_db()
    assert report.reward.amount == Decimal("1000")
    assert "重大事故隐患" in report.reward.basis


def test_judged_major_after_confirm_reworks_a_proposed_reward(
    rule, officer, employee, enterprise_a, users
):
    report = employee_report(employee, enterprise_a, within=True)
    hazards.confirm(officer, report.hazard_id)
    hazards.judge_major(users[Role.SUPERVISOR], report.hazard_id, is_major=True, reason="重大")
    assert Reward.objects.get(report=report).amount == Decimal("500")


def test_rejected_hazard_closes_report_unverified(rule, officer, employee, enterprise_a):
    report = employee_report(employee, enterprise_a)
    hazards.reject(officer, report.hazard_id, "现场核实不存在")
    report.refresh_from_db()
    assert report.state == ReportState.NOT_VERIFIED
    assert not Reward.objects.exists()


def test_per_report_ceiling(officer, employee, enterprise_a, users):
    services.set_rule(officer, enterprise_a.pk, **RULE, per_report_cap="800")
    report = employee_report(employee, enterprise_a, within=False)
    hazards.judge_major(users[Role.SUPERVISOR], report.hazard_id, is_major=True, reason="重大")
    hazards.confirm(users[Role.SUPERVISOR], report.hazard_id)
    assert Reward.objects.get(report=report).amount == Decimal("800")


def test_per_report_ceiling_must_leave_room_above_within(officer, enterprise_a):
    with pytest.raises(RewardRefused, match="单次奖励上限"):
        services.set_rule(officer, enterprise_a.pk, **RULE, per_report_cap="50")
    assert not RewardRule.objects.exists()


def test_monthly_ceiling_per_person(officer, employee, enterprise_a):
    services.set_rule(officer, enterprise_a.pk, **RULE, monthly_cap="150")
    amounts = []
    for _ in range(3):
        report = employee_report(employee, enterprise_a, within=False)
        hazards.confirm(officer, report.hazard_id)
        amounts.append(Reward.objects.get(report=report).amount)
    assert amounts == [Decimal("100"), Decimal("50"), Decimal("0")]


def test_no_rule_verifies_without_reward(officer, employee, enterprise_a):
    report = employee_report(employee, enterprise_a)
    hazards.confirm(officer, report.hazard_id)
    report.refresh_from_db()
    assert report.state == ReportState.VERIFIED
    assert not Reward.objects.exists()


def test_approve_and_pay(rule, officer, principal, employee, enterprise_a):
    report = employee_report(employee, enterprise_a)
    hazards.confirm(officer, report.hazard_id)
    reward = Reward.objects.get(report=report)
    with pytest.raises(RewardRefused, match="审批后"):
        services.pay(principal, reward.pk, paid_on=timezone.localdate(), method="现金")
    with pytest.raises(RewardRefused) as refused:
        services.approve(employee, reward.pk)
    assert refused.value.status == 403
    services.approve(principal, reward.pk)
    reward.refresh_from_db()
    assert reward.state == RewardState.APPROVED and reward.approved_by == principal
    with pytest.raises(RewardRefused, match="晚于今天"):
        services.pay(
            officer, reward.pk, paid_on=timezone.localdate() + timedelta(days=1), method="现金"
        )
    with pytest.raises(RewardRefused, match="发放方式"):
        services.pay(officer, reward.pk, paid_on=timezone.localdate(), method="比特币")
    services.pay(officer, reward.pk, paid_on=timezone.localdate(), method="银行转账", note="5月")
    reward.refresh_from_db()
    assert reward.state == RewardState.PAID and reward.paid_by == officer
    assert reward.pay_method == "银行转账"
    with pytest.raises(RewardRefused) as again:
        services.approve(principal, reward.pk)
    assert again.value.status == 409


def test_manager_does_not_approve_own_reward(rule, officer, principal, enterprise_a):
    report = services.report_as_user(
        officer, enterprise_a.pk, description="叉车灯不亮", within_duty=False
    )
    hazards.confirm(principal, report.hazard_id)
    reward = Reward.objects.get(report=report)
    with pytest.raises(RewardRefused, match="本人"):
        services.approve(officer, reward.pk)
    services.approve(principal, reward.pk)


def test_report_as_user_creates_employee_report_hazard(employee, enterprise_a):
    report = services.report_as_user(
        employee,
        enterprise_a.pk,
        description="消防通道堆放杂物",
        place="仓库",
        within_duty=False,
        photos=[png()],
    )
    hazard = report.hazard
    assert hazard.source == Source.EMPLOYEE_REPORT and hazard.reported_by == employee
    assert report.reporter == employee and report.within_duty is False
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 1


def test_report_needs_the_duty_answer_and_a_description(employee, enterprise_a):
    with pytest.raises(RewardRefused, match="岗位职责"):
        services.report_as_user(employee, enterprise_a.pk, description="x", within_duty=None)
    with pytest.raises(RewardRefused, match="隐患描述"):
        services.report_as_user(employee, enterprise_a.pk, description=" ", within_duty=True)
    assert not Hazard.objects.exists() and not EmployeeReport.objects.exists()


def test_only_own_enterprise_reports_as_user(employee, enterprise_b):
    with pytest.raises(RewardRefused) as refused:
        services.report_as_user(employee, enterprise_b.pk, description="x", within_duty=True)
    assert refused.value.status == 403
    assert not Hazard.objects.exists()


def test_token_is_unguessable_and_rotates(officer, enterprise_a, enterprise_b):
    first = services.channel_for(enterprise_a)
    other = services.channel_for(enterprise_b)
    assert len(first.token) >= 22  # 128 bits in URL-safe base64
    assert first.token != other.token
    assert services.enterprise_for_token(first.token) == enterprise_a
    old = first.token
    services.rotate(officer, enterprise_a.pk)
    new = ReportChannel.objects.get(enterprise=enterprise_a).token
    assert new != old
    assert services.enterprise_for_token(old) is None
    assert services.enterprise_for_token(new) == enterprise_a
    assert services.enterprise_for_token("../../etc") is None
    tokens = {services._new_token() for _ in range(200)}
    assert len(tokens) == 200


def test_rotate_needs_a_manager(employee, enterprise_a):
    with pytest.raises(RewardRefused) as refused:
        services.rotate(employee, enterprise_a.pk)
    assert refused.value.status == 403


def test_by_name_only_when_allowed(rule, officer, enterprise_a):
    with pytest.raises(RewardRefused) as refused:
        services.report_by_name(
            enterprise_a, name="李四", phone="13900000000", description="x", within_duty=True
        )
    assert refused.value.status == 403
    assert not Hazard.objects.exists()
    services.set_rule(officer, enterprise_a.pk, **RULE, allow_by_name=True)
    report = services.report_by_name(
        enterprise_a,
        name="李四",
        phone="139 0000 0000",
        description="脚手架未设护栏",
        within_duty=False,
        address="10.0.0.1",
    )
    assert report.reporter is None and report.reporter_phone == "13900000000"
    assert report.hazard.found_by == "李四" and report.hazard.reported_by is None
    assert report.hazard.source == Source.EMPLOYEE_REPORT
    hazards.confirm(officer, report.hazard_id)
    assert Reward.objects.get(report=report).amount == Decimal("100")


def test_by_name_refuses_bad_phone_and_rate_limits(officer, enterprise_a):
    services.set_rule(officer, enterprise_a.pk, **RULE, allow_by_name=True)
    with pytest.raises(RewardRefused, match="手机号"):
        services.report_by_name(
            enterprise_a, name="李四", phone="12345", description="x", within_duty=True
        )
    for _ in range(BY_NAME_PER_ADDRESS_PER_DAY):
        services.report_by_name(
            enterprise_a,
            name="李四",
            phone="13900000000",
            description="x",
            within_duty=True,
            address="10.0.0.2",
        )
    with pytest.raises(RewardRefused) as refused:
        services.report_by_name(
            enterprise_a,
            name="李四",
            phone="13900000000",
            description="x",
            within_duty=True,
            address="10.0.0.2",
        )
    assert refused.value.status == 429
    assert EmployeeReport.objects.count() == BY_NAME_PER_ADDRESS_PER_DAY
    # Another address is not held back.
    services.report_by_name(
        enterprise_a,
        name="王五",
        phone="13900000001",
        description="x",
        within_duty=True,
        address="10.0.0.3",
    )


def test_events_and_notifications(rule, officer, principal, employee, enterprise_a):
    from core.models import Notification

    report = employee_report(employee, enterprise_a)
    hazards.confirm(officer, report.hazard_id)
    actions = list(RewardEvent.objects.values_list("action", flat=True))
    assert actions == ["rule_set", "reported", "verified", "proposed"]
    from core.events import deliver_pending

    deliver_pending.call_local()
    assert Notification.objects.filter(recipient=officer, title__contains="员工报告隐患").exists()
    assert Notification.objects.filter(recipient=principal, title__contains="奖励待审批").exists()
    assert Notification.objects.filter(recipient=employee, title__contains="经查属实").exists()
