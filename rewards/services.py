"""Every change of the report and reward scheme goes through here: the report link and its
rotation, the reward rules (versioned), an employee's report (as a user, or by name and phone
where the enterprise allows it), the verification that follows the hazard's own review
(on_hazard_event, called by rewards.signals), and a reward's approval and payment. A refused
change raises RewardRefused with the Chinese reason and saves nothing."""

import re
import secrets
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from core.inputs import TEXT_MAX, text_problem
from enterprises.models import Enterprise
from hazards import services as hazard_services
from hazards.models import HazardEvent, Source
from rewards.models import (
    EmployeeReport,
    EventAction,
    ReportChannel,
    ReportState,
    Reward,
    RewardEvent,
    RewardRule,
    RewardState,
)
from rewards.reference import (
    BY_NAME_PER_ADDRESS_PER_DAY,
    MAJOR_PAYS_MORE,
    MAX_AMOUNT,
    OUTSIDE_DUTY_PAYS_MORE,
    TOKEN_BYTES,
)


class RewardRefused(Refused):
    """A refused report, rule or reward step (core.errors.Refused)."""


TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PHONE_PATTERN = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
PAY_METHODS = ("现金", "银行转账", "微信", "支付宝", "工资发放", "其他")


def _event(enterprise, action: str, actor=None, report=None, note: str = "", data=None):
    return events.record(
        RewardEvent,
        enterprise=enterprise,
        report=report,
        action=action,
        actor=actor,
        note=note,
        payload=data or {},
    )


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


# --- the report link ---------------------------------------------------------------------------


def channel_for(enterprise: Enterprise) -> ReportChannel:
    """The enterprise's report link, made on first use."""
    channel, _ = ReportChannel.objects.get_or_create(
        enterprise=enterprise, defaults={"token": _new_token()}
    )
    return channel


def rotate(user, enterprise_id: int) -> ReportChannel:
    """A new token: the old link and its posters stop working."""
    check(user, "reward.manage", "更换报告链接", RewardRefused)
    with transaction.atomic():
        enterprise = Enterprise.objects.for_user(user).get(pk=enterprise_id)
        channel = channel_for(enterprise)
        channel.token = _new_token()
        channel.rotated_at = timezone.now()
        channel.save()
        _event(enterprise, EventAction.ROTATED, user, note="旧的报告链接和二维码已失效")
    return channel


def enterprise_for_token(token: str) -> Enterprise | None:
    """The enterprise whose current link carries `token`; None for any other string."""
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None
    channel = ReportChannel.objects.select_related("enterprise").filter(token=token).first()
    return channel.enterprise if channel else None


# --- rules -------------------------------------------------------------------------------------


def current_rule(enterprise_id: int) -> RewardRule | None:
    return (
        RewardRule.objects.filter(enterprise_id=enterprise_id)
        .order_by("-created_at", "-id")
        .first()
    )


