import hashlib
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from core.models import Event
from core.scoping import ScopedQuerySet
from monitoring.kinds import KIND_DEFAULTS, PointKind

CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_.-]{1,40}$", "编码只能包含字母、数字、点、下划线和连字符"
)


class Gateway(models.Model):
    """A data collector at an enterprise. It authenticates with its own token (shown once at
    creation or rotation; only its SHA-256 is kept; after a rotation the previous one stays valid
    for a grace period) and publishes on <MQTT_TOPIC_PREFIX>/<code>."""

    TOKEN_PREFIX = "gw_"  # noqa: S105 (a marker, not a secret)
    # A token is the prefix and 43 characters; anything far longer is refused before hashing.
    TOKEN_MAX_LENGTH = 100

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="gateways",
    )
    code = models.CharField("网关编码", max_length=40, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField("名称", max_length=60, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField("令牌末四位", max_length=8, editable=False)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    token_rotated_at = models.DateTimeField("令牌更新时间", null=True, blank=True)
    # The token before the last rotation stays valid until previous_token_until
    # (GATEWAY_TOKEN_GRACE_HOURS): what a gateway or the broker still holds under it gets in.
    previous_token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    previous_token_hint = models.CharField("旧令牌末四位", max_length=8, blank=True, editable=False)
    previous_token_until = models.DateTimeField(
        "旧令牌有效至", null=True, blank=True, editable=False
    )
    last_seen_at = models.DateTimeField("最近上报", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "采集网关"
        verbose_name_plural = "采集网关"
        ordering = ["code"]

    def __str__(self):
        return self.name or self.code

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def set_new_token(self) -> str:
        """Give the gateway a new token and return it; the caller shows it once and saves."""
        token = self.TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = self.hash_token(token)
        self.token_hint = token[-4:]
        return token

    @property
    def previous_token_valid(self) -> bool:
        return bool(self.previous_token_until and self.previous_token_until > timezone.now())


class Point(models.Model):
    """A monitoring point: one sensor or signal of one piece of equipment, with its rule
    settings (kinds.KIND_DEFAULTS gives the defaults) and the state the rules carry from one
    reading to the next."""

    gateway = models.ForeignKey(
        Gateway, verbose_name="网关", on_delete=models.CASCADE, related_name="points"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="monitoring_points",
        editable=False,
    )
    code = models.CharField("点位编码", max_length=40, validators=[CODE_VALIDATOR])
    equipment = models.CharField("设备", max_length=60, help_text="例如：1号除尘器")
    kind = models.CharField("类型", max_length=20, choices=PointKind.choices)
    unit = models.CharField("单位", max_length=10, blank=True)
    range_min = models.FloatField("量程下限")
    range_max = models.FloatField("量程上限")
    interval_seconds = models.PositiveIntegerField("上报周期（秒）")
    high = models.FloatField("高报阈值", null=True, blank=True)
    low = models.FloatField("低报阈值", null=True, blank=True)
    hold_seconds = models.PositiveIntegerField("持续时间（秒）")
    rate_limit = models.FloatField("变化率阈值（每分钟）", null=True, blank=True)
    offline_intervals = models.PositiveSmallIntegerField("离线判定周期数", default=3)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    # What the rules carry between batches.
    last_ts = models.DateTimeField("最近数据时间", null=True, blank=True)
    last_value = models.FloatField("最近数值", null=True, blank=True)
    high_since = models.DateTimeField(null=True, blank=True, editable=False)
    low_since = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "监测点位"
        verbose_name_plural = "监测点位"
        ordering = ["gateway", "code"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "code"], name="point_gateway_code"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "kind"], name="point_enterprise_kind"),
        ]

    def __str__(self):
        return f"{self.equipment} {self.get_kind_display()}"

    def apply_defaults(self):
        """Fill unset settings from the kind's documented defaults."""
        defaults = KIND_DEFAULTS[self.kind]
        for name in ("unit", "range_min", "range_max", "interval_seconds", "high", "low"):
            if getattr(self, name) in (None, ""):
                setattr(self, name, getattr(defaults, name))
        if self.hold_seconds is None:
            self.hold_seconds = defaults.hold_seconds
        if self.rate_limit is None:
            self.rate_limit = defaults.rate_limit

    @property
    def is_boolean(self) -> bool:
        return KIND_DEFAULTS[self.kind].boolean


class Reading(models.Model):
    """One value of one point at one time. (point, ts) is the key: the same reading sent twice
    is one row. On PostgreSQL the table is partitioned by month (migration 0001); the ingestion
    service writes it in batches with SQL of its own (monitoring.ingest)."""

    pk = models.CompositePrimaryKey("point", "ts")
    # The key (point, ts) serves lookups by point: no second index on point_id. No foreign key
    # constraint either (migration 0007): its check, a lookup of the point per row, cost twice
    # the insert itself; ingestion stores readings only of the points it has just read under
    # their gateway's lock, and points are never deleted, only switched off.
    point = models.ForeignKey(
        Point, on_delete=models.DO_NOTHING, db_index=False, db_constraint=False
    )
    ts = models.DateTimeField("时间")
    value = models.FloatField("数值")

    class Meta:
        verbose_name = "监测数据"
        verbose_name_plural = "监测数据"
        managed = True

    def __str__(self):
        return f"{self.point_id}@{self.ts:%Y-%m-%d %H:%M:%S} = {self.value}"


