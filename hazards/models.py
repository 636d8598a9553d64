from django.conf import settings
from django.db import connections, models
from django.utils import timezone

from core import search
from core.models import Event
from core.scoping import ScopedQuerySet
from enterprises.choices import Industry
from hazards.states import Source, State

ARTICLE_NUMERALS = {
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "十",
    11: "十一",
    12: "十二",
    13: "十三",
    14: "十四",
}
ITEM_NUMERALS = "零一二三四五六七八九十"


def item_numeral(item: int) -> str:
    if item <= 10:
        return ITEM_NUMERALS[item]
    return "十" + ITEM_NUMERALS[item - 10]


class CriterionScope(models.TextChoices):
    ALL = "all", "所有工贸企业"
    INDUSTRY = "industry", "按行业"
    SECTOR = "sector", "按重点行业领域"
    MONITORING = "monitoring", "已接入监测预警的企业"


class CriterionQuerySet(models.QuerySet):
    def for_enterprise(self, enterprise):
        """The criteria that apply to an enterprise: its self-inspection checklist."""
        tags = list(enterprise.sector_tags.values_list("code", flat=True))
        query = models.Q(scope=CriterionScope.ALL)
        query |= models.Q(scope=CriterionScope.INDUSTRY, industry=enterprise.industry)
        query |= models.Q(scope=CriterionScope.SECTOR, sector_tag__in=tags)
        if enterprise.has_monitoring:
            query |= models.Q(scope=CriterionScope.MONITORING)
        return self.filter(query, active=True)


class MajorHazardCriterion(models.Model):
    """One item of 工贸企业重大事故隐患判定标准 (应急管理部令第10号), kept as data an administrator
    can correct, with where it applies and whether its wording was checked."""

    article = models.PositiveSmallIntegerField("条")
    item = models.PositiveSmallIntegerField("项", help_text="无分项的条款填 0")
    text = models.TextField("内容（释义）")
    scope = models.CharField("适用范围", max_length=20, choices=CriterionScope.choices)
    industry = models.CharField("适用行业", max_length=30, choices=Industry.choices, blank=True)
    sector_tag = models.ForeignKey(
        "enterprises.SectorTag",
        verbose_name="适用重点行业领域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="criteria",
    )
    source = models.CharField("依据", max_length=200)
    confirmed = models.BooleanField(
        "已核对原文", default=False, help_text="释义已与官方文本逐项核对；未核对的条目需谨慎使用"
    )
    active = models.BooleanField("启用", default=True)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        verbose_name = "重大事故隐患判定标准条目"
        verbose_name_plural = "重大事故隐患判定标准"
        ordering = ["article", "item"]
        constraints = [
            models.UniqueConstraint(fields=["article", "item"], name="criterion_article_item"),
        ]

    def __str__(self):
        return f"{self.label} {self.text[:30]}"

    @property
    def label(self) -> str:
        article = f"第{ARTICLE_NUMERALS.get(self.article, self.article)}条"
        return article if self.item == 0 else f"{article}（{item_numeral(self.item)}）"


OPEN_STATES = (State.REPORTED, State.CONFIRMED, State.PLANNED, State.RECTIFYING, State.SUBMITTED)


class Suspension(models.TextChoices):
    NONE = "none", "无"
    PRODUCTION = "production", "停产"
    EQUIPMENT = "equipment", "停用相关设施设备"


class ListedLevel(models.TextChoices):
    COUNTY = "county", "县级挂牌督办"
    CITY = "city", "市级挂牌督办"
    PROVINCE = "province", "省级挂牌督办"


# The bigram index of the description (migration 0008, core.search).
DESCRIPTION_BIGRAMS = "hazard_description_bigrams"

# A search whose text is in up to this many enterprises' names passes their ids to the query as a
# list; more (a word most names have) go as a subquery.
SEARCH_ENTERPRISE_IDS = 10_000


def overdue_condition(today):
    """An open hazard is overdue on `today` when this holds: its deadline has passed, or it is
    major and found in a year whose zero-out day (31 January of the next) has passed."""
    from hazards.transitions import ZERO_OUT

    return models.Q(deadline__lt=today) | models.Q(
        is_major=True, found_on__lt=ZERO_OUT.overdue_before(today)
    )


