"""Models of remote (非现场) inspections with the enterprise's explanation, assistance to weak
towns (执法指导帮扶) and the typical cases published (典型案例曝光): seed tasks 23, 24 and
section 三(四)."""

from django.conf import settings
from django.db import models

from core.models import Event
from core.scoping import ScopedQuerySet

# --- remote inspections -------------------------------------------------------------------------


class RemoteSource(models.TextChoices):
    ALARM = "alarm", "监测报警"
    POWER_WARNING = "power_warning", "电力预警"
    VIDEO = "video", "视频智能分析事件"
    DOCUMENTS = "documents", "调取企业资料"


class RemoteState(models.TextChoices):
    AWAITING = "awaiting", "待企业说明"
    ANSWERED = "answered", "已说明待处理"
    DECIDED = "decided", "已处理"


class RemoteOutcome(models.TextChoices):
    NO_PROBLEM = "no_problem", "未发现问题"
    HAZARD = "hazard", "登记隐患"
    ORDER = "order", "责令限期整改"
    PENALTY = "penalty", "立案处罚"


class RemoteInspectionQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(state=RemoteState.DECIDED)


class RemoteInspection(models.Model):
    """A remote inspection (非现场执法, seed task 23): opened by enforcement staff from
    monitoring evidence of one enterprise (an alarm, a power warning, a video event) or as a
    request for documents; the enterprise explains by `due_on`; staff decide the outcome."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="被检查企业",
        on_delete=models.PROTECT,
        related_name="remote_inspections",
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="检查机关辖区",
        on_delete=models.PROTECT,
        related_name="remote_inspections",
    )
    source = models.CharField("线索来源", max_length=20, choices=RemoteSource.choices)
    alarm = models.ForeignKey(
        "monitoring.Alarm",
        verbose_name="监测报警",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    power_warning = models.ForeignKey(
        "monitoring.PowerWarning",
        verbose_name="电力预警",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    question = models.TextField("要求说明的事项")
    due_on = models.DateField("说明期限")
    state = models.CharField(
        "状态", max_length=20, choices=RemoteState.choices, default=RemoteState.AWAITING
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField("发起日期")
    opened_at = models.DateTimeField("发起时间", auto_now_add=True)
    explanation = models.TextField("企业说明", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="说明人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("说明时间", null=True, blank=True)
    overdue_at = models.DateTimeField("逾期标记时间", null=True, blank=True)
    outcome = models.CharField("处理结果", max_length=20, choices=RemoteOutcome.choices, blank=True)
    decision = models.TextField("处理意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField("处理日期", null=True, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="登记的隐患",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    penalty = models.ForeignKey(
        "enforcement.Penalty",
        verbose_name="处罚案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remote_inspections",
    )

    objects = RemoteInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "非现场执法"
        verbose_name_plural = "非现场执法"
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["state", "due_on"], name="remote_state_due"),
            models.Index(fields=["enterprise", "opened_on"], name="remote_ent_opened"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.opened_on} 非现场执法"

    @property
    def evidence_label(self) -> str:
        if self.alarm_id:
            alarm = self.alarm
            return f"{alarm.point} {alarm.get_condition_display()}"
        if self.power_warning_id:
            return f"电力预警：{self.power_warning.get_kind_display()}"
        return self.get_source_display()


class RemoteFileQuerySet(ScopedQuerySet):
    scope_path_lookup = "inspection__enterprise__scope_path"
    scope_enterprise_lookup = "inspection__enterprise"


class RemoteInspectionFile(models.Model):
    """A file the enterprise uploaded with its explanation (checked by content and size)."""

    inspection = models.ForeignKey(
        RemoteInspection, verbose_name="非现场执法", on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件", upload_to="enforcement/remote/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = RemoteFileQuerySet.as_manager()

    class Meta:
        verbose_name = "非现场执法说明材料"
        verbose_name_plural = "非现场执法说明材料"
        ordering = ["inspection", "id"]

    def __str__(self):
        return self.name


class RemoteInspectionEvent(Event):
    """What happened to a remote inspection (core.events.record): opened, answered, overdue,
    decided. Also the outbox of its notifications (enforcement.notifications)."""

    inspection = models.ForeignKey(
        RemoteInspection, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=30)

    class Meta:
        verbose_name = "非现场执法记录"
        verbose_name_plural = "非现场执法记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.inspection_id} {self.action}"


# --- assistance to weak towns -------------------------------------------------------------------


class AssistanceMethod(models.TextChoices):
    FOUR_NO_TWO_DIRECT = "four_no_two_direct", "四不两直"
    OPEN_AND_COVERT = "open_and_covert", "明查暗访"
    CROSS_AREA = "cross_area", "异地交叉执法"


class AssistanceQuerySet(ScopedQuerySet):
    """An assistance record belongs to a town: the county's staff see their towns', a town's
    staff their own town's; enterprises none."""

    def scoped(self, user):
        if user.jurisdiction_id:
            return self.filter(town__path__startswith=user.jurisdiction.path)
        return self.none()


class AssistanceRecord(models.Model):
    """Enforcement guidance and assistance (执法指导帮扶, seed task 24) for a town flagged 零处罚,
    只检查不处罚 or 事故多发 when it was recorded (`reasons`, as computed then)."""

    town = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="帮扶镇街",
        on_delete=models.PROTECT,
        related_name="assistance_records",
    )
    reasons = models.JSONField("帮扶原因", default=list)
    method = models.CharField("帮扶方式", max_length=20, choices=AssistanceMethod.choices)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="帮扶人员", related_name="+"
    )
    assisted_on = models.DateField("帮扶日期")
    findings = models.TextField("发现问题及指导意见")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = AssistanceQuerySet.as_manager()

    class Meta:
        verbose_name = "执法指导帮扶"
        verbose_name_plural = "执法指导帮扶"
        ordering = ["-assisted_on", "-id"]

    def __str__(self):
        return f"{self.town} {self.assisted_on} {self.get_method_display()}"


class AssistanceEvent(Event):
    """An assistance record made (core.events.record): the town's staff hear of it."""

    record = models.ForeignKey(AssistanceRecord, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=30)

    class Meta:
        verbose_name = "执法指导帮扶记录"
        verbose_name_plural = "执法指导帮扶记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.record_id} {self.action}"


# --- typical cases published --------------------------------------------------------------------


class PublicCaseQuerySet(ScopedQuerySet):
    scope_path_lookup = "penalty__enterprise__scope_path"
    scope_enterprise_lookup = "penalty__enterprise"

    def published(self):
        return self.filter(published=True)


class PublicCase(models.Model):
    """A closed penalty case the bureau publishes as a typical case (典型执法案例曝光): only what
    may be published (enterprise, violation, legal basis, penalty), checked for personal data
    when published. Withdrawing keeps the row (published False, withdrawn_at set)."""

    penalty = models.OneToOneField(
        "enforcement.Penalty",
        verbose_name="处罚案件",
        on_delete=models.PROTECT,
        related_name="public_case",
    )
    enterprise_name = models.CharField("企业名称", max_length=200)
    violation = models.TextField("违法行为")
    legal_basis = models.TextField("处罚依据")
    penalty_text = models.CharField("处罚结果", max_length=300)
    published = models.BooleanField("公开中", default=True)
    published_on = models.DateField("公开日期")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="公开人", on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PublicCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "典型执法案例"
        verbose_name_plural = "典型执法案例"
        ordering = ["-published_on", "-id"]

    def __str__(self):
        return f"{self.enterprise_name} {self.penalty_id}"
