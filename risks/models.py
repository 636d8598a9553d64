"""The risk register (风险分级管控, seed tasks 11–12): per enterprise its risk units (a
workshop, an installation, a post), the risk points within a unit, and the risks (hazard
factors) identified at a point, each assessed by LEC or LS (risks.reference). Every assessment
is a row: a re-assessment keeps the history, and the risk points at its current one, whose
colour and score it carries for the lists and counts (set by risks.services only, from the
computed assessment, never entered). Control measures name their kind, control level and
owner; a measure is withdrawn with a reason, never deleted.

Grading reads `Risk.enterprise`, `Risk.colour`, `Risk.retired_at` and the measures'
`control_level` and `withdrawn_at`; keep those names."""

from django.conf import settings
from django.db import models

from accidents.reference import CATEGORY_CHOICES
from core.models import Event
from core.scoping import ScopedQuerySet
from risks.reference import (
    COLOUR_ORDER,
    FACTOR_KIND_SOURCE,
    SOURCE,
    Colour,
    ControlLevel,
    FactorKind,
    Frequency,
    MeasureKind,
    Method,
    UnitKind,
    meets,
)


class RegisterQuerySet(ScopedQuerySet):
    """The rows of the enterprises in the user's scope (core.scoping)."""


class RiskUnit(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="risk_units",
    )
    name = models.CharField("风险单元名称", max_length=100)
    kind = models.CharField("单元类型", max_length=20, choices=UnitKind.choices)
    description = models.CharField("说明", max_length=500, blank=True)
    # Where the unit is marked on the enterprise's site plan (四色图): per cent of the image's
    # width and height from its top left corner; empty while not placed.
    plan_x = models.DecimalField("平面图横坐标（%）", max_digits=5, decimal_places=2, null=True)
    plan_y = models.DecimalField("平面图纵坐标（%）", max_digits=5, decimal_places=2, null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        verbose_name = "风险单元"
        verbose_name_plural = "风险单元"
        ordering = ["enterprise", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="risk_unit_name_unique")
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class RiskPoint(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        RiskUnit, verbose_name="风险单元", on_delete=models.PROTECT, related_name="points"
    )
    name = models.CharField("风险点名称", max_length=100)
    location = models.CharField("位置", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        verbose_name = "风险点"
        verbose_name_plural = "风险点"
        ordering = ["unit", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="risk_point_name_unique")
        ]

    def __str__(self):
        return self.name


class RiskQuerySet(RegisterQuerySet):
    def current(self):
        """Risks still in the register (not retired)."""
        return self.filter(retired_at__isnull=True)


class Risk(models.Model):
    """A hazard factor at a risk point, with the colour and score of its current assessment."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="risks",
    )
    point = models.ForeignKey(
        RiskPoint, verbose_name="风险点", on_delete=models.PROTECT, related_name="risks"
    )
    factor_kind = models.CharField(
        "危险有害因素类别", max_length=20, choices=FactorKind.choices, help_text=FACTOR_KIND_SOURCE
    )
    accident_type = models.CharField(
        "可能导致的事故类型", max_length=30, choices=CATEGORY_CHOICES, help_text="GB 6441-1986"
    )
    description = models.CharField("危险有害因素描述", max_length=500)
    emergency_steps = models.TextField("应急处置措施", blank=True, max_length=2000)
    # The current assessment's figures (risks.services sets them with the assessment).
    current = models.ForeignKey(
        "Assessment",
        verbose_name="当前评估",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    colour = models.CharField("风险颜色", max_length=10, choices=Colour.choices, editable=False)
    rank = models.PositiveSmallIntegerField(
        "严重程度序号", editable=False, help_text="1 红 2 橙 3 黄 4 蓝，排序与统计用"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    retired_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = "风险"
        verbose_name_plural = "风险"
        ordering = ["rank", "id"]
        indexes = [
            # The register's lists and counts read current risks only: an area's count, its
            # colours and accident types and its first page come from this index alone
            # (PostgreSQL's index-only scan; the covered columns are PostgreSQL's).
            models.Index(
                fields=["enterprise", "rank", "id"],
                include=["colour", "accident_type"],
                condition=models.Q(retired_at__isnull=True),
                name="risk_current_enterprise",
            ),
            # The whole province's first page, most severe first.
            models.Index(
                fields=["rank", "-id"],
                condition=models.Q(retired_at__isnull=True),
                name="risk_current_order",
            ),
            models.Index(fields=["colour", "enterprise"], name="risk_colour_enterprise"),
        ]

    def __str__(self):
        return self.description

    @property
    def level_label(self) -> str:
        from risks.reference import LEVEL_OF_COLOUR

        return LEVEL_OF_COLOUR[Colour(self.colour)]


def rank_of(colour: str) -> int:
    return COLOUR_ORDER.index(Colour(colour)) + 1


class Assessment(models.Model):
    """One assessment of a risk: the method, its factors, and the score, level and colour
    computed from them (risks.reference), with who assessed it and when."""

    risk = models.ForeignKey(
        Risk, verbose_name="风险", on_delete=models.PROTECT, related_name="assessments"
    )
    method = models.CharField("评价方法", max_length=10, choices=Method.choices)
    l_value = models.DecimalField("L", max_digits=5, decimal_places=2)
    e_value = models.DecimalField("E", max_digits=5, decimal_places=2, null=True, blank=True)
    c_value = models.DecimalField("C", max_digits=5, decimal_places=2, null=True, blank=True)
    s_value = models.DecimalField("S", max_digits=5, decimal_places=2, null=True, blank=True)
    score = models.DecimalField("分值（D 或 R）", max_digits=10, decimal_places=3, editable=False)
    danger_class = models.CharField("危险程度", max_length=40, editable=False)
    colour = models.CharField("风险颜色", max_length=10, choices=Colour.choices, editable=False)
    source = models.CharField("评价依据", max_length=200, default=SOURCE, editable=False)
    note = models.CharField("评估说明", max_length=500, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评估人", on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField("评估时间", auto_now_add=True)

    class Meta:
        verbose_name = "风险评估"
        verbose_name_plural = "风险评估"
        ordering = ["-assessed_at", "-id"]

    def __str__(self):
        return f"{self.get_method_display()} {self.score}"

    @property
    def formula(self) -> str:
        def n(value):
            return format(value.normalize(), "f")

        if self.method == Method.LEC:
            return (
                f"D = {n(self.l_value)} × {n(self.e_value)} × {n(self.c_value)} = {n(self.score)}"
            )
        return f"R = {n(self.l_value)} × {n(self.s_value)} = {n(self.score)}"


class MeasureQuerySet(RegisterQuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class Measure(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="+"
    )
    risk = models.ForeignKey(
        Risk, verbose_name="风险", on_delete=models.PROTECT, related_name="measures"
    )
    kind = models.CharField("措施类别", max_length=20, choices=MeasureKind.choices)
    description = models.CharField("管控措施", max_length=500)
    control_level = models.CharField("管控层级", max_length=20, choices=ControlLevel.choices)
    owner_name = models.CharField("责任人", max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤销原因", max_length=500, blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = "管控措施"
        verbose_name_plural = "管控措施"
        ordering = ["risk", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(owner_name=""), name="risk_measure_owner_named"
            )
        ]

    def __str__(self):
        return self.description

    @property
    def meets_requirement(self) -> bool:
        """Whether the measure is at the control level its risk's current colour requires (a
        re-assessment to a worse colour can leave an older measure below it: flagged)."""
        return meets(self.control_level, self.risk.colour)


class EventAction(models.TextChoices):
    UNIT_ADDED = "unit_added", "新增风险单元"
    POINT_ADDED = "point_added", "新增风险点"
    RISK_ADDED = "risk_added", "辨识风险"
    ASSESSED = "assessed", "风险评估"
    MEASURE_ADDED = "measure_added", "新增管控措施"
    MEASURE_WITHDRAWN = "measure_withdrawn", "撤销管控措施"
    PLAN_UPLOADED = "plan_uploaded", "上传四色图底图"
    PLACED = "placed", "标注四色图"
    CHECKED = "checked", "排查"


class RiskEvent(Event):
    """One change of an enterprise's risk register (core.events.record): from_state and
    to_state are the colours before and after an assessment."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+"
    )
    risk = models.ForeignKey(
        Risk, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    class Meta:
        verbose_name = "风险管控变更"
        verbose_name_plural = "风险管控变更"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.enterprise_id} {self.get_action_display()}"