class HazardQuerySet(ScopedQuerySet):
    def scoped(self, user):
        from accounts.roles import can

        scoped = super().scoped(user)
        # An employee sees the hazards they reported, not the enterprise's whole ledger.
        if user.is_authenticated and not can(user, "hazard.list_all"):
            return scoped.filter(reported_by=user)
        return scoped

    def search(self, text: str, enterprises):
        """Hazards whose description or whose enterprise's name contains `text`, ignoring case.

        `enterprises` is the same user's Enterprise.objects.for_user(), the scope this queryset
        was cut from. A word in every name of that scope ("有限公司") matches every hazard: no
        filter is added. On PostgreSQL the names are searched there first (with their own
        trigram index), so that each side of the OR can use an index of the hazards: the
        matching enterprises' ids, and a trigram index of the description (migration 0006).
        SQLite walks the ledger order for every scope and joins each hazard's enterprise for the
        scope: it keeps the name on that join, which it checks after the scope, where a list of
        ids would have it read the description of every hazard walked, in scope or not.

        A text without cased letters (Chinese, digits) is found alike with or without UPPER():
        it is compared as it is, which costs half as much a row where descriptions are read (a
        term of one or two characters has no trigram), and has an index of its own."""
        if not text:
            return self
        if not enterprises.exclude(name__icontains=text).exists():
            return self
        queryset = self
        if text.upper() == text == text.lower():
            by_description = models.Q(description__contains=text)
            if search.is_rare(DESCRIPTION_BIGRAMS, text, self.db):
                # A rare pair of characters: its rows from the bigram index (core.search).
                queryset = queryset.alias(description_bigrams=search.Bigrams("description"))
                by_description &= models.Q(description_bigrams__contains=[text])
        else:
            by_description = models.Q(description__icontains=text)
        if connections[self.db].vendor == "sqlite":
            by_name = models.Q(enterprise__name__icontains=text)
        else:
            named = enterprises.search_name(text).order_by()
            ids = list(named.values_list("pk", flat=True)[: SEARCH_ENTERPRISE_IDS + 1])
            if len(ids) > SEARCH_ENTERPRISE_IDS:
                # A word in many names: checked on the joined enterprise of each hazard walked
                # in the ledger order, which finds a page (and a capped count) long before a
                # subquery of every such name would be built.
                by_name = models.Q(enterprise__name__icontains=text)
            else:
                by_name = models.Q(enterprise__in=ids)  # none: Django drops this side of the OR
        return queryset.filter(by_name | by_description)

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def major(self):
        return self.filter(is_major=True)

    def overdue(self, today=None):
        """Open hazards past their deadline, and open major hazards past the 31 January that
        closes their year (hazards.transitions.ZERO_OUT), whatever their own deadline."""
        return self.open().filter(overdue_condition(today or timezone.localdate()))


