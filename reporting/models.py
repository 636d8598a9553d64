"""Safety commitments (安全承诺, seed task 7): commitments by post and level, the principal's to
动态清零 above all, their breaches (found automatically from overdue major hazards, or recorded by
a supervisor) and the event rows of both. Nothing here is ever deleted: a commitment is
withdrawn, a breach recorded in error revoked, each with a reason. The grading app counts the
breaches that stand (grading.measures: `enterprise`, `found_on`, `revoked_at`)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import Event
from core.scoping import ScopedQuerySet
from reporting.kinds import SHORT_LABELS, CommitmentKind, WorkType


class Status(models.TextChoices):
    PENDING = "pending", "未开始"
    ACTIVE = "active", "承诺期内"
    EXPIRED = "expired", "已到期"
    WITHDRAWN = "withdrawn", "已撤回"


# The list filter's choices: a commitment not yet begun counts as in force ("active").
STATUS_FILTERS = [
    ("active", "有效（含未开始）"),
    ("expired", "已到期"),
    ("withdrawn", "已撤回"),
]


class CommitmentQuerySet(ScopedQuerySet):
    def standing(self):
        return self.filter(withdrawn_at__isnull=True)

    def with_breach_count(self):
        """Each commitment's breaches that stand (revoked ones do not count), as breach_count."""
        return self.annotate(
            breach_count=models.Count("breaches", filter=Q(breaches__revoked_at__isnull=True))
        )

    def with_status(self, status: str, today=None):
        today = today or timezone.localdate()
        if status == "active":
            return self.standing().filter(period_end__gte=today)
        if status == "expired":
            return self.standing().filter(period_end__lt=today)
        if status == "withdrawn":
            return self.filter(withdrawn_at__isnull=False)
        return self


class SafetyCommitment(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    kind = models.CharField("承诺类型", max_length=20, choices=CommitmentKind.choices)
    work_type = models.CharField(
        "高风险作业类型", max_length=20, choices=WorkType.choices, blank=True
    )
    committer_name = models.CharField("承诺人", max_length=40)
    committer_post = models.CharField("承诺人岗位", max_length=60)
    content = models.TextField("承诺内容")
    period_start = models.DateField("承诺期起")
    period_end = models.DateField("承诺期止")
    signed_on = models.DateField("签订日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.TextField("撤回理由", blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = "安全承诺"
        verbose_name_plural = "安全承诺"
        ordering = ["-period_start", "-id"]
        indexes = [
            models.Index(
                fields=["enterprise", "kind", "period_start"], name="commitment_enterprise_kind"
            ),
            models.Index(fields=["kind", "period_end"], name="commitment_kind_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="commitment_period_order"
            ),
            # A work type exactly for high-risk work.
            models.CheckConstraint(
                condition=(Q(kind=CommitmentKind.HIGH_RISK_WORK) & ~Q(work_type=""))
                | (~Q(kind=CommitmentKind.HIGH_RISK_WORK) & Q(work_type="")),
                name="commitment_work_type_for_high_risk",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.title}"

    @property
    def title(self) -> str:
        if self.kind == CommitmentKind.HIGH_RISK_WORK and self.work_type:
            return f"{WorkType(self.work_type).label}安全承诺"
        return SHORT_LABELS.get(self.kind, self.kind)

    def status(self, today=None) -> str:
        today = today or timezone.localdate()
        if self.withdrawn_at is not None:
            return Status.WITHDRAWN
        if self.period_end < today:
            return Status.EXPIRED
        if self.period_start > today:
            return Status.PENDING
        return Status.ACTIVE

    @property
    def status_label(self) -> str:
        return Status(self.status()).label

    def covers(self, day) -> bool:
        return self.period_start <= day <= self.period_end


class BreachCause(models.TextChoices):
    OVERDUE_MAJOR_HAZARD = "overdue_major_hazard", "重大事故隐患逾期未整改"
    REPORTED = "reported", "监管人员记录"


class BreachQuerySet(ScopedQuerySet):
    def standing(self):
        return self.filter(revoked_at__isnull=True)


class CommitmentBreach(models.Model):
    """A broken commitment (违反承诺). The enterprise is the commitment's, stored again so the
    grading measure counts breaches per enterprise without a join."""

    commitment = models.ForeignKey(
        SafetyCommitment,
        verbose_name="承诺",
        on_delete=models.PROTECT,
        related_name="breaches",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="commitment_breaches",
    )
    found_on = models.DateField("发现日期")
    cause = models.CharField("情形", max_length=30, choices=BreachCause.choices)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="逾期重大事故隐患",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitment_breaches",
    )
    description = models.TextField("违反情形说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.TextField("撤销理由", blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name = "违反承诺记录"
        verbose_name_plural = "违反承诺记录"
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "found_on"], name="breach_enterprise_found")]
        constraints = [
            # One breach per overdue hazard and commitment, however often detection runs.
            models.UniqueConstraint(
                fields=["commitment", "hazard"],
                condition=Q(hazard__isnull=False),
                name="breach_once_per_hazard",
            ),
            models.CheckConstraint(
                condition=~Q(cause=BreachCause.OVERDUE_MAJOR_HAZARD) | Q(hazard__isnull=False),
                name="breach_overdue_names_hazard",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.found_on} {self.get_cause_display()}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class EventAction(models.TextChoices):
    RECORDED = "recorded", "登记承诺"
    WITHDRAWN = "withdrawn", "撤回承诺"
    BREACH_RECORDED = "breach_recorded", "记录违反承诺"
    BREACH_REVOKED = "breach_revoked", "撤销违反承诺记录"


class EventQuerySet(ScopedQuerySet):
    scope_path_lookup = "commitment__enterprise__scope_path"
    scope_enterprise_lookup = "commitment__enterprise"


class CommitmentEvent(Event):
    """One thing that happened to a commitment or one of its breaches (core.events.record):
    who (none: the platform's own detection), when, what, why."""

    commitment = models.ForeignKey(
        SafetyCommitment, on_delete=models.CASCADE, related_name="events"
    )
    breach = models.ForeignKey(
        CommitmentBreach, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "安全承诺记录"
        verbose_name_plural = "安全承诺记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.commitment_id} {self.get_action_display()}"
