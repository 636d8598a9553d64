"""Special-operation certificates (特种作业操作证, seed tasks 19–20).

- `Certificate`: one person's certificate for one operation (certificates.reference), held at
  an enterprise; its status (valid, review due, expired) is computed from its dates. It
  carries its enterprise's scope path (kept in step by certificates.signals), so that a
  county's list of expiring certificates reads one table by (attention_on).
- `RequiredOperation`: an operation the enterprise's work needs and how many holders; the gap
  is the operations without enough valid holders.
- `CertificateEvent`: recorded, reviewed, reminded (core.events)."""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from certificates import reference
from core.models import Event
from core.scoping import ScopedQuerySet


class Status(models.TextChoices):
    VALID = "valid", "有效"
    DUE = "due", "待复审/即将到期"
    EXPIRED = "expired", "已过期/失效"


class _Viewed(ScopedQuerySet):
    def scoped(self, user):
        from accounts.roles import can

        if not can(user, "certificate.view"):
            return self.none()
        return super().scoped(user)


class CertificateQuerySet(_Viewed):
    scope_path_lookup = "scope_path"

    def valid_on(self, day: date):
        """Neither expired nor lapsed for want of a review on `day`."""
        return self.filter(expires_on__gte=day).filter(
            models.Q(review_due_on__isnull=True) | models.Q(review_due_on__gte=day)
        )

    def attention_within(self, day: date, days: int):
        """Expired, lapsed, or with a review or expiry within `days` days of `day`."""
        return self.filter(attention_on__lte=day + timezone.timedelta(days=days))


def _evidence_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"certificates/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class Certificate(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    scope_path = models.CharField(max_length=255, editable=False, default="")
    holder_name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18)
    operation = models.CharField(
        "作业类别及操作项目", max_length=10, choices=reference.OPERATION_CHOICES
    )
    number = models.CharField("证号", max_length=40)
    issued_on = models.DateField("初领日期")
    review_due_on = models.DateField("应复审日期", null=True, blank=True)
    expires_on = models.DateField("有效期至")
    # The first date that asks for something: the review, or else the expiry (kept by save()).
    attention_on = models.DateField("关注日期", editable=False)
    authority = models.CharField("发证机关", max_length=100)
    post = models.CharField("作业岗位", max_length=100, blank=True)
    evidence = models.FileField("证件照片或扫描件", upload_to=_evidence_path, blank=True)
    evidence_name = models.CharField("文件名", max_length=200, blank=True)
    last_reviewed_on = models.DateField("最近复审日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "特种作业操作证"
        verbose_name_plural = "特种作业操作证"
        ordering = ["attention_on", "id"]
        indexes = [
            # The list of every enterprise's certificates in date order. A county's or a
            # town's reads cert_scope_pattern (scope_path varchar_pattern_ops, attention_on,
            # id), created on PostgreSQL by migration 0001: `scope_path LIKE '/1/2/%'` is a
            # range of that index whatever the database's collation.
            models.Index(fields=["attention_on", "id"], name="cert_attention"),
            models.Index(fields=["enterprise", "operation"], name="cert_enterprise_operation"),
            models.Index(fields=["review_due_on"], name="cert_review_due"),
            models.Index(fields=["expires_on"], name="cert_expires"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number", "operation"], name="cert_number_operation")
        ]

    def __str__(self):
        return f"{self.holder_name} {self.operation_label}"

    def save(self, *args, **kwargs):
        self.attention_on = attention(self.review_due_on, self.expires_on)
        if not self.scope_path and self.enterprise_id:
            self.scope_path = self.enterprise.scope_path
        super().save(*args, **kwargs)

    @property
    def operation_label(self) -> str:
        return reference.label(self.operation)

    @property
    def category(self) -> str:
        return reference.CATEGORIES.get(reference.category_of(self.operation), "")

    def status_on(self, day: date) -> str:
        return status(self.review_due_on, self.expires_on, day)

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def masked_id(self) -> str:
        return mask(self.id_number)


def attention(review_due_on: date | None, expires_on: date) -> date:
    return min(review_due_on, expires_on) if review_due_on else expires_on


def status(review_due_on: date | None, expires_on: date, day: date) -> str:
    """Expired after the expiry date or, not reviewed, after the review date (it lapses);
    due within reference.REVIEW_WINDOW_DAYS of either; else valid."""
    first = attention(review_due_on, expires_on)
    if first < day:
        return Status.EXPIRED
    if (first - day).days <= reference.REVIEW_WINDOW_DAYS.value:
        return Status.DUE
    return Status.VALID


def mask(id_number: str) -> str:
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


class RequiredOperationQuerySet(_Viewed):
    pass


class RequiredOperation(models.Model):
    """An operation the enterprise's work needs (its 作业项目), with how many holders of a
    valid certificate it needs; a gap raised as a major hazard keeps that hazard."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="required_operations",
    )
    operation = models.CharField(
        "作业类别及操作项目", max_length=10, choices=reference.OPERATION_CHOICES
    )
    holders_needed = models.PositiveIntegerField("需持证人数", default=1)
    work = models.CharField("作业内容", max_length=200, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="持证缺口隐患",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RequiredOperationQuerySet.as_manager()

    class Meta:
        verbose_name = "需持证作业"
        verbose_name_plural = "需持证作业"
        ordering = ["enterprise", "operation"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "operation"], name="required_operation_once"
            )
        ]

    def __str__(self):
        return reference.label(self.operation)

    @property
    def operation_label(self) -> str:
        return reference.label(self.operation)


class Action(models.TextChoices):
    RECORD = "record", "登记"
    IMPORT = "import", "导入"
    REVIEW = "review", "复审"
    REVIEW_REMINDER = "review_reminder", "复审提醒"
    EXPIRY_REMINDER = "expiry_reminder", "到期提醒"
    RAISE_GAP = "raise_gap", "持证缺口登记为重大事故隐患"


class CertificateEvent(Event):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+"
    )
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("事项", max_length=20, choices=Action.choices)

    class Meta:
        verbose_name = "特种作业操作证记录"
        verbose_name_plural = "特种作业操作证记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["certificate", "action"], name="cert_event_action")]

    def __str__(self):
        return f"{self.certificate_id} {self.get_action_display()}"
