from django import forms
from django.conf import settings
from django.utils import timezone

from core.inputs import CheckedForm
from core.models import Jurisdiction, JurisdictionKind
from core.uploads import KeepsPhotos
from enterprises.models import Enterprise
from hazards.models import (
    ListedLevel,
    MajorHazardCriterion,
    Source,
    State,
    Suspension,
)
from hazards.states import LINKED_SOURCES


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def photo_limit_label() -> str:
    """HAZARD_PHOTO_MAX_BYTES as people read it: "8 MB", "1.5 MB", or "512 KB" below a megabyte
    (as enterprises.spreadsheet states the import limit)."""
    limit = settings.HAZARD_PHOTO_MAX_BYTES
    if limit >= 1024 * 1024:
        return f"{round(limit / (1024 * 1024), 1):g} MB"
    if limit >= 1024:
        return f"{round(limit / 1024, 1):g} KB"
    return f"{limit} 字节"


class PhotosField(forms.ImageField):
    """Several photos in one input: each must be an image (Pillow checks the content, not the
    name) of at most HAZARD_PHOTO_MAX_BYTES."""

    widget = MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > 9:
            raise forms.ValidationError("一次最多上传 9 张照片")
        cleaned = []
        for upload in files:
            if upload.size > settings.HAZARD_PHOTO_MAX_BYTES:
                raise forms.ValidationError(f"照片“{upload.name}”超过 {photo_limit_label()}")
            cleaned.append(super().clean(upload, initial))
        return cleaned


class ReportForm(KeepsPhotos, CheckedForm):
    enterprise = forms.ModelChoiceField(label="企业", queryset=Enterprise.objects.none())
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    description = forms.CharField(label="隐患描述", widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label="部位/场所", required=False, max_length=100)
    found_on = forms.DateField(label="发现日期", widget=forms.DateInput(attrs={"type": "date"}))
    found_by = forms.CharField(label="发现人", required=False, max_length=40)
    criterion = forms.ModelChoiceField(
        label="对应重大事故隐患判定标准（如有）",
        queryset=MajorHazardCriterion.objects.none(),
        required=False,
        empty_label="不对应（一般隐患）",
    )
    photos = PhotosField(label="照片", required=False)

    def __init__(self, user, *args, enterprise=None, **kwargs):
        super().__init__(*args, uploader=user, **kwargs)
        # Most hazards are recorded the day they are found.
        self.fields["found_on"].initial = timezone.localdate
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user).only("pk", "name")
        if enterprise is not None:
            self.fields["enterprise"].initial = enterprise.pk
            self.fields["criterion"].queryset = MajorHazardCriterion.objects.for_enterprise(
                enterprise
            )
        else:
            self.fields["criterion"].queryset = MajorHazardCriterion.objects.filter(active=True)
        if user.enterprise_id:
            self.fields["enterprise"].initial = user.enterprise_id
            self.fields["enterprise"].widget = forms.HiddenInput()
        from hazards.services import sources_for

        allowed = set(sources_for(user)) - LINKED_SOURCES
        self.fields["source"].choices = [(v, label) for v, label in Source.choices if v in allowed]


