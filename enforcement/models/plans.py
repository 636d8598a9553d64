"""Models of the inspector pool, conflicts, annual plans and random draws."""

import zlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.scoping import ScopedQuerySet

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


# Where a plan's key list came from (enforcement.plans.services.key_list).
KEY_LIST_SOURCES = [
    ("grading", "风险分级"),
    ("sectors", "高风险行业领域"),
    ("grading+sectors", "风险分级及高风险行业领域"),
]


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
        "重点名单依据", max_length=20, blank=True, choices=KEY_LIST_SOURCES
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
