"""Classification and grading (分类分级监管, seed tasks 13 and 16).

Everything that decides a grade is data an administrator can read and change: the factors
(`GradingFactor`, each naming a measure in grading/measures.py, its points, cap, weight, an
optional floor and its source), the score bands (`GradeBand`), the supervision frequency per
grade (`SupervisionFrequency`) and the reduction standardized enterprises earn
(`FrequencyReduction`, task 13). `EnterpriseGrade` is each enterprise's current grade with every
factor's contribution; `GradeChange` its history; `GradeOverride` a manual grade, requested
with a reason and approved by someone else."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.models import Event
from core.scoping import ScopedQuerySet
from enterprises.choices import Standardization


class RiskLevel(models.TextChoices):
    RED = "red", "红色（重大风险）"
    ORANGE = "orange", "橙色（较大风险）"
    YELLOW = "yellow", "黄色（一般风险）"
    BLUE = "blue", "蓝色（低风险）"


# Higher is riskier.
LEVEL_RANK = {RiskLevel.BLUE: 0, RiskLevel.YELLOW: 1, RiskLevel.ORANGE: 2, RiskLevel.RED: 3}
LEVELS_DOWN = [RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE]
SHORT_LABELS = {
    RiskLevel.RED: "红",
    RiskLevel.ORANGE: "橙",
    RiskLevel.YELLOW: "黄",
    RiskLevel.BLUE: "蓝",
}


def _measure_choices():
    from grading.measures import MEASURES

    return [(code, measure.label) for code, measure in MEASURES.items()]


class FactorGroup(models.TextChoices):
    INHERENT = "inherent", "固有风险"
    MANAGEMENT = "management", "安全管理"
    DYNAMIC = "dynamic", "动态风险"


class GradingFactor(models.Model):
    """One rule of the grade: what is measured, how it scores, and why.

    points = the band the value falls in (`bands`: a list of [from, points] for a number, or an
    object {value: points} for a category), else value × points_per_unit; limited to ±cap;
    contribution = points × weight. A factor with `min_level` lifts the grade to at least that
    level whenever its value is above zero."""

    code = models.SlugField("代码", max_length=40, unique=True)
    label = models.CharField("名称", max_length=60)
    group = models.CharField("类别", max_length=20, choices=FactorGroup.choices)
    measure = models.CharField("计量方法", max_length=40, choices=_measure_choices)
    argument = models.CharField(
        "参数", max_length=40, blank=True, help_text="例如按重点行业领域计量时的标签代码"
    )
    points_per_unit = models.DecimalField("每单位分值", max_digits=7, decimal_places=2, default=0)
    bands = models.JSONField(
        "分档",
        default=list,
        blank=True,
        help_text='数值分档 [[起点, 分值], …]，或类别分值 {"类别": 分值}；填写后不用每单位分值',
    )
    cap = models.DecimalField(
        "分值上限", max_digits=7, decimal_places=2, null=True, blank=True, help_text="按绝对值"
    )
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2, default=Decimal(1))
    min_level = models.CharField(
        "保底等级",
        max_length=10,
        choices=RiskLevel.choices,
        blank=True,
        help_text="计量值大于零时，等级不低于此级",
    )
    source = models.CharField("依据", max_length=200)
    note = models.TextField("说明", blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "分级因素"
        verbose_name_plural = "分级因素"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.label

    def clean(self):
        from grading.measures import MEASURES

        errors = {}
        measure = MEASURES.get(self.measure)
        if measure is None:
            errors["measure"] = "未知的计量方法"
        elif measure.argument and not self.argument:
            errors["argument"] = f"计量方法“{measure.label}”需要参数（{measure.argument}）"
        problem = bands_problem(self.bands)
        if problem:
            errors["bands"] = problem
        if self.cap is not None and self.cap < 0:
            errors["cap"] = "分值上限不能为负数"
        if self.weight is not None and self.weight < 0:
            errors["weight"] = "权重不能为负数"
        if errors:
            raise ValidationError(errors)


def bands_problem(bands) -> str:
    if bands in (None, [], {}):
        return ""
    if isinstance(bands, dict):
        for key, points in bands.items():
            if not isinstance(points, int | float) or isinstance(points, bool):
                return f"类别“{key}”的分值应为数字"
        return ""
    if isinstance(bands, list):
        for band in bands:
            if (
                not isinstance(band, list)
                or len(band) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in band)
            ):
                return "数值分档应为 [[起点, 分值], …]"
        return ""
    return '分档应为 [[起点, 分值], …] 或 {"类别": 分值}'


class GradeBand(models.Model):
    """Score → level: the riskiest level whose minimum the score reaches; below all, blue."""

    level = models.CharField("等级", max_length=10, choices=RiskLevel.choices, unique=True)
    min_score = models.DecimalField("最低分", max_digits=7, decimal_places=2)
    source = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "等级分数线"
        verbose_name_plural = "等级分数线"
        ordering = ["-min_score"]

    def __str__(self):
        return f"{self.get_level_display()} ≥ {self.min_score}"


class SupervisionFrequency(models.Model):
    """How often the bureau inspects an enterprise of a grade (差异化监管)."""

    level = models.CharField("等级", max_length=10, choices=RiskLevel.choices, unique=True)
    per_year = models.DecimalField("每年检查次数", max_digits=5, decimal_places=2)
    label = models.CharField("频次说明", max_length=60)
    source = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "监管频次"
        verbose_name_plural = "监管频次"
        ordering = ["-per_year"]

    def __str__(self):
        return f"{self.get_level_display()}：{self.label}"


class FrequencyReduction(models.Model):
    """Task 13: standardized enterprises are inspected less often. The frequency of their grade
    is multiplied by `multiplier`."""

    standardization = models.CharField(
        "安全生产标准化", max_length=20, choices=Standardization.choices, unique=True
    )
    multiplier = models.DecimalField("频次系数", max_digits=4, decimal_places=2)
    source = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "标准化达标减少检查频次"
        verbose_name_plural = "标准化达标减少检查频次"
        ordering = ["multiplier"]

    def __str__(self):
        return f"{self.get_standardization_display()} ×{self.multiplier}"

    def clean(self):
        if self.multiplier is not None and not (0 < self.multiplier <= 1):
            raise ValidationError({"multiplier": "频次系数应大于 0 且不大于 1（只减不增）"})


class OverrideState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已生效"
    REJECTED = "rejected", "已驳回"
    REVOKED = "revoked", "已撤销"
    EXPIRED = "expired", "已到期"


OVERRIDE_OPEN_STATES = (OverrideState.PENDING, OverrideState.APPROVED)


class GradeOverride(models.Model):
    """A manual grade (人工调整): requested with a reason, approved by another user, in force
    until revoked or until `expires_on` has passed."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="grade_overrides",
    )
    level = models.CharField("调整为", max_length=10, choices=RiskLevel.choices)
    reason = models.TextField("调整理由")
    expires_on = models.DateField("有效期至", null=True, blank=True)
    state = models.CharField(
        "状态", max_length=20, choices=OverrideState.choices, default=OverrideState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_note = models.TextField("撤销理由", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "等级人工调整"
        verbose_name_plural = "等级人工调整"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(state__in=["pending", "approved"]),
                name="grade_override_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} → {self.get_level_display()}（{self.get_state_display()}）"

    def in_force(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.state == OverrideState.APPROVED and (
            self.expires_on is None or self.expires_on >= today
        )


class OverrideEvent(Event):
    """One step of a manual grade's request (core.events.record): requested, approved,
    rejected, revoked. grading.notifications tells the approvers and the requester."""

    override = models.ForeignKey(GradeOverride, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(
        "原状态", max_length=20, choices=OverrideState.choices, blank=True
    )
    to_state = models.CharField("新状态", max_length=20, choices=OverrideState.choices)

    class Meta:
        verbose_name = "等级人工调整记录"
        verbose_name_plural = "等级人工调整记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.override_id} {self.from_state}→{self.to_state}"


class EnterpriseGrade(models.Model):
    """An enterprise's current grade. `computed_level` is what the factors give; `level` is
    the grade in force (an approved override's, else the computed one). `explanation` holds
    each active factor's value, points and contribution; the contributions add up to `score`."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        verbose_name="企业",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="grade",
    )
    level = models.CharField("风险等级", max_length=10, choices=RiskLevel.choices)
    computed_level = models.CharField("计算等级", max_length=10, choices=RiskLevel.choices)
    score = models.DecimalField("风险分值", max_digits=8, decimal_places=2)
    explanation = models.JSONField("分级依据", default=dict)
    fingerprint = models.CharField(max_length=32, editable=False, default="")
    override = models.ForeignKey(
        GradeOverride,
        verbose_name="人工调整",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_at = models.DateTimeField("计算时间")
    level_since = models.DateTimeField("定级时间")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "企业风险等级"
        verbose_name_plural = "企业风险等级"
        ordering = ["-score", "enterprise_id"]
        indexes = [
            models.Index(fields=["level", "enterprise"], name="grade_level"),
            models.Index(fields=["level_since"], name="grade_level_since"),
        ]

    def __str__(self):
        return f"{self.enterprise_id}: {self.get_level_display()}"

    @property
    def short_level(self) -> str:
        return SHORT_LABELS.get(self.level, "")


class ChangeKind(models.TextChoices):
    COMPUTED = "computed", "因素变化"
    FIRST = "first", "首次分级"
    OVERRIDE = "override", "人工调整"
    OVERRIDE_ENDED = "override_ended", "人工调整结束"
    UNGRADED = "ungraded", "不再分级"


class GradeChange(Event):
    """One change of an enterprise's grade in force (core.events.record), with its reason
    (note): the factors whose contributions changed (payload), or the override with its reason
    and approver. from_state and to_state are the levels."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="grade_changes",
    )
    kind = models.CharField("类型", max_length=20, choices=ChangeKind.choices)
    from_state = models.CharField("原等级", max_length=10, choices=RiskLevel.choices, blank=True)
    to_state = models.CharField("新等级", max_length=10, choices=RiskLevel.choices, blank=True)
    from_score = models.DecimalField(
        "原分值", max_digits=8, decimal_places=2, null=True, blank=True
    )
    to_score = models.DecimalField("新分值", max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.TextField("原因")
    payload = models.JSONField("因素变化", default=list, blank=True)
    override = models.ForeignKey(
        GradeOverride,
        verbose_name="人工调整",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "等级变更记录"
        verbose_name_plural = "等级变更记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "at"], name="grade_change_enterprise")]

    def __str__(self):
        return f"{self.enterprise_id}: {self.from_state or '—'} → {self.to_state or '—'}"


class GradingRun(models.Model):
    """One computation: all enterprises (nightly, after a rule changed) or a few (a fact
    changed). The incremental sweep starts where the last run started."""

    FULL, PARTIAL = "full", "partial"
    kind = models.CharField(
        "范围", max_length=10, choices=[(FULL, "全部企业"), (PARTIAL, "部分企业")]
    )
    trigger = models.CharField("触发", max_length=100)
    started_at = models.DateTimeField("开始时间")
    seconds = models.FloatField("耗时（秒）", default=0)
    enterprises = models.PositiveIntegerField("企业数", default=0)
    written = models.PositiveIntegerField("写入数", default=0)
    level_changes = models.PositiveIntegerField("等级变化数", default=0)

    class Meta:
        verbose_name = "分级计算记录"
        verbose_name_plural = "分级计算记录"
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
