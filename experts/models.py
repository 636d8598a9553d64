"""The confined-space ledger (有限空间台账) an enterprise keeps, and the confined-space expert
visits (seed task 9) in four parts (动员培训、现场会诊、交流研讨、讲评反馈): the plan with its
experts, each part's record, the diagnosis findings (each a hazard of the ledger, source expert
visit), the experts' review of the ledger, the numbered feedback report and the visit's
events. Every change goes through experts.services."""

from django.conf import settings
from django.db import models

from core.models import Event, Jurisdiction
from core.scoping import ScopedQuerySet
from experts.reference import HAZARD_LABELS, Part, ReviewResult, VisitState


class ConfinedSpace(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="confined_spaces",
    )
    name = models.CharField("有限空间名称", max_length=60)
    location = models.CharField("所在位置", max_length=100)
    kind = models.ForeignKey(
        "enterprises.ProcessKind",
        verbose_name="类型",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"group": "confined_space"},
    )
    hazards = models.JSONField("危险有害因素", default=list)
    lockout = models.BooleanField("挂牌上锁", default=False)
    isolation = models.BooleanField("物理隔离", default=False)
    scan_entry = models.BooleanField("扫码进入", default=False)
    monitoring = models.BooleanField("过程监控", default=False)
    responsible = models.CharField("责任人", max_length=40)
    last_checked_on = models.DateField("最近检查日期", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "有限空间"
        verbose_name_plural = "有限空间台账"
        ordering = ["enterprise", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="confined_space_name_once")
        ]

    def __str__(self):
        return self.name

    @property
    def hazard_labels(self) -> list[str]:
        return [HAZARD_LABELS.get(code, code) for code in self.hazards]


class VisitQuerySet(ScopedQuerySet):
    """The bureau and towns see the visits of the enterprises below them; an expert only the
    visits they are assigned to (not every visit of an enterprise they follow); an enterprise's
    people their own."""

    def scoped(self, user):
        from accounts.roles import Role

        if user.role == Role.EXPERT and not user.jurisdiction_id:
            return self.filter(experts=user)
        return super().scoped(user)


class ExpertVisit(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="组织单位",
        on_delete=models.PROTECT,
        related_name="expert_visits",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="expert_visits",
    )
    planned_on = models.DateField("计划日期", db_index=True)
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="专家", related_name="expert_visits"
    )
    state = models.CharField(
        "状态", max_length=20, choices=VisitState.choices, default=VisitState.PLANNED
    )
    summary = models.TextField("讲评反馈意见", blank=True)
    report_number = models.CharField("反馈报告编号", max_length=60, blank=True)
    report_data = models.JSONField("反馈报告内容", default=dict, blank=True, editable=False)
    reported_at = models.DateTimeField("出具时间", null=True, blank=True)
    closed_at = models.DateTimeField("闭环时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="计划人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("计划时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "有限空间专家会诊"
        verbose_name_plural = "有限空间专家会诊"
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["state", "planned_on"], name="expert_visit_state")]

    def __str__(self):
        return f"{self.enterprise} {self.planned_on}"


class VisitChildQuerySet(ScopedQuerySet):
    """Rows of a visit are seen where their visit is."""

    scope_path_lookup = "visit__enterprise__scope_path"
    scope_enterprise_lookup = "visit__enterprise"

    def scoped(self, user):
        return self.filter(visit__in=ExpertVisit.objects.scoped(user).values("pk"))


class VisitPart(models.Model):
    visit = models.ForeignKey(ExpertVisit, on_delete=models.CASCADE, related_name="parts")
    part = models.CharField("环节", max_length=20, choices=Part.choices)
    held_on = models.DateField("日期")
    attendees = models.PositiveIntegerField("参加人数")
    content = models.TextField("内容", max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    objects = VisitChildQuerySet.as_manager()

    class Meta:
        verbose_name = "会诊环节"
        verbose_name_plural = "会诊环节"
        ordering = ["visit", "held_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "part"], name="expert_visit_part_once")
        ]

    def __str__(self):
        return self.get_part_display()


class VisitFinding(models.Model):
    """A problem the experts found on site; it is a hazard of the ledger (source expert visit)
    from the moment it is recorded."""

    visit = models.ForeignKey(ExpertVisit, on_delete=models.CASCADE, related_name="findings")
    space = models.ForeignKey(
        ConfinedSpace,
        verbose_name="有限空间",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    description = models.CharField("问题描述", max_length=500)
    place = models.CharField("部位", max_length=100, blank=True)
    hazard = models.OneToOneField(
        "hazards.Hazard",
        verbose_name="隐患",
        on_delete=models.PROTECT,
        related_name="expert_finding",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = VisitChildQuerySet.as_manager()

    class Meta:
        verbose_name = "会诊发现问题"
        verbose_name_plural = "会诊发现问题"
        ordering = ["visit", "id"]

    def __str__(self):
        return self.description


class SpaceReview(models.Model):
    """The experts' verdict on one space of the enterprise's ledger during a visit."""

    visit = models.ForeignKey(ExpertVisit, on_delete=models.CASCADE, related_name="reviews")
    space = models.ForeignKey(ConfinedSpace, on_delete=models.CASCADE, related_name="reviews")
    result = models.CharField("审核结论", max_length=10, choices=ReviewResult.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    finding = models.OneToOneField(
        VisitFinding,
        verbose_name="登记的问题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", auto_now=True)

    objects = VisitChildQuerySet.as_manager()

    class Meta:
        verbose_name = "有限空间台账审核"
        verbose_name_plural = "有限空间台账审核"
        ordering = ["visit", "space__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "space"], name="expert_review_once")
        ]

    def __str__(self):
        return f"{self.space} {self.get_result_display()}"


class EventAction(models.TextChoices):
    PLANNED = "planned", "计划会诊"
    PART = "part", "登记会诊环节"
    FINDING = "finding", "登记会诊问题"
    REVIEW = "review", "审核有限空间台账"
    REPORTED = "reported", "出具反馈报告"
    CLOSED = "closed", "闭环"
    SPACE = "space", "登记有限空间"


class ExpertEvent(Event):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+"
    )
    visit = models.ForeignKey(
        ExpertVisit, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    space = models.ForeignKey(
        ConfinedSpace, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    class Meta:
        verbose_name = "专家服务记录变更"
        verbose_name_plural = "专家服务记录变更"
        ordering = ["at", "id"]

    def __str__(self):
        return self.get_action_display()
