"""安全生产标准化 (seed tasks 11–13): an enterprise's rating, from its application through the
review by named reviewers, the announcement and the certificate with its validity, to spot
checks (抽查) or a review opened by a major hazard, which keep, downgrade or revoke it; expiry
and renewal. `Enterprise.standardization` is derived from the rating that stands (services.
derive), never typed. Every step is a RatingEvent recorded through core.events.record."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Event
from core.scoping import ScopedQuerySet
from enterprises.choices import Industry, Standardization
from standardization.states import PENDING, STANDING, CheckReason, Outcome, State

# The grades a rating may hold (every Standardization choice but 未达标).
GRADE_CHOICES = [(value, label) for value, label in Standardization.choices if value != "none"]


class ValidityRule(models.Model):
    """How many years a certificate of each grade is valid, with its source; `unconfirmed`
    where the official text could not be checked. Editable in the admin; shipped with the
    defaults of rules.VALIDITY."""

    grade = models.CharField("等级", max_length=20, choices=GRADE_CHOICES, unique=True)
    years = models.PositiveSmallIntegerField("有效期（年）")
    source = models.CharField("依据", max_length=300)
    unconfirmed = models.BooleanField("未核实原文", default=False)

    class Meta:
        verbose_name = "标准化等级有效期"
        verbose_name_plural = "标准化等级有效期"
        ordering = ["grade"]

    def __str__(self):
        return f"{self.get_grade_display()} {self.years}年"


class RatingQuerySet(ScopedQuerySet):
    def standing(self, today=None):
        """Ratings that stand today: announced, valid or under a check, not past validity."""
        today = today or timezone.localdate()
        return self.filter(state__in=STANDING).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today)
        )

    def pending(self):
        return self.filter(state__in=PENDING)


class Rating(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    grade = models.CharField("等级", max_length=20, choices=GRADE_CHOICES)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.APPLIED)
    renews = models.ForeignKey(
        "self",
        verbose_name="延续的定级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewals",
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField("申请时间", default=timezone.now)
    application_note = models.TextField("申请说明", blank=True)
    reviewers = models.JSONField("评审人员", default=list, blank=True)
    review_conclusion = models.TextField("评审结论", blank=True)
    reviewed_on = models.DateField("评审日期", null=True, blank=True)
    announced_on = models.DateField("公告日期", null=True, blank=True)
    certificate_no = models.CharField("证书编号", max_length=60, blank=True)
    issued_on = models.DateField("发证日期", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True, db_index=True)
    ended_on = models.DateField("终止日期", null=True, blank=True)
    end_reason = models.TextField("终止原因", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = "标准化定级"
        verbose_name_plural = "标准化定级"
        ordering = ["-applied_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "state"], name="rating_enterprise_state"),
            models.Index(fields=["state", "valid_until"], name="rating_state_until"),
        ]
        constraints = [
            # One application under way per enterprise.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(state__in=PENDING),
                name="rating_one_pending",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.get_grade_display()} · {self.get_state_display()}"

    @property
    def is_standing(self) -> bool:
        today = timezone.localdate()
        return self.state in STANDING and (self.valid_until is None or self.valid_until >= today)


class DocumentStep(models.TextChoices):
    APPLICATION = "application", "申请材料"
    REVIEW = "review", "评审报告"
    ANNOUNCEMENT = "announcement", "公告"
    CERTIFICATE = "certificate", "证书"
    CHECK = "check", "抽查记录"


class ThroughRatingQuerySet(ScopedQuerySet):
    """Rows that reach their enterprise through their rating."""

    scope_path_lookup = "rating__enterprise__scope_path"
    scope_enterprise_lookup = "rating__enterprise"


class RatingDocument(models.Model):
    """A document of a step (application materials, review report, announcement, certificate,
    spot-check record), checked by services.check_document before it is stored."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="documents")
    step = models.CharField("环节", max_length=30, choices=DocumentStep.choices)
    name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="standardization/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = ThroughRatingQuerySet.as_manager()

    class Meta:
        verbose_name = "标准化材料"
        verbose_name_plural = "标准化材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


