"""Campaigns (专项整治, seed tasks 8, 10 and 21): a campaign with its legal basis, period,
issuing jurisdiction and stages; the enterprises it targets, resolved once when it starts and
stored as rows (CampaignTarget), so later changes to the enterprises do not move it; its
checklist (CampaignItem, copied from a template of campaigns.reference, the major-hazard
criteria library or typed); each target's answers; each finding linked to the hazard it became
(CampaignFinding); and a finding's carry-over with its reason when the campaign closes."""

from django.conf import settings
from django.db import models

from core.models import Event, Jurisdiction
from core.scoping import ScopedQuerySet, ancestor_paths


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    SELF_CHECK = "self_check", "企业自查"
    TOWN_CHECK = "town_check", "镇街检查"
    SPOT_CHECK = "spot_check", "县局抽查"
    CLOSE_OUT = "close_out", "总结销号"
    CLOSED = "closed", "已结束"


# The stages a campaign runs through once started, in order.
STAGES = (State.SELF_CHECK, State.TOWN_CHECK, State.SPOT_CHECK, State.CLOSE_OUT)
RUNNING = frozenset(STAGES)


class Verdict(models.TextChoices):
    CONFORM = "conform", "符合"
    NONCONFORM = "nonconform", "不符合"
    NOT_APPLICABLE = "na", "不涉及"


class FindingStage(models.TextChoices):
    SELF = "self", "企业自查"
    TOWN = "town", "镇街检查"
    SPOT = "spot", "县局抽查"


class CampaignQuerySet(ScopedQuerySet):
    """A jurisdiction's staff see the campaigns issued at or below their node, and those issued
    above it (a county's campaign, seen by its towns for their own enterprises); an enterprise's
    users the started campaigns that target their enterprise."""

    def scoped(self, user):
        if user.jurisdiction_id:
            path = user.jurisdiction.path
            return self.filter(
                models.Q(jurisdiction__path__startswith=path)
                | models.Q(jurisdiction__path__in=ancestor_paths(path))
            )
        if user.enterprise_id:
            return self.exclude(state=State.DRAFT).filter(targets__enterprise_id=user.enterprise_id)
        return self.none()


