"""Where the county stands against the three-year plan (seed section 一 and 三(一)).

- `Snapshot`: one measure's figure for one jurisdiction node (a town, a county, a city, the
  province) at one moment: the live figure (refreshed nightly or on request, replaced each
  time) and the frozen month-end and year-end figures (written once, never changed, so 2024's
  figure stays 2024's whatever arrives later). A node above a town holds the sum of its towns'
  numerators and denominators, written with them, so a dashboard reads one node's rows.
- `SnapshotRun`: each computation, with how long it took (the dashboard shows when its figures
  were computed and in how long).
- `TownPlan`, `TownTarget`, `PlanNote`: a town's own implementation plan (seed 三(一)): yearly
  targets per measure (no laxer than the county's), the division of work, progress notes.
- `Report`: the monthly and annual reports, drafted from the snapshots, edited, issued with a
  number (the figures and text stored as issued).
- `TargetEvent`: every change of the above, recorded through core.events."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import Event, Jurisdiction
from core.scoping import ScopedQuerySet, ancestor_paths


class NodeQuerySet(ScopedQuerySet):
    """Rows that belong to a jurisdiction node: a user of a jurisdiction role sees those of
    their node and below, and the nodes above theirs (a town sees the county's figures it is
    measured against); enterprise users and experts none."""

    node_lookup = "jurisdiction"

    def scoped(self, user):
        if not user.jurisdiction_id:
            return self.none()
        path = user.jurisdiction.path
        return self.filter(
            Q(**{f"{self.node_lookup}__path__startswith": path})
            | Q(**{f"{self.node_lookup}__path__in": ancestor_paths(path)})
        )


class OwnNodeQuerySet(NodeQuerySet):
    """Rows a user sees only at or below their own node (town plans, reports)."""

    def scoped(self, user):
        if not user.jurisdiction_id:
            return self.none()
        return self.filter(**{f"{self.node_lookup}__path__startswith": user.jurisdiction.path})


class PlanPartQuerySet(NodeQuerySet):
    node_lookup = "plan__jurisdiction"


class Period(models.TextChoices):
    LIVE = "live", "实时"
    MONTH = "month", "月末"
    YEAR = "year", "年末"


class Snapshot(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="区划", on_delete=models.CASCADE, related_name="+"
    )
    measure = models.CharField("指标", max_length=40)
    period = models.CharField("时点", max_length=10, choices=Period.choices)
    # The last day the figure covers: the month's or year's last day; for a live figure the
    # day it was computed.
    period_end = models.DateField("截至日期")
    numerator = models.BigIntegerField("分子/数量", default=0)
    # Empty for a count measure (the figure is the numerator).
    denominator = models.BigIntegerField("分母", null=True, blank=True)
    run = models.ForeignKey(
        "SnapshotRun", verbose_name="计算批次", on_delete=models.PROTECT, related_name="snapshots"
    )

    objects = NodeQuerySet.as_manager()

    class Meta:
        verbose_name = "目标指标快照"
        verbose_name_plural = "目标指标快照"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "measure", "period", "period_end"],
                name="target_snapshot_once",
            )
        ]
        indexes = [models.Index(fields=["jurisdiction", "period", "period_end"])]

    def __str__(self):
        return f"{self.jurisdiction_id} {self.measure} {self.period} {self.period_end}"


class SnapshotRun(models.Model):
    period = models.CharField("时点", max_length=10, choices=Period.choices)
    period_end = models.DateField("截至日期")
    # Year-end and month-end figures computed after the day, from records' own dates where
    # they have them (backfilled when the platform started after the period ended).
    backfilled = models.BooleanField("补算", default=False)
    started_at = models.DateTimeField("开始时间")
    duration_ms = models.PositiveIntegerField("用时（毫秒）", default=0)
    rows = models.PositiveIntegerField("写入条数", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "目标指标计算"
        verbose_name_plural = "目标指标计算"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_period_display()} {self.period_end}"


class TownPlan(models.Model):
    """A town's implementation plan for the three years (seed 三(一): 结合本辖区实际制定实施方案，
    明确治本攻坚年度目标、任务分工和保障措施)."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name="镇街", on_delete=models.PROTECT, related_name="target_plan"
    )
    title = models.CharField("方案名称", max_length=120)
    division_of_work = models.TextField("任务分工", blank=True)
    safeguards = models.TextField("保障措施", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = NodeQuerySet.as_manager()

    class Meta:
        verbose_name = "镇街实施方案"
        verbose_name_plural = "镇街实施方案"

    def __str__(self):
        return self.title


class TownTarget(models.Model):
    plan = models.ForeignKey(TownPlan, on_delete=models.CASCADE, related_name="targets")
    measure = models.CharField("指标", max_length=40)
    year = models.PositiveSmallIntegerField("年度")
    goal = models.DecimalField("目标值", max_digits=9, decimal_places=2)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        verbose_name = "镇街年度目标"
        verbose_name_plural = "镇街年度目标"
        constraints = [
            models.UniqueConstraint(fields=["plan", "measure", "year"], name="town_target_once")
        ]

    def __str__(self):
        return f"{self.measure} {self.year}: {self.goal}"


class PlanNote(models.Model):
    plan = models.ForeignKey(TownPlan, on_delete=models.CASCADE, related_name="notes")
    written_on = models.DateField("日期")
    text = models.TextField("推进情况")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        verbose_name = "实施方案推进情况"
        verbose_name_plural = "实施方案推进情况"
        ordering = ["-written_on", "-id"]

    def __str__(self):
        return f"{self.plan_id} {self.written_on}"


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", "月度报告"
    ANNUAL = "annual", "年度报告"


class ReportState(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已印发"


class Report(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="发文机关辖区", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=10, choices=ReportKind.choices)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    state = models.CharField(
        "状态", max_length=10, choices=ReportState.choices, default=ReportState.DRAFT
    )
    title = models.CharField("标题", max_length=120)
    # The automatically drafted text, edited by the bureau before issuing.
    text = models.TextField("正文", blank=True)
    # The period's figures as drafted (tables of the report), frozen at issue with the text.
    content = models.JSONField("数据", default=dict, blank=True)
    number = models.CharField("文号", max_length=60, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField("起草时间", auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="印发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)

    objects = OwnNodeQuerySet.as_manager()

    class Meta:
        verbose_name = "治本攻坚报告"
        verbose_name_plural = "治本攻坚报告"
        ordering = ["-period_end", "-id"]

    def __str__(self):
        return self.number or self.title


class EventAction(models.TextChoices):
    PLAN_SAVED = "plan_saved", "填报实施方案"
    PLAN_NOTE = "plan_note", "填报推进情况"
    REPORT_DRAFTED = "report_drafted", "起草报告"
    REPORT_EDITED = "report_edited", "修改报告"
    REPORT_ISSUED = "report_issued", "印发报告"
    SNAPSHOT = "snapshot", "冻结指标"


class TargetEvent(Event):
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="+", verbose_name="区划"
    )
    plan = models.ForeignKey(
        TownPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    objects = OwnNodeQuerySet.as_manager()

    class Meta:
        verbose_name = "三年目标记录"
        verbose_name_plural = "三年目标记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"
