"""Accident cases (事故案例): production safety accidents at the county's enterprises (seed task
7: an accident raises the enterprise's risk grade) and typical accidents reported elsewhere in
the country (seed task 21: warnings go to enterprises of the same industry, similar equipment or
similar process). A record entered in error is voided with a reason, never deleted.

The grading app reads `enterprise`, `occurred_at` and `voided_at`; keep those names."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accidents.reference import (
    CATEGORY_CHOICES,
    CATEGORY_SERIAL,
    CATEGORY_SOURCE,
    LEVEL_SOURCE,
    Level,
    level_for,
)
from core.models import Event
from core.scoping import ScopedQuerySet
from enterprises.choices import Industry


class AccidentSource(models.TextChoices):
    LOCAL = "local", "本县企业"
    EXTERNAL = "external", "外地通报"


class AccidentQuerySet(ScopedQuerySet):
    def scoped(self, user):
        """The bureau's people (county, town, grid) see the local cases of the enterprises in
        their jurisdiction, an expert those of the assigned enterprises, an enterprise's managers
        their own; all of them see every external case, which is a bulletin for the whole
        bureau. A role without "accident.view" (an employee) sees nothing."""
        from accounts.roles import can

        if not can(user, "accident.view"):
            return self.none()
        local = super().scoped(user)
        if local.query.is_empty():
            return local  # a user with no scope at all gets no bulletins either
        return local | self.filter(source=AccidentSource.EXTERNAL)

    def counted(self):
        """Records that stand: not voided as entered in error."""
        return self.filter(voided_at__isnull=True)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            models.Q(title__icontains=text)
            | models.Q(location__icontains=text)
            | models.Q(summary__icontains=text)
            | models.Q(enterprise__name__icontains=text)
        )

    def relevant_to(self, enterprise):
        """External cases that concern an enterprise (seed task 21: 行业相同、设备相似、工艺
        相近): the same industry, or a key sector (equipment, process) in common."""
        tags = enterprise.sector_tags.values("code")
        through = AccidentCase.sector_tags.through.objects.filter(sectortag_id__in=tags)
        return self.counted().filter(
            models.Q(industry=enterprise.industry)
            | models.Q(pk__in=through.values("accidentcase_id")),
            source=AccidentSource.EXTERNAL,
        )


class AccidentCase(models.Model):
    source = models.CharField("来源", max_length=10, choices=AccidentSource.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="事故企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accidents",
        help_text="本县企业事故必填；外地通报的事故不关联本县企业",
    )
    title = models.CharField("事故名称", max_length=200)
    occurred_at = models.DateTimeField("事故发生时间")
    location = models.CharField(
        "发生地点", max_length=200, blank=True, help_text="外地事故填写省、市、县（区）"
    )
    industry = models.CharField("行业", max_length=30, choices=Industry.choices)
    sector_tags = models.ManyToManyField(
        "enterprises.SectorTag",
        verbose_name="重点行业领域",
        blank=True,
        related_name="accidents",
        help_text="设备相似、工艺相近的企业据此接收警示（治本攻坚方案 任务21）",
    )
    process_kinds = models.ManyToManyField(
        "enterprises.ProcessKind",
        verbose_name="涉及设备工艺",
        blank=True,
        related_name="accidents",
        help_text="设备相似、工艺相近的企业据此接收警示（治本攻坚方案 任务21）",
    )
    category = models.CharField(
        "事故类别", max_length=30, choices=CATEGORY_CHOICES, help_text=CATEGORY_SOURCE
    )
    deaths = models.PositiveIntegerField("死亡人数", default=0)
    serious_injuries = models.PositiveIntegerField(
        "重伤人数", default=0, help_text="包括急性工业中毒"
    )
    minor_injuries = models.PositiveIntegerField("轻伤人数", default=0)
    direct_loss = models.DecimalField(
        "直接经济损失（万元）",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="尚未核定的留空",
    )
    level = models.CharField(
        "事故等级",
        max_length=20,
        choices=Level.choices,
        editable=False,
        help_text=f"按{LEVEL_SOURCE}由伤亡人数和直接经济损失计算",
    )
    is_near_miss = models.BooleanField(
        "涉险事故",
        default=False,
        help_text="未造成人员伤亡的重大涉险事故（治本攻坚方案 任务21）",
    )
    summary = models.TextField("事故经过")
    cause = models.TextField("原因分析", blank=True)
    lessons = models.TextField("防范措施与教训", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.TextField("作废原因", blank=True)

    objects = AccidentQuerySet.as_manager()

    class Meta:
        verbose_name = "事故案例"
        verbose_name_plural = "事故案例"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Grading counts an enterprise's accidents of the last 12 months.
            models.Index(fields=["enterprise", "occurred_at"], name="accident_enterprise_time"),
            models.Index(fields=["occurred_at", "id"], name="accident_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source=AccidentSource.LOCAL, enterprise__isnull=False)
                | models.Q(source=AccidentSource.EXTERNAL, enterprise__isnull=True),
                name="accident_source_enterprise",
            ),
            models.CheckConstraint(
                condition=models.Q(direct_loss__isnull=True) | models.Q(direct_loss__gte=0),
                name="accident_loss_not_negative",
            ),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.occurred_at):%Y-%m-%d} {self.title}"

    def save(self, *args, **kwargs):
        # The level is never entered: it follows the figures (reference.level_for).
        self.level = level_for(self.deaths, self.serious_injuries, self.direct_loss)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "level" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "level"]
        super().save(*args, **kwargs)

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def category_serial(self) -> str:
        return CATEGORY_SERIAL.get(self.category, "")


class EventAction(models.TextChoices):
    RECORDED = "recorded", "登记"
    CORRECTED = "corrected", "更正"
    VOIDED = "voided", "作废"


class AccidentEvent(Event):
    """One change of an accident record (core.events.record): who, when, what (payload: the
    fields a correction changed, with their old and new values), why."""

    accident = models.ForeignKey(AccidentCase, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)
    payload = models.JSONField("变更内容", default=dict, blank=True)

    class Meta:
        verbose_name = "事故记录变更"
        verbose_name_plural = "事故记录变更"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.accident_id} {self.get_action_display()}"
