"""The accident pages' forms. They check each input on its own (types, ranges, required); the
rules between inputs (local or external, near miss without casualties, the enterprise in the
user's area) are the service's, whose refusals the views attach to the field at fault."""

from datetime import datetime

from django import forms
from django.utils import timezone

from accidents.models import AccidentSource
from accidents.reference import CATEGORIES, Level
from accidents.services import MAX_LOSS, MAX_PEOPLE, TEXT_LIMITS
from accounts.roles import can
from core.inputs import CheckedForm
from core.models import Jurisdiction, JurisdictionKind
from enterprises.choices import Industry
from enterprises.models import Enterprise, ProcessKind, SectorTag

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
CATEGORY_OPTIONS = [(code, f"{serial} {name}") for code, serial, name in CATEGORIES]


def _count_field(label):
    return forms.IntegerField(label=label, min_value=0, max_value=MAX_PEOPLE, initial=0)


class AccidentForm(CheckedForm):
    source = forms.ChoiceField(label="事故来源", choices=AccidentSource.choices)
    enterprise = forms.ModelChoiceField(
        label="事故企业",
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label="（外地事故不选）",
        help_text="本县企业事故必选；行业与重点行业领域默认取自该企业",
    )
    title = forms.CharField(label="事故名称", max_length=TEXT_LIMITS["title"])
    occurred_at = forms.DateTimeField(
        label="事故发生时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    location = forms.CharField(
        label="发生地点",
        max_length=TEXT_LIMITS["location"],
        required=False,
        help_text="外地事故必填：省、市、县（区）",
    )
    industry = forms.ChoiceField(
        label="行业",
        choices=[("", "（本县企业事故取企业行业）"), *Industry.choices],
        required=False,
        help_text="外地事故必选",
    )
    sector_tags = forms.ModelMultipleChoiceField(
        label="重点行业领域（设备、工艺）",
        queryset=SectorTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="本县企业事故不选时取企业的重点行业领域",
    )
    process_kinds = forms.ModelMultipleChoiceField(
        label="涉及设备工艺",
        queryset=ProcessKind.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="本县企业事故不选时取企业的设备工艺画像；事故警示据此匹配设备相似、工艺相近的企业",
    )
    category = forms.ChoiceField(
        label="事故类别（GB 6441-1986）", choices=[("", "请选择"), *CATEGORY_OPTIONS]
    )
    deaths = _count_field("死亡人数")
    serious_injuries = _count_field("重伤人数（含急性工业中毒）")
    minor_injuries = _count_field("轻伤人数")
    direct_loss = forms.DecimalField(
        label="直接经济损失（万元）",
        required=False,
        min_value=0,
        max_value=MAX_LOSS,
        max_digits=12,
        decimal_places=2,
        help_text="尚未核定的留空",
    )
    is_near_miss = forms.BooleanField(label="涉险事故（未造成人员伤亡）", required=False)
    summary = forms.CharField(
        label="事故经过",
        max_length=TEXT_LIMITS["summary"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    cause = forms.CharField(
        label="原因分析",
        max_length=TEXT_LIMITS["cause"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lessons = forms.CharField(
        label="防范措施与教训",
        max_length=TEXT_LIMITS["lessons"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(label="更正说明", max_length=TEXT_LIMITS["note"], required=False)

    def __init__(self, user, *args, accident=None, **kwargs):
        self.accident = accident
        if accident is not None:
            kwargs.setdefault("initial", self._initial(accident))
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user).only("pk", "name")
        if accident is not None:
            # The source is fixed once recorded (a wrong one is voided and recorded again).
            del self.fields["source"]
            if accident.source == AccidentSource.EXTERNAL:
                del self.fields["enterprise"]
            else:
                self.fields["enterprise"].required = True
                self.fields["enterprise"].empty_label = None
        else:
            del self.fields["note"]
            if not can(user, "accident.record_external"):
                self.fields["source"].choices = [
                    c for c in AccidentSource.choices if c[0] == AccidentSource.LOCAL
                ]

    @staticmethod
    def _initial(accident):
        return {
            "enterprise": accident.enterprise_id,
            "title": accident.title,
            "occurred_at": timezone.localtime(accident.occurred_at),
            "location": accident.location,
            "industry": accident.industry,
            "sector_tags": [tag.pk for tag in accident.sector_tags.all()],
            "process_kinds": [kind.pk for kind in accident.process_kinds.all()],
            "category": accident.category,
            "deaths": accident.deaths,
            "serious_injuries": accident.serious_injuries,
            "minor_injuries": accident.minor_injuries,
            "direct_loss": accident.direct_loss,
            "is_near_miss": accident.is_near_miss,
            "summary": accident.summary,
            "cause": accident.cause,
            "lessons": accident.lessons,
        }

    def service_data(self) -> dict:
        """The cleaned input as accidents.services takes it."""
        data = dict(self.cleaned_data)
        data.pop("note", None)
        if "enterprise" in data:
            enterprise = data.pop("enterprise")
            data["enterprise_id"] = enterprise.pk if enterprise else None
        data["industry"] = data["industry"] or None
        if self.accident is not None:
            # The form shows the time to the minute: an unchanged minute keeps the seconds.
            shown = timezone.localtime(self.accident.occurred_at).replace(second=0, microsecond=0)
            if data["occurred_at"] == shown:
                data["occurred_at"] = self.accident.occurred_at
        tags = [tag.pk for tag in data["sector_tags"]]
        kinds = [kind.pk for kind in data["process_kinds"]]
        if self.accident is None:
            # None: the enterprise's tags and kinds (local) or none (external).
            data["sector_tags"] = tags or None
            data["process_kinds"] = kinds or None
        else:
            data["sector_tags"] = tags
            data["process_kinds"] = kinds
        return data


class VoidForm(CheckedForm):
    reason = forms.CharField(
        label="作废原因",
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例如：重复登记、误录企业；作废后记录保留，不再计入企业风险分级",
    )


VOIDED_CHOICES = [("", "有效记录"), ("1", "已作废"), ("all", "全部记录")]


class AccidentFilterForm(CheckedForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *AccidentSource.choices]
    )
    level = forms.ChoiceField(
        label="等级", required=False, choices=[("", "全部等级"), *Level.choices]
    )
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部类别"), *CATEGORY_OPTIONS]
    )
    year = forms.IntegerField(label="年度", required=False, min_value=1949, max_value=9998)
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    # Bounded to the database's integer range: a larger id would overflow the query.
    enterprise = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    voided = forms.ChoiceField(label="状态", required=False, choices=VOIDED_CHOICES)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).filter(
            kind__in=[JurisdictionKind.ZONE, JurisdictionKind.TOWN, JurisdictionKind.STREET]
        )

    def apply(self, queryset):
        # A value that does not validate (a stale town, a mistyped year) is dropped on its own;
        # the other filters keep applying.
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        voided = data.get("voided", "")
        if voided == "1":
            queryset = queryset.filter(voided_at__isnull=False)
        elif voided != "all":
            queryset = queryset.counted()
        if data.get("q"):
            queryset = queryset.search(data["q"])
        for name in ("source", "level", "category"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("year"):
            queryset = queryset.filter(occurred_at__gte=_year_start(data["year"])).filter(
                occurred_at__lt=_year_start(data["year"] + 1)
            )
        if data.get("town"):
            queryset = queryset.filter(enterprise__scope_path__startswith=data["town"].path)
        if data.get("enterprise"):
            queryset = queryset.filter(enterprise_id=data["enterprise"])
        return queryset


def _year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
