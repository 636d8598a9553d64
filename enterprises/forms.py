import re
from decimal import Decimal

from django import forms

from accounts.roles import ENTERPRISE_SELF_EDITABLE_FIELDS, can
from core.inputs import CheckedForm, CheckedModelForm
from core.models import ABOVE_COUNTY, TOWN_LEVEL, Jurisdiction, JurisdictionKind
from enterprises.choices import DustClass, Industry, Standardization, Status
from enterprises.models import Enterprise, ProcessKind, ProfileGroup, SectorTag

COORDINATE_PLACES = Decimal("0.000001")
# China's extent in WGS-84 degrees (Zengmu Reef to Mohe, the Pamirs to the Wusu confluence):
# every enterprise here lies inside it, and what lies outside is a typing error (999, or the
# two swapped: a latitude of 116 is impossible).
COORDINATE_BOUNDS = {
    "longitude": (Decimal("73.4"), Decimal("135.1")),
    "latitude": (Decimal("3.8"), Decimal("53.6")),
}
# 11-digit mobile numbers, or landlines with an area code (0635-1234567, 06351234567).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _phone(value: str, required: bool) -> str:
    value = (value or "").strip().replace(" ", "")
    if not value:
        if required:
            raise forms.ValidationError("请填写电话")
        return ""
    if not PHONE_RE.match(value):
        raise forms.ValidationError("电话格式不正确：应为11位手机号或带区号的固定电话")
    return value


def process_kind_groups() -> list:
    """The equipment and process kinds as grouped choices: [(group label, [(code, name)])]."""
    groups: dict[str, list] = {}
    for kind in ProcessKind.objects.all():
        groups.setdefault(ProfileGroup(kind.group).label, []).append((kind.code, kind.name))
    return list(groups.items())