class PlanForm(CheckedForm):
    owner = forms.CharField(label="整改责任人", max_length=40)
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 3}))
    funds = forms.DecimalField(
        label="整改资金（元）", required=False, min_value=0, max_digits=12, decimal_places=2
    )
    deadline = forms.DateField(label="整改期限", widget=forms.DateInput(attrs={"type": "date"}))
    contingency_plan = forms.CharField(
        label="应急预案/防范措施", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    zero_out_reason = forms.CharField(
        label="超出清零时限的理由",
        required=False,
        help_text="重大事故隐患的整改期限晚于查出次年1月31日时必填",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SubmitForm(KeepsPhotos, CheckedForm):
    evidence = forms.CharField(label="整改情况说明", widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label="整改照片", required=False)


class NoteForm(CheckedForm):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(CheckedForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(CheckedForm):
    new_deadline = forms.DateField(
        label="申请延期至", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 2}))
    zero_out_reason = forms.CharField(
        label="超出清零时限的理由",
        required=False,
        help_text="重大事故隐患延期至查出次年1月31日以后时必填",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecideExtensionForm(CheckedForm):
    approved = forms.TypedChoiceField(
        label="审批结果", choices=[("1", "批准"), ("0", "不批准")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="审批意见", required=False)


class JudgeForm(CheckedForm):
    is_major = forms.TypedChoiceField(
        label="认定结果",
        choices=[("1", "重大事故隐患"), ("0", "一般隐患")],
        coerce=lambda v: v == "1",
    )
    criterion = forms.ModelChoiceField(
        label="判定依据", queryset=MajorHazardCriterion.objects.none(), required=False
    )
    reason = forms.CharField(label="认定理由", required=False)

    def __init__(self, *args, hazard, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = MajorHazardCriterion.objects.for_enterprise(
            hazard.enterprise
        )


class ListForm(CheckedForm):
    level = forms.ChoiceField(label="督办级别", choices=ListedLevel.choices)
    body = forms.CharField(label="督办单位", max_length=60)


class SuspendForm(CheckedForm):
    suspension = forms.ChoiceField(
        label="措施", choices=[c for c in Suspension.choices if c[0] != Suspension.NONE]
    )
    equipment = forms.CharField(label="停用设施设备", required=False, max_length=200)


class LedgerFilterForm(CheckedForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    # Bounded to the database's integer range: a larger id would overflow the query.
    enterprise = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    major = forms.ChoiceField(
        label="等级", required=False, choices=[("", "全部等级"), ("1", "重大"), ("0", "一般")]
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *State.choices]
    )
    overdue = forms.BooleanField(label="仅逾期", required=False)
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *Source.choices]
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        visible = Jurisdiction.objects.for_user(user)
        town = self.fields["town"]
        kinds = [JurisdictionKind.ZONE, JurisdictionKind.TOWN, JurisdictionKind.STREET]
        if user.jurisdiction_id and user.jurisdiction.is_above_county:
            # Above the county the filter also takes a city or a county; a province's menu
            # offers only those (its 1,700 towns would swamp it), a link may still name a town.
            below = visible.exclude(pk=user.jurisdiction_id)
            town.queryset = below.filter(
                kind__in=[*kinds, JurisdictionKind.COUNTY, JurisdictionKind.CITY]
            )
            town.empty_label = "全部区划"
            if user.jurisdiction.kind == JurisdictionKind.PROVINCE:
                options = below.filter(kind__in=[JurisdictionKind.COUNTY, JurisdictionKind.CITY])
                town.choices = lambda: [
                    ("", town.empty_label),
                    *options.order_by("path").values_list("pk", "name"),
                ]
            return
        town.queryset = visible.filter(kind__in=kinds)

    def apply(self, queryset):
        # A value that does not validate (a stale town, a mistyped state) is dropped on its
        # own; the other filters, which the page still shows as selected, keep applying.
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.search(data["q"], Enterprise.objects.for_user(self.user))
        if data.get("town"):
            queryset = queryset.filter(enterprise__scope_path__startswith=data["town"].path)
        if data.get("enterprise"):
            queryset = queryset.filter(enterprise_id=data["enterprise"])
        if data.get("major") in ("0", "1"):
            queryset = queryset.filter(is_major=data["major"] == "1")
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("overdue"):
            queryset = queryset.overdue()
        if data.get("source"):
            queryset = queryset.filter(source=data["source"])
        return queryset


class SelfInspectionForm(CheckedForm):
    checked_on = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))
    led_by = forms.CharField(label="带队人", max_length=40)
    led_by_principal = forms.BooleanField(label="由主要负责人带队", required=False)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        from accounts.roles import can

        self.fields["checked_on"].initial = timezone.localdate()
        if can(user, "self_inspection.lead"):
            self.fields["led_by"].initial = user.display_name
            self.fields["led_by_principal"].initial = True