class Campaign(models.Model):
    name = models.CharField("专项整治名称", max_length=100)
    basis = models.TextField("法律依据", max_length=1000)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="组织单位", on_delete=models.PROTECT, related_name="campaigns"
    )
    template_code = models.CharField("模板", max_length=40, blank=True)
    source_accident = models.ForeignKey(
        "accidents.AccidentCase",
        verbose_name="起因事故",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    source_note = models.CharField("起因说明", max_length=500, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.DRAFT)
    # Targeting, kept as chosen (resolved into CampaignTarget rows when the campaign starts):
    # {"industries": [...], "sector_tags": [...], "process_kinds": [...], "towns": [ids],
    #  "risk_levels": [...], "enterprise_ids": [ids]}; the criteria given are all required.
    targeting = models.JSONField("目标企业条件", default=dict, blank=True)
    self_check_ends_on = models.DateField("企业自查截止", null=True, blank=True)
    town_check_ends_on = models.DateField("镇街检查截止", null=True, blank=True)
    spot_check_ends_on = models.DateField("县局抽查截止", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("启动时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "专项整治"
        verbose_name_plural = "专项整治"
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.name

    @property
    def running(self) -> bool:
        return self.state in RUNNING


class CampaignItem(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField("序号")
    text = models.CharField("检查内容", max_length=500)
    source = models.CharField("依据", max_length=300, blank=True)
    drafted = models.BooleanField(
        "自拟条目", default=False, help_text="措辞非法规原文，系根据任务要求拟定"
    )
    criterion = models.ForeignKey(
        "hazards.MajorHazardCriterion",
        verbose_name="重大事故隐患判定标准条目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "检查条目"
        verbose_name_plural = "检查条目"
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_item_position")
        ]

    def __str__(self):
        return f"{self.position}. {self.text}"


class TargetQuerySet(ScopedQuerySet):
    scope_path_lookup = "enterprise__scope_path"


class CampaignTarget(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="campaign_targets",
    )
    # Why the enterprise is a target (the criteria it matched), as stored when resolved.
    matched = models.CharField("纳入原因", max_length=300, blank=True)
    opened_at = models.DateTimeField("开始自查时间", null=True, blank=True)
    self_checked_at = models.DateTimeField("自查提交时间", null=True, blank=True)
    self_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town_checked_at = models.DateTimeField("镇街检查时间", null=True, blank=True)
    town_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    spot_checked_at = models.DateTimeField("县局抽查时间", null=True, blank=True)
    spot_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = "整治对象"
        verbose_name_plural = "整治对象"
        ordering = ["campaign", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "enterprise"], name="campaign_target_once")
        ]

    def __str__(self):
        return f"{self.campaign_id}: {self.enterprise_id}"


class CampaignAnswer(models.Model):
    target = models.ForeignKey(CampaignTarget, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(CampaignItem, on_delete=models.CASCADE, related_name="answers")
    verdict = models.CharField("自查结果", max_length=12, choices=Verdict.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    photo = models.ImageField("照片", upload_to="campaigns/answers/%Y/%m/", blank=True)
    # None: entered from the enterprise's paper form (the demo data, the benchmark).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("填报时间", auto_now_add=True)

    class Meta:
        verbose_name = "自查答复"
        verbose_name_plural = "自查答复"
        ordering = ["target", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["target", "item"], name="campaign_answer_once")
        ]

    def __str__(self):
        return f"{self.item_id}: {self.verdict}"


class FindingQuerySet(ScopedQuerySet):
    scope_path_lookup = "target__enterprise__scope_path"
    scope_enterprise_lookup = "target__enterprise"


class CampaignFinding(models.Model):
    """A problem the campaign found at a target (a 不符合 answer, or a town's or the bureau's
    check), recorded as a hazard of the ledger (source 专项整治) and linked here."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="findings")
    target = models.ForeignKey(CampaignTarget, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(
        CampaignItem, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    stage = models.CharField("发现环节", max_length=10, choices=FindingStage.choices)
    hazard = models.OneToOneField(
        "hazards.Hazard", verbose_name="隐患", on_delete=models.PROTECT, related_name="campaign"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "整治发现问题"
        verbose_name_plural = "整治发现问题"
        ordering = ["campaign", "target", "id"]
        indexes = [models.Index(fields=["campaign", "target"], name="campaign_finding_target")]

    def __str__(self):
        return f"{self.campaign_id}: {self.hazard_id}"


class CampaignCarryOver(models.Model):
    """A finding whose hazard is still open when the campaign closes, carried over into the
    hazard ledger's ordinary follow-up, with the reason."""

    finding = models.OneToOneField(
        CampaignFinding, on_delete=models.CASCADE, related_name="carry_over"
    )
    reason = models.CharField("结转理由", max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("结转时间", auto_now_add=True)

    class Meta:
        verbose_name = "问题结转"
        verbose_name_plural = "问题结转"

    def __str__(self):
        return self.reason


class EventAction(models.TextChoices):
    CREATED = "created", "创建"
    STARTED = "started", "启动"
    ANSWER_DUE = "answer_due", "待企业自查"
    ANSWERED = "answered", "企业提交自查"
    CHECKED = "checked", "镇街检查"
    SPOT_CHECKED = "spot_checked", "县局抽查"
    ADVANCED = "advanced", "进入下一阶段"
    SELF_CHECK_ENDED = "self_check_ended", "企业自查阶段结束"
    OVERDUE = "overdue", "自查逾期"
    CARRIED_OVER = "carried_over", "问题结转"
    CLOSED = "closed", "结束"


class CampaignEvent(Event):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    town = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    class Meta:
        verbose_name = "专项整治记录"
        verbose_name_plural = "专项整治记录"
        ordering = ["at", "id"]

    def __str__(self):
        return self.get_action_display()
