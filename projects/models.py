"""建设项目安全设施“三同时” and 淘汰落后工艺设备 (seed tasks 2 and 4).

- `Project`: an enterprise's construction project (新建、改建、扩建) and its safety facility
  milestones; each step is a `ProjectEvent` (core.events) with its date and document.
- `ObsoleteEntry`: the catalogue of obsolete processes and equipment, as data with its source
  and an `unconfirmed` flag (projects/catalogue_data.py, loaded by a migration, then edited in
  the admin).
- `Equipment`: an enterprise's equipment register; `EquipmentMatch`: an item of it that matches
  a catalogue entry, with the hazard raised for it (hazards.services)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Event
from core.scoping import ScopedQuerySet
from projects.states import Action, ProjectKind, State


class _ViewedBy(ScopedQuerySet):
    """Rows of the enterprises in the user's scope, none for a role without `view_action`."""

    view_action = ""

    def scoped(self, user):
        from accounts.roles import can

        if not can(user, self.view_action):
            return self.none()
        return super().scoped(user)


class ProjectQuerySet(_ViewedBy):
    view_action = "project.view"

    def flagged(self):
        return self.filter(unreviewed_construction=True)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            models.Q(name__icontains=text) | models.Q(enterprise__name__icontains=text)
        )


class Project(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="建设单位",
        on_delete=models.PROTECT,
        related_name="construction_projects",
    )
    name = models.CharField("项目名称", max_length=200)
    kind = models.CharField("建设性质", max_length=10, choices=ProjectKind.choices)
    is_metal_smelting = models.BooleanField(
        "金属冶炼建设项目",
        default=False,
        help_text="金属冶炼建设项目的安全设施设计须经应急管理部门审查（治本攻坚方案 任务2）",
    )
    description = models.TextField("建设内容", blank=True)
    planned_start = models.DateField("计划开工日期", null=True, blank=True)
    planned_completion = models.DateField("计划竣工日期", null=True, blank=True)
    state = models.CharField(
        "三同时进度", max_length=20, choices=State.choices, default=State.REGISTERED
    )
    # The milestones, as the events record them (kept here for the lists).
    designed_on = models.DateField("安全设施设计完成日期", null=True, blank=True)
    designer = models.CharField("设计单位", max_length=200, blank=True)
    review_submitted_on = models.DateField("提交设计审查日期", null=True, blank=True)
    reviewed_on = models.DateField("设计审查通过日期", null=True, blank=True)
    reviewers = models.CharField("审查人员", max_length=200, blank=True)
    construction_started_on = models.DateField("安全设施开工日期", null=True, blank=True)
    commissioned_on = models.DateField("竣工验收日期", null=True, blank=True)
    # 未经审查擅自建设 (seed task 2): for a penalty case and a design diagnosis.
    unreviewed_construction = models.BooleanField("未经审查擅自建设", default=False)
    flagged_at = models.DateTimeField("认定时间", null=True, blank=True)
    diagnosed_on = models.DateField("设计诊断日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "建设项目"
        verbose_name_plural = "建设项目"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "state"], name="project_enterprise_state"),
            models.Index(fields=["unreviewed_construction", "flagged_at"], name="project_flagged"),
        ]

    def __str__(self):
        return self.name

    @property
    def needs_review(self) -> bool:
        return self.is_metal_smelting

    @property
    def awaiting_diagnosis(self) -> bool:
        return self.unreviewed_construction and self.diagnosed_on is None


