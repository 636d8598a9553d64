"""Models of checklists, checklist inspections, re-checks and documents."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import Event
from core.scoping import ScopedQuerySet
from enforcement.models.plans import DrawAssignment, PlanItem
from enterprises.choices import Industry

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
    (enforcement.inspections.checklists) plus common items of the Work Safety Law, each with
    its legal basis."""

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
    # Made by the phone that recorded the inspection offline (fieldwork/): sent again, the
    # same id finds this inspection instead of making a second one.
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True, editable=False)

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


class InspectionEvent(Event):
    """What happened to an inspection (core.events.record): created, evidence cited, completed
    (draft -> completed), rechecked. Also the outbox of its notifications
    (enforcement.notifications)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )

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
    WARNING_LETTER = "warning_letter", "事故警示提醒函"
    EXPERT_REPORT = "expert_report", "专家会诊反馈报告"
    MONTHLY_REPORT = "monthly_report", "治本攻坚月度报告"
    ANNUAL_REPORT = "annual_report", "治本攻坚年度报告"


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
    with when issued (`data`), from which the Word file is rendered
    (enforcement.inspections.documents)."""

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
