"""Enforcement: the inspector pool and declared conflicts, the annual plan (key list and random
part), random draws (双随机、一公开) with everything needed to re-run them, penalties (行政处罚)
with their states as data, checklists and checklist inspections (清单化执法) with their answers,
photos, events and re-checks, and the documents issued for them with their numbers."""

import zlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import Event
from core.scoping import ScopedQuerySet
from enterprises.choices import Industry

# --- inspector pool -----------------------------------------------------------------------------


class InspectorQuerySet(ScopedQuerySet):
    def scoped(self, user):
        if not (user.is_authenticated and user.is_active) or not user.jurisdiction_id:
            return self.none()
        path = user.jurisdiction.path
        # A county's inspectors are seen by its staff and by the towns below it.
        return self.filter(
            Q(jurisdiction__path__startswith=path) | Q(jurisdiction__in=_ancestor_ids(path))
        )


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


class Inspector(models.Model):
    """An enforcement officer's entry in the pool random draws pick inspectors from
    (执法检查人员名录库). The pool is every active user of the role 执法人员 with a badge number
    (services.inspector_pool); a row here with `active` off takes one out of it (leave,
    training) without touching the account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="执法人员",
        on_delete=models.PROTECT,
        related_name="inspector",
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="所属名录库",
        on_delete=models.PROTECT,
        related_name="inspectors",
    )
    active = models.BooleanField("在库", default=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("入库时间", auto_now_add=True)

    objects = InspectorQuerySet.as_manager()

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员名录库"
        ordering = ["user_id"]

    def __str__(self):
        return f"{self.user.display_name}（{self.user.badge_number}）"


class ConflictQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class Conflict(models.Model):
    """A declared conflict of interest (回避): the inspector is never drawn for the enterprise
    while the declaration stands."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执法人员",
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="inspector_conflicts",
    )
    reason = models.CharField("回避事由", max_length=200)
    declared_at = models.DateTimeField("申报时间", auto_now_add=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ConflictQuerySet.as_manager()

    class Meta:
        verbose_name = "回避申报"
        verbose_name_plural = "回避申报"
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "enterprise"],
                condition=Q(withdrawn_at__isnull=True),
                name="conflict_one_active",
            )
        ]

    def __str__(self):
        return f"{self.inspector} 回避 {self.enterprise}"


# --- annual plan --------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已批准"


class AreaQuerySet(ScopedQuerySet):
    """Plans and draws belong to an area (a county, usually). A bureau user sees those of their
    area and below; a town supervisor also those of the county above (filtered to their town's
    enterprises where rows are listed)."""

    def scoped(self, user):
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.jurisdiction_id:
            path = user.jurisdiction.path
            return self.filter(
                Q(jurisdiction__path__startswith=path) | Q(jurisdiction__in=_ancestor_ids(path))
            )
        return self.none()