class SpotCheck(models.Model):
    """A spot check (抽查) of a standing rating, drawn at random, chosen, or opened because a
    major hazard was confirmed during its validity (seed task 12, 一票否决)."""

    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="checks")
    reason = models.CharField("原因", max_length=20, choices=CheckReason.choices)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="重大事故隐患",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    draw = models.ForeignKey(
        "SpotCheckDraw",
        verbose_name="抽取批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checks",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField("发起时间", default=timezone.now)
    outcome = models.CharField("结论", max_length=20, choices=Outcome.choices, blank=True)
    new_grade = models.CharField("降为等级", max_length=20, choices=GRADE_CHOICES, blank=True)
    conclusion = models.TextField("抽查情况", blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结论人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    concluded_at = models.DateTimeField("结论时间", null=True, blank=True)

    objects = ThroughRatingQuerySet.as_manager()

    class Meta:
        verbose_name = "标准化抽查"
        verbose_name_plural = "标准化抽查"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rating"], condition=models.Q(outcome=""), name="spotcheck_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.rating} · {self.get_reason_display()}"


class SpotCheckDraw(models.Model):
    """A random draw of standing ratings to spot-check, through the 双随机 algorithm
    (enforcement.plans.draw): deterministic from the recorded seed and the stored pool, so
    anyone may re-run it (services.verify_draw)."""

    seed = models.CharField("随机种子", max_length=64)
    pool = models.JSONField("备选定级（编号，升序）", default=list)
    count = models.PositiveIntegerField("抽取数量")
    drawn = models.JSONField("抽中定级（按抽取顺序）", default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", verbose_name="范围", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "标准化抽查抽取"
        verbose_name_plural = "标准化抽查抽取"
        ordering = ["-drawn_at", "-id"]

    def __str__(self):
        return f"{self.drawn_at:%Y-%m-%d} 抽取 {self.count} 家"


class Benchmark(models.Model):
    """A benchmark enterprise (标杆企业, seed task 12: chosen by end-2025) per industry and
    grade, chosen by the bureau and shown on a public page; withdrawn, never deleted."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="benchmarks",
    )
    industry = models.CharField("行业", max_length=30, choices=Industry.choices)
    grade = models.CharField("等级", max_length=20, choices=GRADE_CHOICES)
    year = models.PositiveSmallIntegerField("年度")
    citation = models.TextField("推荐理由")
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确定人", on_delete=models.PROTECT, related_name="+"
    )
    chosen_at = models.DateTimeField("确定时间", auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "标杆企业"
        verbose_name_plural = "标杆企业"
        ordering = ["industry", "grade", "enterprise__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="benchmark_once_a_year",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.enterprise}"


class EventAction(models.TextChoices):
    APPLIED = "applied", "申请定级"
    RENEWAL = "renewal", "申请延期换证"
    REVIEW_STARTED = "review_started", "组织评审"
    REVIEWED = "reviewed", "评审通过"
    REJECTED = "rejected", "评审未通过"
    ANNOUNCED = "announced", "公告"
    CERTIFIED = "certified", "发证"
    CHECK_STARTED = "check_started", "开始抽查/复核"
    KEPT = "kept", "维持等级"
    DOWNGRADED = "downgraded", "降级"
    REVOKED = "revoked", "撤销等级"
    EXPIRED = "expired", "有效期届满"
    REPLACED = "replaced", "被新证书替代"
    DOCUMENT = "document", "上传材料"


class RatingEvent(Event):
    """One step of a rating (core.events.record): who, when, from and to which state, why."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)
    payload = models.JSONField("内容", default=dict, blank=True)

    class Meta:
        verbose_name = "标准化定级记录"
        verbose_name_plural = "标准化定级记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.rating_id} {self.get_action_display()}"