def _document_path(instance, filename):
    """Stored under a generated name (the uploaded name, which may be long or odd, is kept in
    `document_name`); only the extension is taken, and it was checked (projects.documents)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"projects/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class ProjectEvent(Event):
    """One step of a project's safety facilities (core.events.record): who, when, which step,
    the date it took place, its document and, for a design review, the reviewers."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("步骤", max_length=30, choices=Action.choices)
    on = models.DateField("日期", null=True, blank=True)
    document = models.FileField("文件", upload_to=_document_path, blank=True, max_length=200)
    document_name = models.CharField("文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = "建设项目进度记录"
        verbose_name_plural = "建设项目进度记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.project_id} {self.get_action_display()}"


class EntryKind(models.TextChoices):
    PROCESS = "process", "工艺"
    EQUIPMENT = "equipment", "设备"


class ObsoleteEntry(models.Model):
    """One entry of the catalogue of obsolete processes and equipment. An item of an
    enterprise's register matches when its name or process holds one of `keywords` and, where
    `model_patterns` are given, its model matches one of them (* any characters, ? one)."""

    code = models.CharField("编号", max_length=40, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=EntryKind.choices)
    keywords = models.TextField(
        "匹配关键词", blank=True, help_text="每行一个；设备名称或所属工艺含任一关键词即匹配"
    )
    model_patterns = models.TextField(
        "型号模式",
        blank=True,
        help_text="每行一个，如 TQ60*；填写后型号也须符合其中之一（* 任意字符，? 一个字符）",
    )
    source = models.CharField("依据文件", max_length=200)
    source_item = models.CharField("条目", max_length=200, blank=True)
    unconfirmed = models.BooleanField(
        "未经核对",
        default=True,
        help_text="未能与官方文本逐条核对的条目；核对后取消勾选",
    )
    deadline_days = models.PositiveIntegerField(
        "整改期限（天）",
        default=180,
        help_text="匹配时登记的隐患整改期限；本平台默认值，非官方规定",
    )
    active = models.BooleanField("启用", default=True)
    note = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Set by the matching task when it finished (an update, so updated_at stays): an entry
    # changed after it, or never matched, is matched again by the hourly sweep (the task may
    # have died with its worker).
    matched_at = models.DateTimeField("最近匹配时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "淘汰落后工艺设备目录条目"
        verbose_name_plural = "淘汰落后工艺设备目录"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.splitlines() if k.strip()]

    @property
    def pattern_list(self) -> list[str]:
        return [p.strip() for p in self.model_patterns.splitlines() if p.strip()]

    @property
    def citation(self) -> str:
        return f"{self.source}{self.source_item}"


class EquipmentKind(models.TextChoices):
    PRODUCTION = "production", "生产设备"
    SPECIAL = "special", "特种设备"
    SAFETY = "safety", "安全设施"
    PROCESS = "process", "生产工艺"


class EquipmentQuerySet(_ViewedBy):
    view_action = "equipment.view"


class Equipment(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="equipment",
    )
    name = models.CharField("设备（工艺）名称", max_length=200)
    model = models.CharField("规格型号", max_length=100, blank=True)
    kind = models.CharField("类别", max_length=20, choices=EquipmentKind.choices)
    quantity = models.PositiveIntegerField("数量", default=1)
    year = models.PositiveIntegerField("投用年份", null=True, blank=True)
    process = models.CharField("所属工艺", max_length=200, blank=True)
    in_use = models.BooleanField("在用", default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = EquipmentQuerySet.as_manager()

    class Meta:
        verbose_name = "设备"
        verbose_name_plural = "设备台账"
        ordering = ["enterprise", "name", "id"]

    def __str__(self):
        return f"{self.name} {self.model}".strip()


class EquipmentMatchQuerySet(_ViewedBy):
    view_action = "equipment.view"
    scope_path_lookup = "equipment__enterprise__scope_path"
    scope_enterprise_lookup = "equipment__enterprise"


class EquipmentMatch(models.Model):
    """An item of the register found on the catalogue, and the hazard raised for it. While that
    hazard is open, the same item and entry raise no other."""

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="matches")
    entry = models.ForeignKey(ObsoleteEntry, on_delete=models.PROTECT, related_name="matches")
    hazard = models.ForeignKey(
        "hazards.Hazard", on_delete=models.PROTECT, related_name="obsolete_matches"
    )
    matched_at = models.DateTimeField("匹配时间", default=timezone.now)

    objects = EquipmentMatchQuerySet.as_manager()

    class Meta:
        verbose_name = "淘汰目录匹配"
        verbose_name_plural = "淘汰目录匹配"
        ordering = ["-matched_at", "-id"]

    def __str__(self):
        return f"{self.equipment} ↔ {self.entry.code}"
