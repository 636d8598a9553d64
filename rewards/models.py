"""Employee hazard reports and their rewards (seed task 7, 落实员工隐患报告奖励制度).

- ReportChannel: an enterprise's report link, an unguessable token (rotatable) that its QR
  poster carries to the phone form.
- RewardRule: the enterprise's reward standard, versioned: a change is a new row and the rule
  in force is the newest; a reward names the rule it used.
- EmployeeReport: one report, linking its reporter (a user, or a name and phone when the
  enterprise allows reports without an account), the hazard it created and whether it lay
  within the reporter's own post's duties.
- Reward: proposed when the report is verified (its hazard confirmed), approved by the
  enterprise's principal or safety officer, then paid.
- RewardEvent: every change, as a row (core.events.record)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Event
from core.scoping import ScopedQuerySet


class ReportChannel(models.Model):
    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="report_channel"
    )
    token = models.CharField("报告链接令牌", max_length=64, unique=True)
    rotated_at = models.DateTimeField("生成时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "隐患报告链接"
        verbose_name_plural = "隐患报告链接"

    def __str__(self):
        return f"{self.enterprise_id} 报告链接"


class RewardRule(models.Model):
    """One version of an enterprise's reward standard (元). A report outside the reporter's
    post duties pays strictly more than one within (rewards.reference.OUTSIDE_DUTY_PAYS_MORE),
    a major hazard more than a general one."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="reward_rules"
    )
    within_duty = models.DecimalField("岗位职责内（一般隐患）", max_digits=10, decimal_places=2)
    outside_duty = models.DecimalField("岗位职责外（一般隐患）", max_digits=10, decimal_places=2)
    major_within_duty = models.DecimalField(
        "岗位职责内（重大事故隐患）", max_digits=10, decimal_places=2
    )
    major_outside_duty = models.DecimalField(
        "岗位职责外（重大事故隐患）", max_digits=10, decimal_places=2
    )
    per_report_cap = models.DecimalField(
        "单次奖励上限", max_digits=10, decimal_places=2, null=True, blank=True
    )
    monthly_cap = models.DecimalField(
        "每人每月奖励上限", max_digits=10, decimal_places=2, null=True, blank=True
    )
    allow_by_name = models.BooleanField("允许未登录人员凭姓名和手机号报告", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("制定时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "隐患报告奖励标准"
        verbose_name_plural = "隐患报告奖励标准"
        ordering = ["enterprise", "-created_at", "-id"]

    def __str__(self):
        return f"{self.enterprise_id} 奖励标准 #{self.pk}"

    def base_amount(self, *, within_duty: bool, major: bool):
        if major:
            return self.major_within_duty if within_duty else self.major_outside_duty
        return self.within_duty if within_duty else self.outside_duty


class ReportState(models.TextChoices):
    PENDING = "pending", "待查实"
    VERIFIED = "verified", "经查属实"
    NOT_VERIFIED = "not_verified", "未予查实"


class ReportQuerySet(ScopedQuerySet):
    def scoped(self, user):
        from accounts.roles import can

        scoped = super().scoped(user)
        # An employee sees their own reports, not the enterprise's.
        if not can(user, "report.view_all"):
            return scoped.filter(reporter=user)
        return scoped


class EmployeeReport(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="employee_reports"
    )
    hazard = models.OneToOneField(
        "hazards.Hazard", on_delete=models.CASCADE, related_name="employee_report"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报告人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee_reports",
    )
    reporter_name = models.CharField("报告人", max_length=40)
    reporter_phone = models.CharField("联系电话", max_length=20, blank=True)
    within_duty = models.BooleanField("属于本人岗位职责范围")
    state = models.CharField(
        "查实情况", max_length=20, choices=ReportState.choices, default=ReportState.PENDING
    )
    decided_at = models.DateTimeField("查实时间", null=True, blank=True)
    address = models.GenericIPAddressField("提交地址", null=True, blank=True)
    created_at = models.DateTimeField("报告时间", default=timezone.now, db_index=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "员工隐患报告"
        verbose_name_plural = "员工隐患报告"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "address", "created_at"])]

    def __str__(self):
        return f"{self.reporter_name} 报告 #{self.pk}"


class RewardState(models.TextChoices):
    PROPOSED = "proposed", "待审批"
    APPROVED = "approved", "已审批待发放"
    PAID = "paid", "已发放"


class RewardQuerySet(ScopedQuerySet):
    scope_path_lookup = "report__enterprise__scope_path"
    scope_enterprise_lookup = "report__enterprise"

    def scoped(self, user):
        from accounts.roles import can

        scoped = super().scoped(user)
        if not can(user, "report.view_all"):
            return scoped.filter(report__reporter=user)
        return scoped


class Reward(models.Model):
    report = models.OneToOneField(EmployeeReport, on_delete=models.CASCADE, related_name="reward")
    rule = models.ForeignKey(
        RewardRule, verbose_name="所用奖励标准", on_delete=models.PROTECT, related_name="rewards"
    )
    amount = models.DecimalField("奖励金额（元）", max_digits=10, decimal_places=2)
    basis = models.CharField("计算依据", max_length=200)
    state = models.CharField(
        "状态", max_length=20, choices=RewardState.choices, default=RewardState.PROPOSED
    )
    proposed_at = models.DateTimeField("提出时间", default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    paid_on = models.DateField("发放日期", null=True, blank=True)
    pay_method = models.CharField("发放方式", max_length=40, blank=True)
    pay_note = models.CharField("发放备注", max_length=200, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发放登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RewardQuerySet.as_manager()

    class Meta:
        verbose_name = "隐患报告奖励"
        verbose_name_plural = "隐患报告奖励"
        ordering = ["-proposed_at", "-id"]

    def __str__(self):
        return f"奖励 #{self.pk} {self.amount}"


class EventAction(models.TextChoices):
    REPORTED = "reported", "员工报告隐患"
    VERIFIED = "verified", "报告经查属实"
    NOT_VERIFIED = "not_verified", "报告未予查实"
    PROPOSED = "proposed", "提出奖励"
    REVISED = "revised", "重新核定奖励"
    APPROVED = "approved", "审批奖励"
    PAID = "paid", "发放奖励"
    RULE_SET = "rule_set", "制定奖励标准"
    ROTATED = "rotated", "更换报告链接"


class RewardEvent(Event):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey(
        EmployeeReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    class Meta:
        verbose_name = "隐患报告奖励记录"
        verbose_name_plural = "隐患报告奖励记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.enterprise_id} {self.get_action_display()}"
