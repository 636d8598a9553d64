"""Data exchange with other platforms (issue 18): the outbox of versioned documents other
platforms receive or poll, the subscribers it is pushed to (each attempt logged), and the
platforms above the county that push tasks down (each task kept with the record it made)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Jurisdiction
from core.scoping import ScopedQuerySet
from exchange import sealing


class Kind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    GRADE = "grade", "分类分级"
    HAZARD = "hazard", "隐患"
    HAZARD_EVENT = "hazard_event", "隐患处理记录"
    ALARM = "alarm", "报警"
    INSPECTION = "inspection", "执法检查"
    PENALTY = "penalty", "行政处罚"


class EntryQuerySet(ScopedQuerySet):
    scope_path_lookup = "scope_path"
    scope_enterprise_lookup = "enterprise_id"

    def sequenced(self):
        """The entries a reader may see: those the sequencer has numbered (committed)."""
        return self.filter(seq__isnull=False)


class ExchangeEntry(models.Model):
    """One change, as the document of its object at that moment. Written in the transaction
    of the change; `seq` (the cursor) is given later by the sequencer (exchange.outbox), in
    commit order, so a reader polling `after=N` never skips an entry that commits late."""

    seq = models.BigIntegerField("游标", null=True, blank=True, unique=True)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField("对象编号")
    enterprise_id = models.BigIntegerField("企业编号", null=True, blank=True)
    scope_path = models.CharField(max_length=255, db_index=True, default="")
    version = models.CharField("文档版本", max_length=10)
    document = models.JSONField("文档")
    created_at = models.DateTimeField("变更时间", auto_now_add=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "交换记录"
        verbose_name_plural = "交换记录"
        ordering = ["seq"]
        indexes = [models.Index(fields=["seq", "kind"], name="exchange_seq_kind")]

    def __str__(self):
        return f"{self.kind} {self.object_id} #{self.seq or '-'}"


class Sequencer(models.Model):
    """The one row whose lock orders the sequencer's steps: `last` is the last cursor given."""

    last = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.last)


class JurisdictionScoped(ScopedQuerySet):
    """Rows a county keeps for its jurisdiction: seen by the staff at or above that node."""

    def scoped(self, user):
        if user.jurisdiction_id:
            return self.filter(jurisdiction__path__startswith=user.jurisdiction.path)
        return self.none()


class Subscriber(models.Model):
    name = models.CharField("名称", max_length=60)
    url = models.URLField("接收地址", max_length=500)
    # Encrypted at rest (exchange.sealing): set_secret() and signing_secret(), never read raw.
    secret = models.CharField("签名密钥（加密）", max_length=255, editable=False)
    secret_changed_at = models.DateTimeField("密钥生成时间", null=True, editable=False)
    kinds = models.JSONField("推送类别", default=list)
    active = models.BooleanField("启用", default=True)
    # Per kind: {"select": [...], "rename": {old: new}, "codes": {field: {from: to}}}; empty:
    # the platform's own documents (exchange.adapters).
    adapter = models.JSONField("字段映射", default=dict, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="范围", on_delete=models.PROTECT, related_name="+"
    )
    cursor = models.BigIntegerField("已送达游标", default=0)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    last_success_at = models.DateTimeField("最近成功", null=True, blank=True)
    # When the county administrators were told that pushes keep failing (EXCHANGE_ALERT_
    # FAILURES in a row); emptied, and they are told again, once a push succeeds.
    alerted_at = models.DateTimeField("中断告警时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = JurisdictionScoped.as_manager()

    class Meta:
        verbose_name = "订阅方"
        verbose_name_plural = "订阅方"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def set_secret(self, plain: str) -> None:
        self.secret = sealing.seal(plain)
        self.secret_changed_at = timezone.now()

    def signing_secret(self) -> str:
        """The secret in clear, to sign a push (SealError if it does not open)."""
        return sealing.unseal(self.secret)


class DeliveryAttempt(models.Model):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField("时间")
    delivery_id = models.CharField("推送编号", max_length=32)
    first_seq = models.BigIntegerField("起始游标")
    last_seq = models.BigIntegerField("截止游标")
    count = models.PositiveIntegerField("条数")
    status_code = models.PositiveSmallIntegerField("状态码", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）")
    error = models.CharField("错误", max_length=500, blank=True)
    ok = models.BooleanField("成功", default=False)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.subscriber_id} {self.first_seq}-{self.last_seq}"


class InboundPlatform(models.Model):
    """A city or province platform that pushes tasks to the county: its token (shown once,
    kept as SHA-256 like accounts.ApiToken) and the jurisdiction it may push to."""

    PREFIX = "ajp_"

    name = models.CharField("平台名称", max_length=60)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField("末四位", max_length=8, editable=False)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="可下发范围", on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = JurisdictionScoped.as_manager()

    class Meta:
        verbose_name = "上级平台"
        verbose_name_plural = "上级平台"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class TaskKind(models.TextChoices):
    CAMPAIGN = "campaign", "专项整治"
    CHECK_LIST = "check_list", "企业检查名单"


class InboundTask(models.Model):
    platform = models.ForeignKey(InboundPlatform, on_delete=models.PROTECT, related_name="tasks")
    external_id = models.CharField("上级任务编号", max_length=64)
    kind = models.CharField("任务类别", max_length=20, choices=TaskKind.choices)
    payload = models.JSONField("任务内容")
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = "下发任务"
        verbose_name_plural = "下发任务"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="exchange_task_once_per_platform"
            )
        ]

    def __str__(self):
        return self.external_id
