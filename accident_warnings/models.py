"""Accident warnings (事故警示, seed task 21): from an accident case (local or reported
elsewhere) the bureau issues a warning to the enterprises of the same industry, a shared key
sector or a shared equipment/process kind; each recipient is a row with the reasons it was
matched, and acknowledges it (已阅 / 已组织学习). A 提醒函 to one enterprise is a numbered
document; 约谈, 重点关注 and 帮扶指导 are supervision records per enterprise, which grading
reads (accident_warnings/grading_measures.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from accident_warnings.reference import AckState, SupervisionKind, WarningState
from core.models import Event
from core.scoping import ScopedQuerySet


class RecipientQuerySet(ScopedQuerySet):
    """A recipient row by its enterprise (ScopedQuerySet's default lookups)."""

    def issued(self):
        return self.filter(warning__state=WarningState.ISSUED)


class WarningQuerySet(ScopedQuerySet):
    scope_path_lookup = "scope_path"

    def scoped(self, user):
        """The issuing jurisdiction's staff (and those above it) see its warnings, drafts
        included; everyone else an issued warning with a recipient in their scope (a town its
        enterprises', an enterprise its own, an expert the assigned ones')."""
        recipients = WarningRecipient.objects.scoped(user).filter(warning=OuterRef("pk"))
        condition = Q(Exists(recipients), state=WarningState.ISSUED)
        if user.jurisdiction_id:
            condition |= Q(scope_path__startswith=user.jurisdiction.path)
        return self.filter(condition)


class AccidentWarning(models.Model):
    accident = models.ForeignKey(
        "accidents.AccidentCase",
        verbose_name="事故案例",
        on_delete=models.PROTECT,
        related_name="warnings",
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", verbose_name="发布单位", on_delete=models.PROTECT, related_name="+"
    )
    scope_path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    title = models.CharField("警示标题", max_length=200)
    text = models.TextField("警示内容")
    lessons = models.TextField("事故教训与防范要求", blank=True)
    attachment = models.FileField(
        "附件（视频或文件）", upload_to="accident_warnings/%Y/%m/", blank=True
    )
    state = models.CharField(
        "状态", max_length=10, choices=WarningState.choices, default=WarningState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField("下发时间", null=True, blank=True)
    all_acknowledged_at = models.DateTimeField("全部阅知时间", null=True, blank=True)

    objects = WarningQuerySet.as_manager()

    class Meta:
        verbose_name = "事故警示"
        verbose_name_plural = "事故警示"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.scope_path = self.jurisdiction.path
        super().save(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.state == WarningState.ISSUED


class WarningRecipient(models.Model):
    """One enterprise on a warning's list: proposed by matching (with its reasons, a list of
    {"field", "label", "names"}) or added by the bureau; and its acknowledgement."""

    warning = models.ForeignKey(
        AccidentWarning, on_delete=models.CASCADE, related_name="recipients"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="accident_warnings",
    )
    reasons = models.JSONField("匹配原因", default=list, blank=True)
    proposed = models.BooleanField("系统匹配", default=True)
    state = models.CharField(
        "阅知情况", max_length=10, choices=AckState.choices, default=AckState.PENDING
    )
    note = models.TextField("学习情况说明", blank=True)
    acknowledged_at = models.DateTimeField("阅知时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="阅知人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)
    reminders = models.PositiveIntegerField("提醒次数", default=0)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = "警示接收企业"
        verbose_name_plural = "警示接收企业"
        ordering = ["warning", "id"]
        constraints = [
            models.UniqueConstraint(fields=["warning", "enterprise"], name="warning_recipient_once")
        ]
        indexes = [models.Index(fields=["warning", "state"], name="warning_recipient_state")]

    def __str__(self):
        return f"{self.warning_id} {self.enterprise_id}"

    @property
    def explanation(self) -> str:
        """The reasons in one line: 行业相同：机械；设备工艺相似：喷涂、除尘系统."""
        if not self.reasons:
            return "县局添加"
        return "；".join(f"{r['label']}：{'、'.join(r['names'])}" for r in self.reasons)


class WarningLetter(models.Model):
    """A 提醒函 to one enterprise, numbered per issuing body and year (enforcement's counters,
    DocumentKind.WARNING_LETTER); the Word file is drawn again from this row."""

    warning = models.ForeignKey(
        AccidentWarning,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
        verbose_name="事故警示",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="+"
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", verbose_name="发函单位", on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField("文号", max_length=60, unique=True)
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    content = models.TextField("提醒事项")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发函人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("发函时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "提醒函"
        verbose_name_plural = "提醒函"
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return self.number


class SupervisionRecord(models.Model):
    """约谈, 重点关注 or 帮扶指导 of one enterprise (seed task 21), read by grading."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="supervision_records",
    )
    kind = models.CharField("类型", max_length=20, choices=SupervisionKind.choices)
    held_on = models.DateField("日期", db_index=True)
    people = models.CharField("参加人员", max_length=200)
    content = models.TextField("内容")
    follow_up = models.TextField("后续跟进", blank=True)
    warning = models.ForeignKey(
        AccidentWarning,
        verbose_name="相关事故警示",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "监管措施记录"
        verbose_name_plural = "监管措施记录"
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "kind", "held_on"], name="supervision_kind_time")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on}"


class EventAction(models.TextChoices):
    DRAFTED = "drafted", "起草警示"
    RECIPIENT_ADDED = "added", "添加接收企业"
    RECIPIENT_REMOVED = "removed", "移除接收企业"
    ISSUED = "issued", "下发警示"
    SENT = "sent", "警示送达企业"
    ACKNOWLEDGED = "acknowledged", "企业阅知"
    REMINDED = "reminded", "提醒阅知"
    ALL_ACKNOWLEDGED = "all_acknowledged", "全部阅知"
    LETTER = "letter", "发出提醒函"
    SUPERVISION = "supervision", "登记监管措施"


class WarningEvent(Event):
    warning = models.ForeignKey(
        AccidentWarning, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    class Meta:
        verbose_name = "事故警示记录"
        verbose_name_plural = "事故警示记录"
        ordering = ["at", "id"]

    def __str__(self):
        return self.get_action_display()
