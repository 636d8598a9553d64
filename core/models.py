from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from core.scoping import ScopedQuerySet


class JurisdictionKind(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"
    ZONE = "zone", "开发区"
    TOWN = "town", "镇"
    STREET = "street", "街道"
    GRID = "grid", "网格"


# Which kind may sit under which: province > city > county > zone / town / street > grid. A
# county may also stand alone (a county's own installation), or sit straight under a province
# (省直管县).
ALLOWED_PARENTS = {
    JurisdictionKind.PROVINCE: {None},
    JurisdictionKind.CITY: {JurisdictionKind.PROVINCE},
    JurisdictionKind.COUNTY: {None, JurisdictionKind.PROVINCE, JurisdictionKind.CITY},
    JurisdictionKind.ZONE: {JurisdictionKind.COUNTY},
    JurisdictionKind.TOWN: {JurisdictionKind.COUNTY},
    JurisdictionKind.STREET: {JurisdictionKind.COUNTY},
    JurisdictionKind.GRID: {JurisdictionKind.ZONE, JurisdictionKind.TOWN, JurisdictionKind.STREET},
}
TOWN_LEVEL = (JurisdictionKind.ZONE, JurisdictionKind.TOWN, JurisdictionKind.STREET)
# The levels above a county: their users read what lies below (accounts.roles.UPPER_ROLES).
ABOVE_COUNTY = (JurisdictionKind.PROVINCE, JurisdictionKind.CITY)


class JurisdictionQuerySet(ScopedQuerySet):
    def scoped(self, user):
        """Jurisdictions a user may see: their own node and everything below it."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.jurisdiction_id:
            return self.filter(path__startswith=user.jurisdiction.path)
        if user.enterprise_id:
            enterprise = user.enterprise
            ids = [enterprise.jurisdiction_id, enterprise.grid_id]
            return self.filter(pk__in=[i for i in ids if i])
        return self.none()

    def town_level(self):
        return self.filter(kind__in=TOWN_LEVEL)


class Jurisdiction(models.Model):
    """A node of the administrative tree. `path` holds the ids from the root ("/1/4/17/"), so
    "this node and everything below it" is one indexed prefix match."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=10, choices=JurisdictionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, editable=False, db_index=True, default="")
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
            self.path = self.compute_path()
            super().save(*args, **kwargs)

    def clean(self):
        parent_kind = self.parent.kind if self.parent_id else None
        allowed = ALLOWED_PARENTS.get(self.kind, set())
        if parent_kind not in allowed:
            raise ValidationError({"parent": f"{self.get_kind_display()}不能设在该上级之下"})
        if self.pk:
            old = Jurisdiction.objects.filter(pk=self.pk).values_list("parent_id", flat=True)
            if old and old[0] != self.parent_id:
                raise ValidationError({"parent": "已建立的区划不能更换上级"})

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.pk}/"

    @property
    def is_town_level(self) -> bool:
        return self.kind in TOWN_LEVEL

    @property
    def is_above_county(self) -> bool:
        return self.kind in ABOVE_COUNTY

    def town(self):
        """The town-level node this one belongs to (itself for a town, its parent for a grid)."""
        if self.kind == JurisdictionKind.GRID:
            return self.parent
        return self if self.is_town_level else None


class CalendarYear(models.Model):
    """A year whose holiday arrangement (国务院办公厅 放假安排通知) is loaded. A year without a
    row falls back to plain weekends, and pages say so."""

    year = models.PositiveIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=200)

    class Meta:
        verbose_name = "节假日年度"
        verbose_name_plural = "节假日年度"
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the plain week: a public holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=40, blank=True)

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"
        ordering = ["date"]

    def __str__(self):
        kind = "调休上班" if self.is_workday else "放假"
        return f"{self.date} {self.name}{kind}"