class EnforcementPlan(models.Model):
    """A year's enforcement plan (年度监督检查计划, seed task 22): the key list (重点检查企业) with
    each one's visits, and the random part (双随机抽查) by month."""

    year = models.PositiveIntegerField("年度")
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="辖区",
        on_delete=models.PROTECT,
        related_name="enforcement_plans",
    )
    title = models.CharField("名称", max_length=100)
    status = models.CharField(
        "状态", max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    # Random inspections planned per month: {"1": 10, "2": 12, ...}; months absent plan none.
    random_by_month = models.JSONField("双随机抽查（按月）", default=dict, blank=True)
    key_list_source = models.CharField(
        "重点名单依据", max_length=20, blank=True, help_text="grading（分级）或 sectors（行业领域）"
    )
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("编制时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = "年度执法计划"
        verbose_name_plural = "年度执法计划"
        ordering = ["-year", "jurisdiction__path"]
        constraints = [
            models.UniqueConstraint(fields=["year", "jurisdiction"], name="plan_one_per_year")
        ]

    def __str__(self):
        return self.title

    @property
    def random_target(self) -> int:
        return sum(int(v) for v in (self.random_by_month or {}).values())


class PlanItem(models.Model):
    """One enterprise of the key list with how often and in which months it is inspected."""

    plan = models.ForeignKey(
        EnforcementPlan, verbose_name="计划", on_delete=models.CASCADE, related_name="items"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="plan_items",
    )
    reason = models.CharField("列入原因", max_length=200)
    visits = models.PositiveSmallIntegerField("年度检查次数", default=1)
    months = models.JSONField("检查月份", default=list, blank=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="责任执法人员", blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "重点检查企业"
        verbose_name_plural = "重点检查企业"
        ordering = ["plan", "enterprise__name_initials", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="plan_item_unique")
        ]

    def __str__(self):
        return f"{self.plan} · {self.enterprise}"


# --- random draws -------------------------------------------------------------------------------


def pack_ids(ids: list[int]) -> bytes:
    """Sorted ids as zlib-compressed deltas: 100,000 consecutive-ish ids take a few KB."""
    previous = 0
    parts = []
    for value in ids:
        parts.append(str(value - previous))
        previous = value
    return zlib.compress(",".join(parts).encode(), 9)


def unpack_ids(blob: bytes) -> list[int]:
    if not blob:
        return []
    text = zlib.decompress(bytes(blob)).decode()
    ids, total = [], 0
    for part in text.split(","):
        if part:
            total += int(part)
            ids.append(total)
    return ids


class DrawQuerySet(AreaQuerySet):
    def scoped(self, user):
        """Bureau users: draws of their area, above it or below it. Others (enterprise users,
        experts): published draws with an assignment to one of their enterprises."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.jurisdiction_id:
            return super().scoped(user)
        mine = DrawAssignment.objects.for_user(user).values("draw_id")
        return self.filter(published=True, pk__in=mine)

    def published(self):
        return self.filter(published=True)


class Draw(models.Model):
    """One random draw (双随机抽查). Everything needed to re-run it is stored: the seed, the
    filter that made the pool, the pool itself (enterprise ids, packed; inspector ids), the
    exclusions in force for the enterprises drawn (declared conflicts, the previous draw's
    inspectors) and a hash over all of it. `services.verify` re-runs the algorithm on these
    inputs and compares with the stored assignments."""

    ALGORITHM = "v1"

    plan = models.ForeignKey(
        EnforcementPlan,
        verbose_name="所属计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draws",
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT, related_name="draws"
    )
    name = models.CharField("名称", max_length=100)
    filters = models.JSONField("抽取范围", default=dict, blank=True)
    enterprise_count = models.PositiveIntegerField("抽取企业数")
    inspectors_per_enterprise = models.PositiveSmallIntegerField("每户执法人员数", default=2)
    avoid_repeat = models.BooleanField("避免上次检查人员重复", default=True)
    planned_from = models.DateField("计划检查起", null=True, blank=True)
    planned_to = models.DateField("计划检查止", null=True, blank=True)
    seed = models.CharField("随机种子", max_length=64)
    seed_generated = models.BooleanField("系统生成种子", default=True)
    algorithm = models.CharField("算法版本", max_length=10, default=ALGORITHM)
    pool_size = models.PositiveIntegerField("企业库数量", default=0)
    pool_ids = models.BinaryField("企业库（压缩编号）", default=b"")
    inspector_ids = models.JSONField("执法人员库（编号）", default=list)
    exclusions = models.JSONField(
        "回避与避免重复", default=dict, help_text="{企业编号: [不得抽取的执法人员编号]}"
    )
    previous_draw = models.ForeignKey(
        "self",
        verbose_name="上一次抽查",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inputs_hash = models.CharField("输入摘要（SHA-256）", max_length=64)
    result_hash = models.CharField("结果摘要（SHA-256）", max_length=64)
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT, related_name="+"
    )
    published = models.BooleanField("已公开", default=False)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = "双随机抽查"
        verbose_name_plural = "双随机抽查"
        ordering = ["-drawn_at", "-id"]
        indexes = [models.Index(fields=["published", "-drawn_at"], name="draw_published")]

    def __str__(self):
        return self.name

    @property
    def pool(self) -> list[int]:
        return unpack_ids(self.pool_ids)


class Outcome(models.TextChoices):
    NONE = "", "待检查"
    COMPLIANT = "compliant", "未发现问题"
    RECTIFY = "rectify", "发现问题，责令整改"
    PENALTY = "penalty", "发现违法行为，立案处罚"
    CLOSED = "closed", "企业已关闭或停产"


class DrawAssignment(models.Model):
    """An enterprise drawn, in the order drawn, with its inspectors."""

    draw = models.ForeignKey(
        Draw, verbose_name="抽查", on_delete=models.CASCADE, related_name="assignments"
    )
    position = models.PositiveIntegerField("抽取顺序")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="draw_assignments",
    )
    planned_date = models.DateField("计划检查日期", null=True, blank=True)
    outcome = models.CharField(
        "检查结果", max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    outcome_note = models.CharField("结果说明", max_length=300, blank=True)
    completed_on = models.DateField("检查日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结果登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "抽查企业"
        verbose_name_plural = "抽查企业"
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="assignment_position"),
            models.UniqueConstraint(fields=["draw", "enterprise"], name="assignment_enterprise"),
        ]
        indexes = [models.Index(fields=["enterprise", "draw"], name="assignment_enterprise_draw")]

    def __str__(self):
        return f"{self.draw} · {self.enterprise}"


class AssignmentInspector(models.Model):
    assignment = models.ForeignKey(
        DrawAssignment, on_delete=models.CASCADE, related_name="inspector_rows"
    )
    position = models.PositiveSmallIntegerField("顺序")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执法人员",
        on_delete=models.PROTECT,
        related_name="draw_assignments",
    )

    class Meta:
        verbose_name = "抽中执法人员"
        verbose_name_plural = "抽中执法人员"
        ordering = ["assignment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "inspector"], name="assignment_inspector_unique"
            )
        ]

    def __str__(self):
        return f"{self.assignment} · {self.inspector}"


# --- penalties ----------------------------------------------------------------------------------


class PenaltyState(models.Model):
    """A state of a penalty case (立案 → 告知 → 决定 → 执行完毕 → 结案), kept as data (migration
    0001 loads them, with their source) so a reader can check them against the procedure."""

    code = models.CharField("代码", max_length=20, primary_key=True)
    name = models.CharField("名称", max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField("顺序", default=0)
    next_states = models.JSONField("可转入状态", default=list, blank=True)
    is_final = models.BooleanField("终结状态", default=False)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "处罚案件状态"
        verbose_name_plural = "处罚案件状态"
        ordering = ["sort_order"]

    def __str__(self):
        return self.name


class Penalty(models.Model):
    """An administrative penalty case (行政处罚). The grading app reads `enterprise`,
    `decided_on`, `amount` and `state`; keep those names."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="当事企业",
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="立案机关辖区",
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("年度序号")
    case_number = models.CharField("案号", max_length=60, unique=True)
    violation = models.TextField("违法事实")
    # 第九十九条 is one paragraph of eight items: a case cites the item (checked 2026-11-29).
    legal_basis = models.TextField(
        "处罚依据", help_text="例如：《中华人民共和国安全生产法》第九十九条第（三）项"
    )
    amount = models.DecimalField("罚款金额（元）", max_digits=12, decimal_places=2, default=0)
    state = models.ForeignKey(
        PenaltyState, verbose_name="状态", on_delete=models.PROTECT, related_name="+"
    )
    filed_on = models.DateField("立案日期")
    decided_on = models.DateField("决定日期", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    inspection = models.ForeignKey(
        "Inspection",
        verbose_name="来源检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="承办人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "行政处罚"
        verbose_name_plural = "行政处罚"
        ordering = ["-year", "-serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "serial"], name="penalty_serial_per_year"
            )
        ]
        indexes = [models.Index(fields=["enterprise", "decided_on"], name="penalty_ent_decided")]

    def __str__(self):
        return self.case_number


class PenaltyEvent(Event):
    """One transition of a penalty case (core.events.record), announced by
    enforcement.notifications."""

    penalty = models.ForeignKey(Penalty, on_delete=models.CASCADE, related_name="events")
    to_state = models.CharField("新状态", max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "处罚案件记录"
        verbose_name_plural = "处罚案件记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.penalty} {self.from_state}→{self.to_state}"


# --- checklists ---------------------------------------------------------------------------------


class ChecklistTemplateQuerySet(models.QuerySet):
    def for_enterprise(self, enterprise):
        """Templates that apply to an enterprise: general ones (no industry, no sector), its
        industry's, and those of its sector tags."""
        tags = list(enterprise.sector_tags.values_list("code", flat=True))
        return self.filter(
            Q(industry="") | Q(industry=enterprise.industry),
            Q(sector_tag__isnull=True) | Q(sector_tag__in=tags),
            active=True,
        )


class ChecklistTemplate(models.Model):
    """An inspection checklist (检查清单, seed task 22: 实施“清单化”监管执法) for an industry and/or
    a sector tag, or for every enterprise when it names neither. Built from the criteria library
    (enforcement.checklists) plus common items of the Work Safety Law, each with its legal
    basis."""

    code = models.CharField("代码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=100)
    industry = models.CharField(
        "适用行业", max_length=30, choices=Industry.choices, blank=True, help_text="空：不限行业"
    )
    sector_tag = models.ForeignKey(
        "enterprises.SectorTag",
        verbose_name="适用重点行业领域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checklist_templates",
    )
    source = models.CharField("依据", max_length=200)
    sort_order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)

    objects = ChecklistTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "检查清单"
        verbose_name_plural = "检查清单"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    """One item of a checklist with its legal basis. An item built from the criteria library
    names its criterion: found wanting, it is a major hazard (重大事故隐患)."""

    template = models.ForeignKey(
        ChecklistTemplate, verbose_name="清单", on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField("代码", max_length=60)
    text = models.TextField("检查内容")
    legal_basis = models.CharField("依据", max_length=300)
    criterion = models.ForeignKey(
        "hazards.MajorHazardCriterion",
        verbose_name="对应重大事故隐患判定标准",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checklist_items",
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "检查清单条目"
        verbose_name_plural = "检查清单条目"
        ordering = ["template__sort_order", "template__code", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="checklist_item_code"),
        ]

    def __str__(self):
        return self.text[:40]


# --- inspections --------------------------------------------------------------------------------


class InspectionKind(models.TextChoices):
    ON_SITE = "on_site", "现场检查"
    UNANNOUNCED = "unannounced", "暗查暗访（四不两直）"
    REMOTE = "remote", "非现场执法"


class InspectionState(models.TextChoices):
    DRAFT = "draft", "检查中"
    COMPLETED = "completed", "已完成"


class InspectionQuerySet(ScopedQuerySet):
    def scoped(self, user):
        """The scoping gate; an enterprise's own users see its inspections only once completed
        (an unannounced visit is not announced by the platform either)."""
        scoped = super().scoped(user)
        if user.is_authenticated and user.enterprise_id and not user.jurisdiction_id:
            return scoped.filter(state=InspectionState.COMPLETED)
        return scoped

    def completed(self):
        return self.filter(state=InspectionState.COMPLETED)


class Inspection(models.Model):
    """An enforcement inspection of one enterprise against its checklist (清单化执法): on site,
    unannounced (四不两直), or remote from monitoring evidence (非现场执法, seed task 23)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="被检查企业",
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="检查机关辖区",
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    kind = models.CharField("检查方式", max_length=20, choices=InspectionKind.choices)
    state = models.CharField(
        "状态", max_length=20, choices=InspectionState.choices, default=InspectionState.DRAFT
    )
    inspected_on = models.DateField("检查日期")
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="执法人员", related_name="inspections"
    )
    assignment = models.ForeignKey(
        DrawAssignment,
        verbose_name="双随机抽查任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    plan_item = models.ForeignKey(
        PlanItem,
        verbose_name="重点检查计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    evidence_alarms = models.ManyToManyField(
        "monitoring.Alarm", verbose_name="引用的监测报警", blank=True, related_name="+"
    )
    evidence_warnings = models.ManyToManyField(
        "monitoring.PowerWarning", verbose_name="引用的电力预警", blank=True, related_name="+"
    )
    place = models.CharField("检查场所", max_length=200, blank=True)
    findings = models.TextField("检查情况", blank=True)
    rectify_deadline = models.DateField("整改期限", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "执法检查"
        verbose_name_plural = "执法检查"
        ordering = ["-inspected_on", "-id"]
        indexes = [
            models.Index(fields=["state", "inspected_on"], name="inspection_state_date"),
            models.Index(fields=["enterprise", "inspected_on"], name="inspection_ent_date"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.inspected_on} {self.get_kind_display()}"

    @property
    def is_draft(self) -> bool:
        return self.state == InspectionState.DRAFT


class Result(models.TextChoices):
    COMPLIANT = "compliant", "符合"
    NOT_COMPLIANT = "not_compliant", "不符合"
    NOT_APPLICABLE = "not_applicable", "不适用"


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name="检查", on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name="清单条目", on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField("结果", max_length=20, choices=Result.choices)
    note = models.CharField("情况说明", max_length=500, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="登记的隐患",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection_answers",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("填写时间", auto_now=True)

    class Meta:
        verbose_name = "检查结果"
        verbose_name_plural = "检查结果"
        ordering = ["inspection", "item__template__sort_order", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_answer_once"),
        ]

    def __str__(self):
        return f"{self.item} {self.get_result_display()}"


class InspectionPhotoQuerySet(ScopedQuerySet):
    scope_path_lookup = "answer__inspection__enterprise__scope_path"
    scope_enterprise_lookup = "answer__inspection__enterprise"


class InspectionPhoto(models.Model):
    answer = models.ForeignKey(
        InspectionAnswer, verbose_name="检查结果", on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField("照片", upload_to="enforcement/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = InspectionPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "检查照片"
        verbose_name_plural = "检查照片"

    def __str__(self):
        return self.image.name


class InspectionEvent(models.Model):
    """What happened to an inspection, as rows: created, answered, completed, rechecked."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    note = models.CharField("说明", max_length=300, blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)

    class Meta:
        verbose_name = "执法检查记录"
        verbose_name_plural = "执法检查记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.inspection} {self.action}"


class Recheck(models.Model):
    """A re-check of the rectification ordered by an inspection (整改复查), with the states of
    its hazards as they stood then."""

    inspection = models.ForeignKey(
        Inspection, verbose_name="检查", on_delete=models.CASCADE, related_name="rechecks"
    )
    rechecked_on = models.DateField("复查日期")
    opinion = models.TextField("复查意见")
    hazard_states = models.JSONField("隐患整改情况", default=list)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="复查人员", related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改复查"
        verbose_name_plural = "整改复查"
        ordering = ["rechecked_on", "id"]

    def __str__(self):
        return f"{self.inspection} 复查 {self.rechecked_on}"


# --- documents ----------------------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    RECORD = "record", "现场检查记录"
    RECTIFY_ORDER = "rectify_order", "责令限期整改指令书"
    RECHECK = "recheck", "整改复查意见书"
    PENALTY = "penalty", "行政处罚立案"


class DocumentNumber(models.Model):
    """The last number given out per issuing body, kind and year (文书编号). `numbering.allocate`
    increments it under a row lock; the year's first number is 1."""

    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", verbose_name="发文机关辖区", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("文书种类", max_length=20, choices=DocumentKind.choices)
    year = models.PositiveIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "文书编号"
        verbose_name_plural = "文书编号"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "year"], name="document_number_once"
            )
        ]

    def __str__(self):
        return f"{self.jurisdiction} {self.get_kind_display()} {self.year}: {self.last}"


class InspectionDocumentQuerySet(ScopedQuerySet):
    scope_path_lookup = "inspection__enterprise__scope_path"
    scope_enterprise_lookup = "inspection__enterprise"


class InspectionDocument(models.Model):
    """An enforcement document issued for an inspection: its number and the data it was filled
    with when issued (`data`), from which the Word file is rendered (enforcement.documents)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name="检查", on_delete=models.PROTECT, related_name="documents"
    )
    recheck = models.OneToOneField(
        Recheck,
        verbose_name="复查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document",
    )
    kind = models.CharField("文书种类", max_length=20, choices=DocumentKind.choices)
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("年度序号")
    number = models.CharField("文书编号", max_length=60, unique=True)
    data = models.JSONField("文书内容", default=dict)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制作人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("制作时间", auto_now_add=True)

    objects = InspectionDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "执法文书"
        verbose_name_plural = "执法文书"
        ordering = ["inspection", "issued_at", "id"]

    def __str__(self):
        return self.number

    @property
    def filename(self) -> str:
        return f"{self.get_kind_display()}-{self.number}.docx"