class EnterpriseForm(CheckedModelForm):
    """The one validator of enterprise facts: the pages, the Excel import and the API all fill
    this form, so a rule written here holds everywhere."""

    sector_tags = forms.ModelMultipleChoiceField(
        label="重点行业领域",
        queryset=SectorTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    process_kinds = forms.ModelMultipleChoiceField(
        label="设备工艺画像",
        queryset=ProcessKind.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="事故警示按相同设备、相近工艺推送（治本攻坚方案 任务21）",
    )

    class Meta:
        model = Enterprise
        fields = [
            "credit_code",
            "name",
            "address",
            "jurisdiction",
            "grid",
            "industry",
            "sector_tags",
            "process_kinds",
            "dust_class",
            "dust_workers",
            "employee_count",
            "above_scale",
            "small_micro",
            "principal_name",
            "principal_phone",
            "safety_officer_name",
            "safety_officer_phone",
            # not "standardization": derived from the current valid rating (standardization
            # app), never edited here or imported.
            "status",
            "longitude",
            "latitude",
        ]

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        visible = Jurisdiction.objects.for_user(user)
        self.fields["jurisdiction"].queryset = visible.town_level()
        self.fields["grid"].queryset = visible.filter(kind=JurisdictionKind.GRID)
        if not can(user, "enterprise.edit_all"):
            for name, field in self.fields.items():
                if name not in ENTERPRISE_SELF_EDITABLE_FIELDS:
                    field.disabled = True
        self.fields["longitude"].help_text = "可选，WGS-84"
        # Shown grouped (设备设施, 工艺, 有限空间); validated against the queryset as usual.
        self.fields["process_kinds"].choices = process_kind_groups()

    def process_kind_boxes(self) -> list:
        """The profile's checkboxes by group, for the form page: [(group label, [boxes])]."""
        group_of = {
            code: label for label, choices in process_kind_groups() for code, _name in choices
        }
        groups: dict[str, list] = {}
        for box in self["process_kinds"]:
            groups.setdefault(group_of.get(str(box.data["value"]), ""), []).append(box)
        return list(groups.items())

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()

    def clean_principal_phone(self):
        return _phone(self.cleaned_data.get("principal_phone"), required=True)

    def clean_safety_officer_phone(self):
        return _phone(self.cleaned_data.get("safety_officer_phone"), required=False)

    def clean(self):
        data = super().clean()
        tags = {tag.code for tag in data.get("sector_tags") or []}
        dusty = "combustible_dust" in tags
        if dusty and not data.get("dust_class"):
            self.add_error("dust_class", "粉尘涉爆企业请选择粉尘类别")
        if dusty and data.get("dust_workers") is None:
            self.add_error("dust_workers", "粉尘涉爆企业请填写涉粉作业人数")
        if not dusty and data.get("dust_class"):
            self.add_error("sector_tags", "选择了粉尘类别，请同时勾选“粉尘涉爆”")
        if data.get("safety_officer_phone") and not data.get("safety_officer_name"):
            self.add_error("safety_officer_name", "填写了安全管理人员电话，请填写其姓名")
        for name, (low, high) in COORDINATE_BOUNDS.items():
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(name, f"超出中国境内的合理范围（{low}～{high}），请检查是否填反")
        for name in ("longitude", "latitude"):
            # Kept to the column's six places, as the database will store it, so that retyping
            # 116.3 for 116.300000 is not recorded in the audit log as a change.
            if data.get(name) is not None:
                data[name] = data[name].quantize(COORDINATE_PLACES)
        return data


class EnterpriseFilterForm(CheckedForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    town = forms.ModelChoiceField(
        label="镇街/网格",
        queryset=Jurisdiction.objects.none(),
        required=False,
        empty_label="全部镇街",
    )
    industry = forms.ChoiceField(
        label="行业", required=False, choices=[("", "全部行业"), *Industry.choices]
    )
    tag = forms.ModelChoiceField(
        label="重点行业领域",
        queryset=SectorTag.objects.all(),
        required=False,
        empty_label="全部领域",
    )
    status = forms.ChoiceField(
        label="经营状态", required=False, choices=[("", "全部状态"), *Status.choices]
    )
    standardization = forms.ChoiceField(
        label="标准化", required=False, choices=[("", "全部等级"), *Standardization.choices]
    )
    dust_class = forms.ChoiceField(
        label="粉尘类别", required=False, choices=[("", "全部粉尘"), *DustClass.choices]
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Jurisdiction.objects.for_user(user)
        town = self.fields["town"]
        # Any node in scope filters by its subtree (a link may name a grid or a county).
        town.queryset = visible
        options = visible.exclude(pk=user.jurisdiction_id)
        if user.jurisdiction_id and user.jurisdiction.kind in (
            JurisdictionKind.COUNTY,
            *ABOVE_COUNTY,
        ):
            # Above town level the grids would swamp the menu (dozens in a county, a thousand
            # in a province); a town's staff see their own grids.
            options = options.exclude(kind=JurisdictionKind.GRID)
        if user.jurisdiction_id and user.jurisdiction.kind == JurisdictionKind.PROVINCE:
            # A province's 1,700 towns too: its cities and counties (a link may name a town).
            options = options.exclude(kind__in=TOWN_LEVEL)
        # Plain (id, name) pairs, read when the select is rendered: a model instance for each
        # option cost more than the rest of the page at province scale (`manage.py bench`).
        town.choices = lambda: [("", town.empty_label), *options.values_list("pk", "name")]

    def apply(self, queryset):
        """Filter `queryset` by the valid fields; an invalid value is ignored, not a 500."""
        data = (
            self.cleaned_data
            if self.is_valid()
            else {
                k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
            }
        )
        if data.get("q"):
            queryset = queryset.search(data["q"])
        if data.get("town"):
            queryset = queryset.filter(scope_path__startswith=data["town"].path)
        for name in ("industry", "status", "standardization", "dust_class"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("tag"):
            queryset = queryset.filter(sector_tags=data["tag"])
        return queryset