class Condition(models.TextChoices):
    HIGH = "high", "超上限"
    LOW = "low", "超下限"
    RATE = "rate", "数值突变"
    SIGNAL = "signal", "报警信号"
    FAULT = "fault", "设备故障"
    SENSOR = "sensor", "传感器异常"
    OFFLINE = "offline", "离线"
    HOT_WORK = "hot_work", "违规动火"
    OVERCROWDING = "overcrowding", "人员超限聚集"


# Conditions of a device itself rather than of the process it watches (第十四条).
DEVICE_CONDITIONS = frozenset({Condition.FAULT, Condition.SENSOR, Condition.OFFLINE})


class AlarmState(models.TextChoices):
    OPEN = "open", "待确认"
    ACKNOWLEDGED = "acknowledged", "已确认"
    HANDLED = "handled", "已处置"
    CLOSED = "closed", "已关闭"


class AlarmQuerySet(ScopedQuerySet):
    def unfinished(self):
        return self.exclude(state=AlarmState.CLOSED)


class Alarm(models.Model):
    """One episode of one condition on one point: raised when the condition holds, updated
    (last and peak value) while it holds, cleared when it stops; handled and closed by people
    whether or not it has cleared. At most one uncleared alarm per (point, condition)."""

    point = models.ForeignKey(
        Point, verbose_name="点位", on_delete=models.CASCADE, related_name="alarms"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="alarms",
    )
    condition = models.CharField("报警类型", max_length=20, choices=Condition.choices)
    state = models.CharField(
        "状态", max_length=20, choices=AlarmState.choices, default=AlarmState.OPEN
    )
    first_at = models.DateTimeField("开始时间")
    last_at = models.DateTimeField("最近时间")
    first_value = models.FloatField("初始值", null=True, blank=True)
    last_value = models.FloatField("最近值", null=True, blank=True)
    peak_value = models.FloatField("峰值", null=True, blank=True)
    limit = models.FloatField("阈值", null=True, blank=True)
    cleared_at = models.DateTimeField("恢复时间", null=True, blank=True)
    raised_at = models.DateTimeField("产生时间", default=timezone.now)
    escalation = models.PositiveSmallIntegerField(
        "升级", default=0, help_text="0 未升级，1 已通知乡镇，2 已通知县局"
    )
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    handled_at = models.DateTimeField("处置时间", null=True, blank=True)
    handling = models.TextField("处置情况", blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="重大事故隐患",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alarms",
    )
    data = models.JSONField("附加信息", default=dict, blank=True)

    objects = AlarmQuerySet.as_manager()

    class Meta:
        verbose_name = "报警"
        verbose_name_plural = "报警"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "condition"],
                condition=models.Q(cleared_at__isnull=True),
                name="alarm_one_uncleared",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "escalation", "raised_at"], name="alarm_escalation"),
            models.Index(fields=["enterprise", "state"], name="alarm_enterprise_state"),
        ]

    def __str__(self):
        return f"{self.point} {self.get_condition_display()}"


