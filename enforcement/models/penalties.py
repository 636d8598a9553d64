"""Models of penalty cases and their events."""

from django.conf import settings
from django.db import models

from core.models import Event
from core.scoping import ScopedQuerySet

# --- penalties ----------------------------------------------------------------------------------


class PenaltyState(models.Model):
    """A state of a penalty case (立案 → 告知 → 决定 → 执行完毕 → 结案), kept as data (migration
    0001 loads them, with their source) so a reader can check them against the procedure."""

    code = models.CharField("代码", max_length=20, primary_key=True)
    name = models.CharField("名称", max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField("顺序", default=0)
    next_states = models.JSONField("可转入状态", default=list, blank=True)
    is_final = models.BooleanField("终结状态", default=False)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "处罚案件状态"
        verbose_name_plural = "处罚案件状态"
        ordering = ["sort_order"]

    def __str__(self):
        return self.name


class Penalty(models.Model):
    """An administrative penalty case (行政处罚). The grading app reads `enterprise`,
    `decided_on`, `amount` and `state`; keep those names."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="当事企业",
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="立案机关辖区",
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("年度序号")
    case_number = models.CharField("案号", max_length=60, unique=True)
    violation = models.TextField("违法事实")
    # 第九十九条 is one paragraph of eight items: a case cites the item (checked 2026-11-29).
    legal_basis = models.TextField(
        "处罚依据", help_text="例如：《中华人民共和国安全生产法》第九十九条第（三）项"
    )
    amount = models.DecimalField("罚款金额（元）", max_digits=12, decimal_places=2, default=0)
    state = models.ForeignKey(
        PenaltyState, verbose_name="状态", on_delete=models.PROTECT, related_name="+"
    )
    filed_on = models.DateField("立案日期")
    decided_on = models.DateField("决定日期", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    inspection = models.ForeignKey(
        "Inspection",
        verbose_name="来源检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="承办人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "行政处罚"
        verbose_name_plural = "行政处罚"
        ordering = ["-year", "-serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "serial"], name="penalty_serial_per_year"
            )
        ]
        indexes = [models.Index(fields=["enterprise", "decided_on"], name="penalty_ent_decided")]

    def __str__(self):
        return self.case_number


class PenaltyEvent(Event):
    """One transition of a penalty case (core.events.record), announced by
    enforcement.notifications."""

    penalty = models.ForeignKey(Penalty, on_delete=models.CASCADE, related_name="events")
    to_state = models.CharField("新状态", max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "处罚案件记录"
        verbose_name_plural = "处罚案件记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.penalty} {self.from_state}→{self.to_state}"
