"""Public tips (举报, seed section 三(三)): a tip from anyone, without an account, about an
enterprise of the county (or one named in free text), routed to the enterprise's town or to the
county; its photos; its events; the reward a verified tip earns.

The tracking code is never stored: only its SHA-256 (`code_hash`; the code carries 100 random
bits, so the hash cannot be reversed by trying codes). The client address is stored only as a
keyed hash (`client_key`, HMAC with the secret key), enough to count a day's tips per address.
The tipster's contact is read only through tips.services.contact_of (county administrator,
audited)."""

from django.conf import settings
from django.db import models

from core.models import Event
from core.scoping import ScopedQuerySet
from tips.states import RewardState, State


class TipQuerySet(ScopedQuerySet):
    scope_path_lookup = "scope_path"

    def scoped(self, user):
        """The tips routed to the user's jurisdiction or below it; none for other users (a tip
        is the bureau's and the towns' business, never an enterprise's or an expert's)."""
        if user.jurisdiction_id:
            return self.filter(scope_path__startswith=user.jurisdiction.path)
        return self.none()


class Tip(models.Model):
    code_hash = models.CharField("查询码摘要", max_length=64, unique=True, editable=False)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="被举报企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    enterprise_text = models.CharField("被举报单位（自填）", max_length=100, blank=True)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction", verbose_name="承办区划", on_delete=models.PROTECT, related_name="+"
    )
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)
    what = models.TextField("举报内容")
    place = models.CharField("地点", max_length=200)
    anonymous = models.BooleanField("匿名", default=True)
    contact_name = models.CharField("举报人姓名", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    submitted_on = models.DateField("提交日期", db_index=True)
    accept_due = models.DateField("受理期限")
    reply_due = models.DateField("答复期限")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    not_accepted_reason = models.CharField("不予受理理由", max_length=500, blank=True)
    finding = models.TextField("核查情况", blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name="形成隐患",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reply = models.TextField("答复内容", blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    client_key = models.CharField(max_length=64, editable=False)

    objects = TipQuerySet.as_manager()

    class Meta:
        verbose_name = "群众举报"
        verbose_name_plural = "群众举报"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["client_key", "submitted_on"], name="tip_client_day"),
            models.Index(fields=["state", "accept_due"], name="tip_state_due"),
        ]

    def __str__(self):
        return f"举报 {self.pk}（{self.subject}）"

    @property
    def subject(self) -> str:
        return (
            self.enterprise.name if self.enterprise_id else (self.enterprise_text or "未指明单位")
        )


class TipPhoto(models.Model):
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to="tips/%Y/%m/")

    class Meta:
        verbose_name = "举报照片"
        verbose_name_plural = "举报照片"

    def __str__(self):
        return f"举报 {self.tip_id} 照片"


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", "收到举报"
    LINKED = "linked", "关联企业"
    ACCEPT = "accept", "受理"
    REFUSE = "refuse", "不予受理"
    START = "start", "开始核查"
    VERIFY = "verify", "核查属实"
    DISMISS = "dismiss", "核查不属实"
    REPLY = "reply", "答复办结"
    REMIND = "remind", "逾期提醒"
    REWARD_DECIDED = "reward_decided", "核定奖励"
    REWARD_APPROVED = "reward_approved", "审批奖励"
    REWARD_PAID = "reward_paid", "发放奖励"


class TipEvent(Event):
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    class Meta:
        verbose_name = "举报办理记录"
        verbose_name_plural = "举报办理记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.tip_id} {self.get_action_display()}"


class RewardQuerySet(ScopedQuerySet):
    scope_path_lookup = "tip__scope_path"

    def scoped(self, user):
        if user.jurisdiction_id:
            return self.filter(tip__scope_path__startswith=user.jurisdiction.path)
        return self.none()


class Reward(models.Model):
    """The reward of a verified tip (鲁应急发〔2021〕3号): decided with its rule and amount,
    approved by another person, paid; each step with who and when."""

    tip = models.OneToOneField(
        Tip, verbose_name="举报", on_delete=models.PROTECT, related_name="reward"
    )
    rule = models.CharField("奖励情形", max_length=20)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    source = models.CharField("依据", max_length=200)
    state = models.CharField("状态", max_length=10, choices=RewardState.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核定人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("核定时间")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发放人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField("发放时间", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)

    objects = RewardQuerySet.as_manager()

    class Meta:
        verbose_name = "举报奖励"
        verbose_name_plural = "举报奖励"

    def __str__(self):
        return f"举报 {self.tip_id} 奖励 {self.amount} 元"