class CheckResult(models.TextChoices):
    PENDING = "pending", "待排查"
    IN_PLACE = "in_place", "措施落实到位"
    NOT_IN_PLACE = "not_in_place", "措施未落实"


class CheckTaskQuerySet(RegisterQuerySet):
    def missed(self, today):
        """Unanswered past the period's last working day (漏检)."""
        return self.filter(result=CheckResult.PENDING, due_on__lt=today)

    def open_on(self, today):
        """Waiting for an answer, and still in time."""
        return self.filter(result=CheckResult.PENDING, due_on__gte=today)


class CheckTask(models.Model):
    """A routine check (排查任务) of one control measure for one period (a working day, a week,
    a month or a quarter; risks.reference.CHECK_FREQUENCY by the measure's control level),
    generated by risks.checks. Answered in place or not; not in place is a hazard in the
    ledger. Unanswered after `due_on` it is missed."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="+"
    )
    measure = models.ForeignKey(
        Measure, verbose_name="管控措施", on_delete=models.PROTECT, related_name="checks"
    )
    frequency = models.CharField("频次", max_length=10, choices=Frequency.choices)
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    due_on = models.DateField("应完成日期", help_text="周期内最后一个工作日")
    result = models.CharField(
        "排查结果", max_length=20, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    note = models.CharField("说明", max_length=500, blank=True)
    photo = models.ImageField("照片", upload_to="risk_checks/%Y/%m/", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="排查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("排查时间", null=True, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="登记的隐患",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CheckTaskQuerySet.as_manager()

    class Meta:
        verbose_name = "排查任务"
        verbose_name_plural = "排查任务"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period_start"], name="risk_check_one_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "result", "due_on"], name="risk_check_state"),
            models.Index(fields=["result", "due_on"], name="risk_check_due"),
        ]

    def __str__(self):
        return f"{self.measure} {self.period_start}"


class SitePlan(models.Model):
    """An enterprise's site plan image (总平面布置图), on which its risk units are marked in
    the colour of their highest risk (四色图). A new upload replaces the image; the marks, in
    per cent of the width and height, stay on the units."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="+"
    )
    image = models.ImageField(
        "平面图", upload_to="risk_plans/%Y/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField("宽（像素）", default=0)
    height = models.PositiveIntegerField("高（像素）", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now=True)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        verbose_name = "四色图底图"
        verbose_name_plural = "四色图底图"

    def __str__(self):
        return f"{self.enterprise_id} 平面图"