class AlarmEvent(Event):
    """One step in an alarm's life (core.events.record), and the outbox of its notifications
    (monitoring.notifications)."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=30)

    class Meta:
        verbose_name = "报警处理记录"
        verbose_name_plural = "报警处理记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.alarm_id} {self.action}"


class AlarmPhotoQuerySet(ScopedQuerySet):
    scope_path_lookup = "alarm__enterprise__scope_path"
    scope_enterprise_lookup = "alarm__enterprise"


class AlarmPhoto(models.Model):
    SNAPSHOT, HANDLING = "snapshot", "handling"

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(
        max_length=10, choices=[(SNAPSHOT, "抓拍"), (HANDLING, "处置照片")], default=HANDLING
    )
    image = models.ImageField(upload_to="alarms/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = AlarmPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "报警照片"
        verbose_name_plural = "报警照片"

    def __str__(self):
        return f"{self.alarm_id} {self.get_kind_display()}"


class WarningKind(models.TextChoices):
    COVERT = "covert", "明停暗开"
    FALSE_OFFLINE = "false_offline", "虚假离线"
    OVERLOAD = "overload", "超负荷生产"


class WarningState(models.TextChoices):
    OPEN = "open", "待研判"
    CONFIRMED = "confirmed", "属实"
    DISMISSED = "dismissed", "不属实"


class PowerWarning(models.Model):
    """A finding of the power analytics (monitoring.power), with its evidence: the window of
    power readings and the baseline it was compared with. A supervisor reviews it."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="power_warnings",
    )
    kind = models.CharField("类型", max_length=20, choices=WarningKind.choices)
    state = models.CharField(
        "状态", max_length=20, choices=WarningState.choices, default=WarningState.OPEN
    )
    window_start = models.DateTimeField("起始")
    window_end = models.DateTimeField("截止")
    observed_kw = models.FloatField("窗口平均功率（kW）")
    baseline_kw = models.FloatField("基准功率（kW）")
    baseline = models.CharField("基准", max_length=100)
    evidence = models.JSONField("证据", default=dict)
    detected_at = models.DateTimeField("发现时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="研判人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("研判时间", null=True, blank=True)
    review_note = models.TextField("研判意见", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "电力预警"
        verbose_name_plural = "电力预警"
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "kind"],
                condition=models.Q(state="open"),
                name="power_warning_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.get_kind_display()}"


class IngestWorker(models.Model):
    """The state an MQTT ingestion worker (manage.py ingest_mqtt) records every
    MQTT_HEARTBEAT_SECONDS: alive or not, what it holds in memory, what it handled, and the
    broker's own counters ($SYS) as it last saw them. The monitoring overview reads these rows
    to warn of a silent worker, a backlog at the broker or messages the broker dropped."""

    client_id = models.CharField("客户端标识", max_length=100, unique=True)
    group = models.CharField("共享订阅组", max_length=100)
    topic_prefix = models.CharField("主题前缀", max_length=200)
    host = models.CharField("主机", max_length=100, blank=True)
    pid = models.PositiveIntegerField("进程号", null=True, blank=True)
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳")
    stopped_at = models.DateTimeField("停止时间", null=True, blank=True)
    # Stopped as the last worker of its group: the broker queues the group's messages in its
    # session until this time (MQTT_IDLE_SESSION_EXPIRY).
    session_kept_until = models.DateTimeField("会话保留至", null=True, blank=True)
    connected = models.BooleanField("已连接", default=False)
    queued = models.PositiveIntegerField("内存队列（条）", default=0)
    queue_peak = models.PositiveIntegerField("内存队列峰值（条）", default=0)
    queue_peak_bytes = models.PositiveBigIntegerField("内存队列峰值（字节）", default=0)
    stored = models.PositiveBigIntegerField("入库消息", default=0)
    dropped = models.PositiveBigIntegerField("丢弃消息", default=0)
    broker = models.JSONField("消息服务器计数", default=dict, blank=True)

    class Meta:
        verbose_name = "MQTT 接入进程"
        verbose_name_plural = "MQTT 接入进程"
        ordering = ["client_id"]

    def __str__(self):
        return self.client_id


class Rollup(models.Model):
    """The readings of one point in one bucket (a minute or an hour, UTC, `bucket` its start),
    summed up: kept for years after the raw readings go (monitoring.rollups)."""

    # No database constraint: every id comes from a stored reading, and a constraint's check per
    # row would double the cost of an upsert of thousands.
    point = models.ForeignKey(
        Point, on_delete=models.DO_NOTHING, db_index=False, db_constraint=False
    )
    bucket = models.DateTimeField("时段")
    count = models.PositiveIntegerField("数据条数")
    min = models.FloatField("最小值")
    max = models.FloatField("最大值")
    sum = models.FloatField("合计")
    last_ts = models.DateTimeField("最后数据时间")
    last_value = models.FloatField("最后数值")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.point_id}@{self.bucket:%Y-%m-%d %H:%M} ×{self.count}"

    @property
    def mean(self) -> float:
        return self.sum / self.count


class MinuteRollup(Rollup):
    pk = models.CompositePrimaryKey("point", "bucket")

    class Meta:
        verbose_name = "分钟汇总"
        verbose_name_plural = "分钟汇总"


class HourRollup(Rollup):
    pk = models.CompositePrimaryKey("point", "bucket")

    class Meta:
        verbose_name = "小时汇总"
        verbose_name_plural = "小时汇总"


class RollupBacklog(models.Model):
    """An hour (UTC start) that received readings too late for the rollup run's look-back
    (ingestion notes it, monitoring.rollups.note_late); the next run recomputes it."""

    hour = models.DateTimeField(primary_key=True)

    class Meta:
        verbose_name = "待重算时段"
        verbose_name_plural = "待重算时段"

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H:00}"


class RollupState(models.Model):
    """How far a periodic job of monitoring.rollups has got (`upto`): the rollup run's start
    time, the retention's cut."""

    name = models.CharField(max_length=20, primary_key=True)
    upto = models.DateTimeField()

    class Meta:
        verbose_name = "汇总进度"
        verbose_name_plural = "汇总进度"

    def __str__(self):
        return f"{self.name} {self.upto:%Y-%m-%d %H:%M}"


class EvidenceReading(models.Model):
    """A raw reading that an alarm (and so a hazard made from it) cites, copied before the
    retention removes the raw readings (monitoring.rollups.keep_evidence); kept for good."""

    pk = models.CompositePrimaryKey("point", "ts")
    point = models.ForeignKey(Point, on_delete=models.CASCADE, db_index=False)
    ts = models.DateTimeField("时间")
    value = models.FloatField("数值")

    class Meta:
        verbose_name = "证据数据"
        verbose_name_plural = "证据数据"

    def __str__(self):
        return f"{self.point_id}@{self.ts:%Y-%m-%d %H:%M:%S} = {self.value}"
