"""The project and equipment pages' forms. They check each input on its own (types, lengths,
dates); the rules between inputs and of the state (a review before construction, the enterprise
in the user's area) are the services', whose refusals the views attach to the field at fault."""

from django import forms

from core.inputs import CheckedForm
from enterprises.models import Enterprise
from projects.models import EquipmentKind
from projects.services import MAX_QUANTITY, TEXT_LIMITS
from projects.states import ProjectKind, State

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(CheckedForm):
    enterprise = forms.ModelChoiceField(label="建设单位", queryset=Enterprise.objects.none())
    name = forms.CharField(label="项目名称", max_length=TEXT_LIMITS["name"])
    kind = forms.ChoiceField(label="建设性质", choices=ProjectKind.choices)
    is_metal_smelting = forms.BooleanField(
        label="金属冶炼建设项目",
        required=False,
        help_text="金属冶炼建设项目的安全设施设计须经应急管理部门审查，审查通过前不得开工",
    )
    description = forms.CharField(
        label="建设内容",
        max_length=TEXT_LIMITS["description"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    planned_start = forms.DateField(label="计划开工日期", required=False, widget=DATE)
    planned_completion = forms.DateField(label="计划竣工日期", required=False, widget=DATE)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if user.enterprise_id:
            del self.fields["enterprise"]
        else:
            self.fields["enterprise"].queryset = Enterprise.objects.for_user(user).order_by("name")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        enterprise = data.pop("enterprise", None)
        data["enterprise_id"] = enterprise.pk if enterprise else None
        return data


class StepForm(CheckedForm):
    """One step of a project (projects.transitions); which fields a step reads is the
    service's to say (a document for the design, reviewers for an approved review, ...)."""

    on = forms.DateField(label="日期", widget=DATE)
    document = forms.FileField(
        label="相关文件",
        required=False,
        help_text="PDF、Word（.docx）或 JPG/PNG 图片，不超过 20 MB",
    )
    designer = forms.CharField(label="设计单位", max_length=TEXT_LIMITS["designer"], required=False)
    reviewers = forms.CharField(
        label="审查人员",
        max_length=TEXT_LIMITS["reviewers"],
        required=False,
        help_text="多人以顿号分隔",
    )
    built = forms.BooleanField(label="已建成投用", required=False)
    note = forms.CharField(
        label="说明",
        max_length=TEXT_LIMITS["note"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProjectFilterForm(CheckedForm):
    q = forms.CharField(label="项目或企业名称", max_length=50, required=False)
    state = forms.ChoiceField(
        label="三同时进度", choices=[("", "全部"), *State.choices], required=False
    )
    metal = forms.BooleanField(label="仅金属冶炼", required=False)
    flagged = forms.BooleanField(label="仅未经审查擅自建设", required=False)
    enterprise = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        queryset = queryset.search(data.get("q") or "")
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("metal"):
            queryset = queryset.filter(is_metal_smelting=True)
        if data.get("flagged"):
            queryset = queryset.filter(unreviewed_construction=True)
        if data.get("enterprise"):
            queryset = queryset.filter(enterprise_id=data["enterprise"])
        return queryset


class EquipmentForm(CheckedForm):
    name = forms.CharField(label="设备（工艺）名称", max_length=TEXT_LIMITS["name"])
    model = forms.CharField(label="规格型号", max_length=TEXT_LIMITS["model"], required=False)
    kind = forms.ChoiceField(label="类别", choices=EquipmentKind.choices)
    quantity = forms.IntegerField(label="数量", min_value=1, max_value=MAX_QUANTITY, initial=1)
    year = forms.IntegerField(label="投用年份", min_value=1949, max_value=9999, required=False)
    process = forms.CharField(label="所属工艺", max_length=TEXT_LIMITS["process"], required=False)
    in_use = forms.BooleanField(label="在用", required=False, initial=True)


class EquipmentImportForm(CheckedForm):
    file = forms.FileField(label="设备台账 Excel 文件（.xlsx）")
