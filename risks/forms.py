"""The register's forms (phone-friendly: one short form per step, unit → point → risk →
assessment → measures). They check each input on its own; the rules (a factor in its method's
table, the control level the colour requires, a named owner) are the service's, whose refusals
the views attach to the field at fault."""

from django import forms
from django.conf import settings

from accidents.reference import CATEGORIES
from core.inputs import CheckedForm
from core.models import Jurisdiction, JurisdictionKind
from risks.models import CheckResult, RiskUnit
from risks.reference import (
    FACTORS,
    Colour,
    ControlLevel,
    FactorKind,
    MeasureKind,
    Method,
    UnitKind,
)
from risks.services import TEXT_LIMITS

CATEGORY_OPTIONS = [(code, f"{serial} {name}") for code, serial, name in CATEGORIES]


def _options(key):
    """Every value the factor takes in either method, with its meaning: the service tells which
    the chosen method allows."""
    options = [("", "—")]
    for method in (Method.LEC, Method.LS):
        table = FACTORS[method].get(key, {})
        for value, meaning in table.items():
            shown = format(value.normalize(), "f")
            prefix = "LEC" if method == Method.LEC else "LS"
            options.append((f"{prefix}:{shown}", f"{prefix} {shown}（{meaning}）"))
    return options


def factor_value(choice: str) -> str:
    """ "LEC:0.5" → "0.5"."""
    return choice.split(":", 1)[1] if ":" in choice else choice


class UnitForm(CheckedForm):
    name = forms.CharField(label="风险单元名称", max_length=TEXT_LIMITS["name"])
    kind = forms.ChoiceField(label="单元类型", choices=UnitKind.choices)
    description = forms.CharField(
        label="说明", max_length=TEXT_LIMITS["description"], required=False
    )


class PointForm(CheckedForm):
    name = forms.CharField(label="风险点名称", max_length=TEXT_LIMITS["name"])
    location = forms.CharField(label="位置", max_length=TEXT_LIMITS["location"], required=False)


class AssessForm(CheckedForm):
    method = forms.ChoiceField(label="评价方法", choices=Method.choices)
    l = forms.ChoiceField(label="可能性（L）", choices=_options("l"))  # noqa: E741
    e = forms.ChoiceField(
        label="暴露频繁程度（E）", choices=_options("e"), required=False, help_text="仅 LEC 法"
    )
    c = forms.ChoiceField(
        label="后果（C）", choices=_options("c"), required=False, help_text="仅 LEC 法"
    )
    s = forms.ChoiceField(
        label="严重性（S）", choices=_options("s"), required=False, help_text="仅 LS 法"
    )
    note = forms.CharField(label="评估说明", max_length=TEXT_LIMITS["note"], required=False)

    def factors(self) -> dict:
        """The chosen method's factors as numbers; a factor the method does not use is left
        out (a phone user who switched methods), a missing one is the service's refusal."""
        data = self.cleaned_data
        return {
            key: factor_value(data.get(key) or "")
            for key in FACTORS[Method(data["method"])]
            if data.get(key)
        }


class RiskForm(AssessForm):
    factor_kind = forms.ChoiceField(label="危险有害因素类别", choices=FactorKind.choices)
    accident_type = forms.ChoiceField(label="可能导致的事故类型", choices=CATEGORY_OPTIONS)
    description = forms.CharField(label="危险有害因素描述", max_length=TEXT_LIMITS["description"])
    emergency_steps = forms.CharField(
        label="应急处置措施",
        max_length=TEXT_LIMITS["emergency_steps"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="印在岗位风险告知卡上",
    )
    field_order = ["factor_kind", "accident_type", "description", "emergency_steps", "method"]


class MeasureForm(CheckedForm):
    kind = forms.ChoiceField(label="措施类别", choices=MeasureKind.choices)
    description = forms.CharField(label="管控措施", max_length=TEXT_LIMITS["description"])
    control_level = forms.ChoiceField(label="管控层级", choices=ControlLevel.choices)
    owner_name = forms.CharField(label="管控责任人", max_length=TEXT_LIMITS["owner_name"])


class WithdrawForm(CheckedForm):
    reason = forms.CharField(label="撤销原因", max_length=TEXT_LIMITS["reason"])


class RiskFilterForm(CheckedForm):
    colour = forms.ChoiceField(
        label="颜色", required=False, choices=[("", "全部颜色"), *Colour.choices]
    )
    accident_type = forms.ChoiceField(
        label="事故类型", required=False, choices=[("", "全部类型"), *CATEGORY_OPTIONS]
    )
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    enterprise = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).filter(
            kind__in=[JurisdictionKind.ZONE, JurisdictionKind.TOWN, JurisdictionKind.STREET]
        )

    def apply(self, queryset):
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        for name in ("colour", "accident_type"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("town"):
            queryset = queryset.filter(enterprise__scope_path__startswith=data["town"].path)
        if data.get("enterprise"):
            queryset = queryset.filter(enterprise_id=data["enterprise"])
        return queryset


class PhotoField(forms.ImageField):
    """One photo: an image (Pillow checks the content) of at most HAZARD_PHOTO_MAX_BYTES."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        if data and getattr(data, "size", 0) > settings.HAZARD_PHOTO_MAX_BYTES:
            raise forms.ValidationError("照片太大，请压缩后再上传")
        return super().clean(data, initial)


class CheckAnswerForm(CheckedForm):
    result = forms.ChoiceField(
        label="排查结果",
        choices=[c for c in CheckResult.choices if c[0] != CheckResult.PENDING],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="说明",
        max_length=TEXT_LIMITS["note"],
        required=False,
        help_text="措施未落实时必填：发现的问题，将登记为隐患",
    )
    photo = PhotoField(label="照片", required=False)


CHECK_STATES = [("", "待排查"), ("missed", "漏检"), ("answered", "已排查")]


class CheckFilterForm(CheckedForm):
    state = forms.ChoiceField(label="状态", required=False, choices=CHECK_STATES)
    enterprise = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def apply(self, queryset, today):
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        state = data.get("state") or ""
        if state == "missed":
            queryset = queryset.missed(today).order_by("-due_on", "id")
        elif state == "answered":
            queryset = queryset.exclude(result=CheckResult.PENDING).order_by("-answered_at")
        else:
            queryset = queryset.open_on(today).filter(period_start__lte=today)
        if data.get("enterprise"):
            queryset = queryset.filter(enterprise_id=data["enterprise"])
        return queryset


class PlanUploadForm(CheckedForm):
    image = PhotoField(label="企业平面布置图", help_text="JPG 或 PNG 图片")


class PlaceForm(CheckedForm):
    unit = forms.ModelChoiceField(label="风险单元", queryset=RiskUnit.objects.none())
    x = forms.DecimalField(
        label="横坐标（%）", min_value=0, max_value=100, decimal_places=2, required=False
    )
    y = forms.DecimalField(
        label="纵坐标（%）", min_value=0, max_value=100, decimal_places=2, required=False
    )

    def __init__(self, enterprise, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = RiskUnit.objects.filter(enterprise=enterprise)


class DistributionForm(CheckedForm):
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).filter(
            kind__in=[JurisdictionKind.ZONE, JurisdictionKind.TOWN, JurisdictionKind.STREET]
        )