def _amount(value: Any, label: str, *, required: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RewardRefused(f"请填写{label}")
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RewardRefused(f"{label}须为金额（元）") from None
    if not amount.is_finite() or amount < 0:
        raise RewardRefused(f"{label}不能为负数")
    if amount > MAX_AMOUNT:
        raise RewardRefused(f"{label}不能超过 {MAX_AMOUNT} 元")
    if amount != amount.quantize(Decimal("0.01")):
        raise RewardRefused(f"{label}最多精确到分")
    return amount


def set_rule(
    user,
    enterprise_id: int,
    *,
    within_duty: Any,
    outside_duty: Any,
    major_within_duty: Any,
    major_outside_duty: Any,
    per_report_cap: Any = None,
    monthly_cap: Any = None,
    allow_by_name: bool = False,
    note: str = "",
) -> RewardRule:
    """A new version of the enterprise's reward standard. A report outside the post's duties
    must pay strictly more than one within (seed task 7), a major hazard more than a general
    one; a ceiling per report must leave room above the within-duty amount."""
    check(user, "reward.manage", "制定奖励标准", RewardRefused)
    within = _amount(within_duty, "岗位职责内一般隐患的奖励")
    outside = _amount(outside_duty, "岗位职责外一般隐患的奖励")
    major_within = _amount(major_within_duty, "岗位职责内重大事故隐患的奖励")
    major_outside = _amount(major_outside_duty, "岗位职责外重大事故隐患的奖励")
    assert within is not None and outside is not None
    assert major_within is not None and major_outside is not None
    if within <= 0:
        raise RewardRefused("岗位职责内报告经查实的隐患应予奖励，金额须大于 0")
    seed = f"{OUTSIDE_DUTY_PAYS_MORE.text}（{OUTSIDE_DUTY_PAYS_MORE.source}）"
    if outside <= within:
        raise RewardRefused(f"岗位职责外的奖励须高于岗位职责内：{seed}")
    if major_outside <= major_within:
        raise RewardRefused(f"重大事故隐患岗位职责外的奖励须高于岗位职责内：{seed}")
    if major_within <= within or major_outside <= outside:
        raise RewardRefused(f"{MAJOR_PAYS_MORE.text}")
    cap = _amount(per_report_cap, "单次奖励上限", required=False)
    if cap is not None and cap <= within:
        raise RewardRefused(
            "单次奖励上限须高于岗位职责内的奖励，否则岗位职责外的报告不能获得更高奖励"
        )
    month_cap = _amount(monthly_cap, "每人每月奖励上限", required=False)
    if month_cap is not None and month_cap <= 0:
        raise RewardRefused("每人每月奖励上限须大于 0")
    note = (note or "").strip()
    if problem := text_problem(note, multiline=False):
        raise RewardRefused(f"说明{problem}")
    if len(note) > 200:
        raise RewardRefused("说明不能超过 200 字")
    with transaction.atomic():
        enterprise = Enterprise.objects.for_user(user).get(pk=enterprise_id)
        rule = RewardRule.objects.create(
            enterprise=enterprise,
            within_duty=within,
            outside_duty=outside,
            major_within_duty=major_within,
            major_outside_duty=major_outside,
            per_report_cap=cap,
            monthly_cap=month_cap,
            allow_by_name=bool(allow_by_name),
            note=note,
            created_by=user,
        )
        _event(enterprise, EventAction.RULE_SET, user, data={"rule": rule.pk})
    return rule


# --- reports -----------------------------------------------------------------------------------


def _report_text(description: str, place: str) -> tuple[str, str]:
    description = (description or "").strip()
    place = (place or "").strip()
    if not description:
        raise RewardRefused("请填写隐患描述")
    if problem := text_problem(description, multiline=True):
        raise RewardRefused(f"隐患描述{problem}")
    if len(description) > TEXT_MAX:
        raise RewardRefused(f"隐患描述不能超过 {TEXT_MAX} 字")
    if problem := text_problem(place, multiline=False):
        raise RewardRefused(f"部位/场所{problem}")
    if len(place) > 100:
        raise RewardRefused("部位/场所不能超过 100 字")
    return description, place


def _within(value: Any) -> bool:
    if not isinstance(value, bool):
        raise RewardRefused("请选择该隐患是否属于本人岗位职责范围")
    return value


def report_as_user(
    user,
    enterprise_id: int,
    *,
    description: str,
    place: str = "",
    within_duty: Any,
    photos=(),
) -> EmployeeReport:
    """A logged-in person of the enterprise reports as themselves: a hazard (source 员工报告)
    and the report linking it to them."""
    check(user, "report.submit", "报告隐患", RewardRefused)
    if user.enterprise_id != enterprise_id:
        raise RewardRefused("只有本企业的人员可以通过该链接报告隐患", 403)
    description, place = _report_text(description, place)
    within = _within(within_duty)
    with transaction.atomic():
        hazard = hazard_services.report(
            user,
            enterprise_id,
            source=Source.EMPLOYEE_REPORT,
            description=description,
            place=place,
            photos=photos,
        )
        report = EmployeeReport.objects.create(
            enterprise_id=enterprise_id,
            hazard=hazard,
            reporter=user,
            reporter_name=user.display_name[:40],
            reporter_phone=(getattr(user, "phone", "") or "")[:20],
            within_duty=within,
        )
        _event(hazard.enterprise, EventAction.REPORTED, user, report, data={"within": within})
    return report


def by_name_allowed(enterprise: Enterprise) -> bool:
    rule = current_rule(enterprise.pk)
    return bool(rule and rule.allow_by_name)


def report_by_name(
    enterprise: Enterprise,
    *,
    name: str,
    phone: str,
    description: str,
    place: str = "",
    within_duty: Any,
    photos=(),
    address: str | None = None,
) -> EmployeeReport:
    """Someone with the enterprise's link and no account reports by name and phone, where the
    enterprise's rule allows it; at most BY_NAME_PER_ADDRESS_PER_DAY a day from one address."""
    if not by_name_allowed(enterprise):
        raise RewardRefused("该企业未开放免登录报告，请使用本企业员工账号登录后报告", 403)
    name = (name or "").strip()
    phone = re.sub(r"\s", "", phone or "")
    if not name:
        raise RewardRefused("请填写姓名")
    if text_problem(name, multiline=False) or len(name) > 40:
        raise RewardRefused("姓名无效（不超过 40 字，不含控制字符）")
    if not PHONE_PATTERN.match(phone):
        raise RewardRefused("请填写有效的手机号（11 位）或固定电话")
    description, place = _report_text(description, place)
    within = _within(within_duty)
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        if address:
            # Serialize the count per enterprise so that parallel submissions cannot pass it.
            ReportChannel.objects.select_for_update().filter(enterprise=enterprise).first()
            sent = EmployeeReport.objects.filter(
                enterprise=enterprise, address=address, created_at__gte=start, reporter=None
            ).count()
            if sent >= BY_NAME_PER_ADDRESS_PER_DAY:
                raise RewardRefused("今天从该网络提交的报告已达上限，请明天再试或登录后报告", 429)
        hazard = hazard_services.report_by_name(
            enterprise,
            description=description,
            place=place,
            found_by=name,
            photos=photos,
        )
        report = EmployeeReport.objects.create(
            enterprise=enterprise,
            hazard=hazard,
            reporter_name=name,
            reporter_phone=phone,
            within_duty=within,
            address=address,
        )
        _event(enterprise, EventAction.REPORTED, None, report, data={"within": within})
    return report


# --- verification ------------------------------------------------------------------------------


def _person(report: EmployeeReport) -> Q:
    if report.reporter_id:
        return Q(report__reporter_id=report.reporter_id)
    return Q(
        report__reporter=None,
        report__reporter_name=report.reporter_name,
        report__reporter_phone=report.reporter_phone,
    )


def compute(report: EmployeeReport, rule: RewardRule, when=None) -> tuple[Decimal, str]:
    """The amount the rule gives this report (verified now, or `when`) and how: the rule's
    amount for a general or major hazard within or outside the post's duties, then its ceiling
    per report, then what is left of the person's ceiling this month."""
    major = report.hazard.is_major
    amount = rule.base_amount(within_duty=report.within_duty, major=major)
    basis = [
        f"{'重大事故隐患' if major else '一般隐患'}、"
        f"{'岗位职责内' if report.within_duty else '岗位职责外'} {amount} 元"
    ]
    if rule.per_report_cap is not None and amount > rule.per_report_cap:
        amount = rule.per_report_cap
        basis.append(f"按单次上限 {amount} 元")
    if rule.monthly_cap is not None:
        when = timezone.localtime(when or timezone.now())
        used = Reward.objects.filter(
            _person(report),
            report__enterprise_id=report.enterprise_id,
            proposed_at__year=when.year,
            proposed_at__month=when.month,
        ).exclude(report=report).aggregate(total=Sum("amount"))["total"] or Decimal("0")
        left = max(rule.monthly_cap - used, Decimal("0"))
        if amount > left:
            amount = left
            basis.append(
                f"本月已获 {used} 元，按每人每月上限 {rule.monthly_cap} 元核减为 {amount} 元"
            )
    return amount, "；".join(basis)[:200]


def on_hazard_event(event: HazardEvent) -> None:
    """The hazard's review decides the report: confirmed = verified, and a reward proposed
    under the rule in force; rejected = not verified; judged major (or not) while the reward
    waits for approval = the amount reworked."""
    if event.action not in ("confirm", "reject", "judge_major"):
        return
    report = (
        EmployeeReport.objects.select_for_update()
        .select_related("hazard", "enterprise")
        .filter(hazard_id=event.hazard_id)
        .first()
    )
    if report is None:
        return
    report.hazard.refresh_from_db()
    now = timezone.now()
    if event.action == "reject" and report.state == ReportState.PENDING:
        report.state, report.decided_at = ReportState.NOT_VERIFIED, now
        report.save(update_fields=["state", "decided_at"])
        _event(report.enterprise, EventAction.NOT_VERIFIED, event.actor, report, event.note)
    elif event.action == "confirm" and report.state == ReportState.PENDING:
        report.state, report.decided_at = ReportState.VERIFIED, now
        report.save(update_fields=["state", "decided_at"])
        _event(report.enterprise, EventAction.VERIFIED, event.actor, report)
        rule = current_rule(report.enterprise_id)
        if rule is not None:
            amount, basis = compute(report, rule)
            reward = Reward.objects.create(report=report, rule=rule, amount=amount, basis=basis)
            _event(
                report.enterprise,
                EventAction.PROPOSED,
                None,
                report,
                basis,
                {"reward": reward.pk, "amount": str(amount), "rule": rule.pk},
            )
    elif event.action == "judge_major":
        waiting = Reward.objects.select_for_update().filter(report=report).first()
        if waiting is None or waiting.state != RewardState.PROPOSED:
            return
        amount, basis = compute(report, waiting.rule, waiting.proposed_at)
        if amount != waiting.amount:
            before = waiting.amount
            waiting.amount, waiting.basis = amount, basis
            waiting.save(update_fields=["amount", "basis"])
            _event(
                report.enterprise,
                EventAction.REVISED,
                event.actor,
                report,
                basis,
                {"reward": waiting.pk, "from": str(before), "amount": str(amount)},
            )


# --- approval and payment ----------------------------------------------------------------------


def _locked_reward(user, reward_id: int) -> Reward:
    return (
        Reward.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("report", "report__enterprise")
        .get(pk=reward_id)
    )


def approve(user, reward_id: int) -> Reward:
    check(user, "reward.approve", "审批奖励", RewardRefused)
    with transaction.atomic():
        reward = _locked_reward(user, reward_id)
        if reward.state != RewardState.PROPOSED:
            raise RewardRefused(f"该奖励当前为“{reward.get_state_display()}”，不能审批", 409)
        if reward.report.reporter_id == user.pk:
            raise RewardRefused("不能审批本人的奖励，请由其他负责人审批", 403)
        reward.state = RewardState.APPROVED
        reward.approved_by, reward.approved_at = user, timezone.now()
        reward.save()
        _event(
            reward.report.enterprise,
            EventAction.APPROVED,
            user,
            reward.report,
            data={"reward": reward.pk, "amount": str(reward.amount)},
        )
    return reward


def pay(user, reward_id: int, *, paid_on: date | None, method: str, note: str = "") -> Reward:
    check(user, "reward.pay", "登记奖励发放", RewardRefused)
    method = (method or "").strip()
    note = (note or "").strip()
    if paid_on is None:
        raise RewardRefused("请填写发放日期")
    if paid_on > timezone.localdate():
        raise RewardRefused("发放日期不能晚于今天")
    if method not in PAY_METHODS:
        raise RewardRefused("请选择发放方式：" + "、".join(PAY_METHODS))
    if text_problem(note, multiline=False) or len(note) > 200:
        raise RewardRefused("发放备注无效（不超过 200 字，不含换行和控制字符）")
    with transaction.atomic():
        reward = _locked_reward(user, reward_id)
        if reward.state != RewardState.APPROVED:
            raise RewardRefused(
                f"该奖励当前为“{reward.get_state_display()}”，审批后才能登记发放", 409
            )
        if paid_on < timezone.localdate(reward.approved_at):
            raise RewardRefused("发放日期不能早于审批日期")
        reward.state = RewardState.PAID
        reward.paid_on, reward.pay_method, reward.pay_note = paid_on, method, note
        reward.paid_by = user
        reward.save()
        _event(
            reward.report.enterprise,
            EventAction.PAID,
            user,
            reward.report,
            data={
                "reward": reward.pk,
                "amount": str(reward.amount),
                "paid_on": paid_on.isoformat(),
            },
        )
    return reward


def may_manage(user) -> bool:
    return can(user, "reward.manage")