class Hazard(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    description = models.TextField("隐患描述")
    place = models.CharField("部位/场所", max_length=100, blank=True)
    found_on = models.DateField("发现日期", default=timezone.localdate)
    found_by = models.CharField("发现人", max_length=40)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_major = models.BooleanField("重大事故隐患", default=False)
    criterion = models.ForeignKey(
        MajorHazardCriterion,
        verbose_name="判定依据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    major_reason = models.TextField(
        "认定理由", blank=True, help_text="未对应具体条款时，监管人员认定为重大隐患的理由"
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REPORTED)
    # 五落实: responsibility, measures, funds, deadline, contingency plan.
    owner = models.CharField("整改责任人", max_length=40, blank=True)
    measures = models.TextField("整改措施", blank=True)
    funds = models.DecimalField(
        "整改资金（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField("整改期限", null=True, blank=True, db_index=True)
    contingency_plan = models.TextField("应急预案/防范措施", blank=True)
    suspension = models.CharField(
        "停产停用", max_length=20, choices=Suspension.choices, default=Suspension.NONE
    )
    suspended_equipment = models.CharField("停用设施设备", max_length=200, blank=True)
    listed_level = models.CharField(
        "挂牌督办", max_length=20, choices=ListedLevel.choices, blank=True
    )
    listed_by = models.CharField("督办单位", max_length=60, blank=True)
    # Why the deadline lies past the zero-out day (hazards.transitions.ZERO_OUT), given with the
    # plan or the extension that set it; the break itself is Hazard.breaks_zero_out.
    zero_out_reason = models.TextField("超出清零时限的理由", blank=True, default="", db_default="")
    evidence = models.TextField("整改情况说明", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    # Ordered rectified by an enforcement inspection (its 责令限期整改指令书): the page of that
    # inspection, whose re-check (整改复查意见书) verifies the rectification, not a close here.
    order_link = models.CharField(
        "整改指令所在检查", max_length=200, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Made by the phone that reported the hazard offline (fieldwork/): sent again, the same id
    # finds this hazard instead of making a second one.
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True, editable=False)

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = "事故隐患"
        verbose_name_plural = "事故隐患"
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["state", "is_major"], name="hazard_state_major"),
            models.Index(fields=["enterprise", "state"], name="hazard_enterprise_state"),
            models.Index(fields=["is_major", "found_on"], name="hazard_major_found"),
            # The ledger at province scale (`manage.py bench`: 1,000,000 hazards). A page reads
            # its ids first, in (found_on, id) order and filtered by the selects' columns, then
            # counts; these indexes answer both without the table. A wide scope (a province)
            # walks hazard_ledger_order and stops after a page. It leaves enterprise_id out on
            # purpose: PostgreSQL's planner then does not walk it for a narrow scope (a town)
            # too, but starts from that scope's enterprises and reads hazard_ledger_enterprise.
            # Migration 0005 adds the description to the latter on PostgreSQL (INCLUDE), so a
            # search within a county or a town reads no table rows either; on SQLite, whose
            # planner has no statistics and walks the ledger order for every scope, it adds
            # enterprise_id to the former instead, so that walk reads no table rows.
            models.Index(
                fields=["found_on", "id", "is_major", "state", "source", "deadline"],
                name="hazard_ledger_order",
            ),
            models.Index(
                fields=["enterprise", "found_on", "id", "is_major", "state", "source", "deadline"],
                name="hazard_ledger_enterprise",
            ),
            # The count under a wide scope: every filter column and the join's, nothing more, so
            # counting a million hazards reads the narrowest index instead of the table.
            models.Index(
                fields=["enterprise", "is_major", "state", "source", "deadline"],
                name="hazard_ledger_count",
            ),
            # Open hazards, a tenth of the ledger: the overdue filter and the open states.
            models.Index(
                fields=["found_on", "id", "enterprise", "is_major", "state", "source", "deadline"],
                condition=models.Q(state__in=OPEN_STATES),
                name="hazard_ledger_open",
            ),
            # The zero-out board's counts per town, from the index alone, and major-only pages.
            models.Index(
                fields=[
                    "enterprise",
                    "state",
                    "deadline",
                    "found_on",
                    "closed_at",
                    "listed_level",
                    "source",
                    "is_major",
                    "id",
                ],
                condition=models.Q(is_major=True),
                name="hazard_board_major",
            ),
            # The board's blockers: open major hazards by deadline.
            models.Index(
                fields=["deadline", "found_on"],
                condition=models.Q(is_major=True, state__in=OPEN_STATES),
                name="hazard_open_major_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.description[:20]}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, today=None) -> bool:
        """As HazardQuerySet.overdue: past its deadline, or a major hazard past its year's
        zero-out day."""
        today = today or timezone.localdate()
        if not self.is_open:
            return False
        return (self.deadline is not None and self.deadline < today) or self.is_zero_out_overdue(
            today
        )

    def is_zero_out_overdue(self, today=None) -> bool:
        """Open, major, and its year's zero-out day (31 January of the next year) has passed."""
        today = today or timezone.localdate()
        deadline = self.zero_out_deadline
        return self.is_open and deadline is not None and today > deadline

    @property
    def zero_out_deadline(self):
        """The day by which this major hazard is to be rectified by the zero-out rule (seed task
        6); None for a general hazard."""
        from hazards.transitions import ZERO_OUT

        return ZERO_OUT.deadline_for(self.found_on.year) if self.is_major else None

    @property
    def breaks_zero_out(self) -> bool:
        """Its deadline lies past its year's zero-out day (allowed with a reason only)."""
        deadline = self.zero_out_deadline
        return deadline is not None and self.deadline is not None and self.deadline > deadline

    def deadline_provisional(self, today=None) -> bool:
        """The working days counted between today and the deadline (reminders, escalation)
        rest on a year without a holiday notice: counted by the statute, provisional."""
        from core import workdays

        if self.deadline is None or not self.is_open:
            return False
        return workdays.is_provisional(today or timezone.localdate(), self.deadline)


class PhotoKind(models.TextChoices):
    FOUND = "found", "隐患照片"
    EVIDENCE = "evidence", "整改照片"
    RECHECK = "recheck", "复查照片"


class HazardPhoto(models.Model):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField("类型", max_length=10, choices=PhotoKind.choices)
    image = models.ImageField("照片", upload_to="hazards/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "隐患照片"
        verbose_name_plural = "隐患照片"

    def __str__(self):
        return f"{self.get_kind_display()} {self.image.name}"


# Events the deadline job (hazards.reminders) records: no transition, no actor.
DEADLINE_ACTIONS = {
    "remind": "整改期限提醒",
    "escalate_town": "逾期升级至镇街",
    "escalate_county": "逾期升级至县局",
}


class HazardEvent(Event):
    """One transition of a hazard: who, when, from, to, why (core.events.record). Also the
    outbox of its notifications (hazards.notifications)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=30)
    from_state = models.CharField("原状态", max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField("新状态", max_length=20, choices=State.choices, blank=True)

    class Meta:
        verbose_name = "隐患处理记录"
        verbose_name_plural = "隐患处理记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action_label} {self.from_state}→{self.to_state}"

    @property
    def action_label(self) -> str:
        from hazards.transitions import TRANSITIONS

        if self.action in TRANSITIONS:
            return TRANSITIONS[self.action].label
        if self.action in DEADLINE_ACTIONS:
            return DEADLINE_ACTIONS[self.action]
        return "登记隐患" if self.action == "report" else self.action


class ExtensionQuerySet(ScopedQuerySet):
    def scoped(self, user):
        # An extension is visible exactly where its hazard is (employees: their own reports).
        return self.filter(hazard__in=Hazard.objects.for_user(user))


class Extension(models.Model):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    old_deadline = models.DateField("原期限")
    new_deadline = models.DateField("申请延期至")
    reason = models.TextField("延期理由")
    zero_out_reason = models.TextField("超出清零时限的理由", blank=True, default="", db_default="")
    approved = models.BooleanField("是否批准", null=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.hazard_id} 延期至 {self.new_deadline}"

    @property
    def breaks_zero_out(self) -> bool:
        deadline = self.hazard.zero_out_deadline
        return deadline is not None and self.new_deadline > deadline


class DutyRule(models.Model):
    """How often the principal must lead a check of major-hazard investigation (seed task 5):
    monthly for the sectors named there, quarterly for everyone else (the row without a tag)."""

    sector_tag = models.OneToOneField(
        "enterprises.SectorTag",
        verbose_name="重点行业领域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="duty_rule",
    )
    months = models.PositiveSmallIntegerField("周期（月）", help_text="1 为每月，3 为每季度")
    source = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "主要负责人带队检查频次"
        verbose_name_plural = "主要负责人带队检查频次"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months__in=[1, 2, 3, 4, 6, 12]), name="duty_months_divide_year"
            ),
        ]

    def __str__(self):
        who = self.sector_tag.name if self.sector_tag_id else "其他企业"
        return f"{who}：每{self.months}个月至少1次"


class DeadlineRule(models.Model):
    """Reminder and escalation timing for rectification deadlines, in working days."""

    code = models.CharField("代码", max_length=30, unique=True)
    label = models.CharField("名称", max_length=60)
    working_days = models.PositiveSmallIntegerField("工作日数")
    source = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "整改期限提醒与升级规则"
        verbose_name_plural = "整改期限提醒与升级规则"

    def __str__(self):
        return f"{self.label}（{self.working_days}个工作日）"


class SelfInspectionQuerySet(ScopedQuerySet):
    def scoped(self, user):
        from accounts.roles import can

        if not can(user, "self_inspection.view"):
            return self.none()
        return super().scoped(user)


class SelfInspection(models.Model):
    """A check of the enterprise against its applicable criteria, answered item by item."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="self_inspections",
    )
    checked_on = models.DateField("检查日期", default=timezone.localdate)
    led_by = models.CharField("带队人", max_length=40)
    led_by_principal = models.BooleanField("主要负责人带队", default=False)
    note = models.TextField("备注", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    # Made by the phone that recorded the check offline (fieldwork/): see Hazard.client_id.
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True, editable=False)

    objects = SelfInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "企业自查"
        verbose_name_plural = "企业自查"
        ordering = ["-checked_on", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "checked_on"], name="selfinsp_enterprise_date"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.checked_on}"


class Answer(models.TextChoices):
    COMPLIANT = "compliant", "符合"
    HAZARD = "hazard", "存在隐患"
    NOT_APPLICABLE = "not_applicable", "不适用"


class SelfInspectionItem(models.Model):
    inspection = models.ForeignKey(SelfInspection, on_delete=models.CASCADE, related_name="items")
    criterion = models.ForeignKey(MajorHazardCriterion, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField("结果", max_length=20, choices=Answer.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    hazard = models.ForeignKey(
        Hazard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "自查条目"
        verbose_name_plural = "自查条目"
        constraints = [
            models.UniqueConstraint(fields=["inspection", "criterion"], name="selfinsp_item_once"),
        ]

    def __str__(self):
        return f"{self.criterion.label} {self.get_answer_display()}"