class NotificationQuerySet(ScopedQuerySet):
    def scoped(self, user):
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message to one user inside the platform (站内通知): transitions, reminders and
    escalations land here."""

    recipient = models.ForeignKey(
        "accounts.User",
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=200, blank=True)
    # The app whose event it announces (its label: "hazards", "monitoring" ...); shown by the
    # app's verbose name, so the ground floor names no domain app.
    kind = models.CharField("类别", max_length=30, blank=True, default="", db_default="")
    # Sent at once by every channel, quiet hours and daily digests notwithstanding (alarms).
    urgent = models.BooleanField("紧急", default=False, db_default=False)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox (a user's, newest first) and the bell's unread count.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def kind_label(kind: str) -> str:
    """A notification kind's name: its app's verbose name (隐患排查治理, 监测预警 ...)."""
    from django.apps import apps

    try:
        return str(apps.get_app_config(kind).verbose_name)
    except LookupError:
        return "其他"


class NotificationPreference(models.Model):
    """How a user wants to hear, beyond the inbox: the channels (core.channels), a daily digest
    instead of one message each, and quiet hours. Urgent notifications (alarms) ignore the last
    two."""

    user = models.OneToOneField(
        "accounts.User",
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    channels = models.JSONField("其他通知方式", default=list, blank=True)
    digest = models.BooleanField("每日汇总发送", default=False)
    quiet_start = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_end = models.TimeField("免打扰结束", null=True, blank=True)

    class Meta:
        verbose_name = "通知设置"
        verbose_name_plural = "通知设置"

    def __str__(self):
        return f"{self.user} 的通知设置"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    HELD = "held", "待汇总"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class Delivery(models.Model):
    """One notification's copy by one channel: tried, retried and recorded here; its failure
    never touches the in-app notification."""

    notification = models.ForeignKey(
        Notification, verbose_name="通知", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("通知方式", max_length=20)
    state = models.CharField(
        "状态", max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试")
    last_error = models.TextField("最近错误", blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知发送记录"
        verbose_name_plural = "通知发送记录"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.notification} · {self.channel_label} · {self.get_state_display()}"

    @property
    def channel_label(self) -> str:
        from core.channels import CHANNELS

        channel = CHANNELS.get(self.channel)
        return channel.label if channel else self.channel


class Event(models.Model):
    """What every event table of the apps holds (hazards.HazardEvent, monitoring.AlarmEvent,
    enforcement.PenaltyEvent, grading.GradeChange, reporting.CommitmentEvent,
    accidents.AccidentEvent): who, when, from which state to which, why, what else. A row is
    also its own outbox entry: an empty notified_at means "still to be announced". Rows are
    written by core.events.record, never directly."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)
    payload = models.JSONField("数据", default=dict, blank=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class OpsSource(models.TextChoices):
    """Where a slow statement or a failure happened: a request to an app server, a task in a
    task worker (run_huey), or a batch of an ingest worker (ingest_mqtt)."""

    REQUEST = "request", "请求"
    TASK = "task", "任务"
    INGEST = "ingest", "采集"


class OpsCount(models.Model):
    """The slow statements and server errors of one hour and source (core/ops.py): a row only
    for an hour in which something happened, added to by one upsert per request (task, ingest
    batch) that had either."""

    hour = models.DateTimeField("小时")
    source = models.CharField(
        "来源", max_length=10, choices=OpsSource.choices, default=OpsSource.REQUEST
    )
    slow_queries = models.PositiveIntegerField("慢查询", default=0)
    errors = models.PositiveIntegerField("服务器错误", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "运行计数"
        ordering = ["-hour", "source"]
        constraints = [
            models.UniqueConstraint(fields=["hour", "source"], name="core_opscount_hour_source")
        ]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H}:00"


class OpsEntry(models.Model):
    """One of the last slow statements (its SQL text, truncated, never its parameters) or
    server errors (path, exception class, request id): no personal data."""

    class Kind(models.TextChoices):
        SLOW = "slow", "慢查询"
        ERROR = "error", "服务器错误"

    Source = OpsSource

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.REQUEST)
    at = models.DateTimeField("时间", default=timezone.now)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    method = models.CharField("方法", max_length=10, blank=True)
    path = models.CharField("路径", max_length=200, blank=True)
    status = models.PositiveSmallIntegerField("状态码", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    sql = models.TextField("语句", blank=True)
    exception = models.CharField("异常类型", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "运行记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "-at"], name="core_opsentry_kind_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.method} {self.path}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key on an API write (core/idempotency.py): the first request's
    answer, kept with the user, the key and a digest of the request, so that a resend answers the
    same without acting twice. Unique per user and key: a concurrent resend waits on this row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="用户"
    )
    key = models.CharField("幂等键", max_length=255)
    fingerprint = models.CharField("请求摘要", max_length=64)
    method = models.CharField("方法", max_length=10)
    path = models.CharField("路径", max_length=500)
    status = models.PositiveSmallIntegerField("状态码", null=True, blank=True)
    content_type = models.CharField("内容类型", max_length=100, blank=True)
    body = models.BinaryField("应答", blank=True, default=b"")
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口幂等键"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotencykey_user_key")
        ]

    def __str__(self):
        return f"{self.key} {self.method} {self.path}"
