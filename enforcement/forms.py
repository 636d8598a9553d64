from django import forms
from django.apps import apps

from accounts.models import User
from core.inputs import CheckedForm
from core.models import Jurisdiction
from enforcement.models import EnforcementPlan, InspectionKind, Outcome, PenaltyState, Result
from enterprises.choices import Industry
from enterprises.models import Enterprise, SectorTag
from hazards.forms import MultipleImageInput

DATE = forms.DateInput(attrs={"type": "date"})
GRADES = [("red", "红色"), ("orange", "橙色"), ("yellow", "黄色"), ("blue", "蓝色")]


def grading_installed() -> bool:
    try:
        apps.get_model("grading", "EnterpriseGrade")
    except LookupError:
        return False
    return True


class EnterpriseByCodeField(forms.CharField):
    """An enterprise named by its unified social credit code (or exact name), looked up in the
    user's scope: a registry of 100,000 does not fit a drop-down."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "企业（统一社会信用代码或全称）")
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)
        self.user = None

    def clean(self, value):
        value = super().clean(value)
        scoped = Enterprise.objects.for_user(self.user)
        found = scoped.filter(credit_code=value.upper()).first() or (
            scoped.filter(name=value).first()
        )
        if found is None:
            raise forms.ValidationError("在您的辖区内未找到该企业")
        return found


class DrawForm(CheckedForm):
    name = forms.CharField(label="抽查名称", max_length=100)
    plan = forms.ModelChoiceField(
        label="所属执法计划", queryset=EnforcementPlan.objects.none(), required=False
    )
    enterprise_count = forms.IntegerField(label="抽取企业数", min_value=1, max_value=100000)
    inspectors_per_enterprise = forms.IntegerField(
        label="每户执法人员数", min_value=2, max_value=10, initial=2
    )
    avoid_repeat = forms.BooleanField(
        label="执法人员不重复检查其上一次抽查到的企业", required=False, initial=True
    )
    seed = forms.CharField(label="随机种子（可空，空则由系统生成）", max_length=64, required=False)
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部"
    )
    industry = forms.MultipleChoiceField(
        label="行业", choices=Industry.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    sector_tags = forms.MultipleChoiceField(
        label="重点行业领域（任一）",
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grade = forms.MultipleChoiceField(
        label="风险等级", choices=GRADES, required=False, widget=forms.CheckboxSelectMultiple
    )
    exclude_key_list = forms.BooleanField(label="排除计划中的重点检查企业", required=False)
    exclude_recent_months = forms.IntegerField(
        label="排除近几个月内已抽中的企业（月）", min_value=1, max_value=36, required=False
    )
    planned_from = forms.DateField(label="计划检查起", required=False, widget=DATE)
    planned_to = forms.DateField(label="计划检查止", required=False, widget=DATE)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = EnforcementPlan.objects.for_user(user)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).town_level()
        self.fields["sector_tags"].choices = list(SectorTag.objects.values_list("code", "name"))
        if not grading_installed():
            del self.fields["grade"]

    def filters(self) -> dict:
        data = self.cleaned_data
        result = {}
        if data.get("town"):
            result["town"] = data["town"].pk
        for key in ("industry", "sector_tags", "grade"):
            if data.get(key):
                result[key] = data[key]
        if data.get("exclude_key_list"):
            result["exclude_key_list"] = True
        if data.get("exclude_recent_months"):
            result["exclude_recent_months"] = data["exclude_recent_months"]
        return result


class PlanForm(CheckedForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="计划名称（可空）", max_length=100, required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month in range(1, 13):
            self.fields[f"m{month}"] = forms.IntegerField(
                label=f"{month}月", min_value=0, max_value=100000, required=False
            )

    def random_by_month(self) -> dict:
        return {
            str(m): self.cleaned_data.get(f"m{m}") or 0
            for m in range(1, 13)
            if self.cleaned_data.get(f"m{m}")
        }


class PlanMonthsForm(PlanForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["year"]
        del self.fields["title"]


class ConflictForm(CheckedForm):
    inspector = forms.ModelChoiceField(label="执法人员", queryset=None)
    enterprise = EnterpriseByCodeField()
    reason = forms.CharField(label="回避事由", max_length=200)

    def __init__(self, user, candidates, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = candidates
        self.fields["enterprise"].user = user


class OutcomeForm(CheckedForm):
    outcome = forms.ChoiceField(label="检查结果", choices=Outcome.choices[1:])
    completed_on = forms.DateField(label="检查日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=300, required=False)


class PenaltyForm(CheckedForm):
    enterprise = EnterpriseByCodeField()
    violation = forms.CharField(label="违法事实", widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(
        label="处罚依据",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="例如：《中华人民共和国安全生产法》第一百零二条",
    )
    amount = forms.DecimalField(
        label="拟罚款金额（元）", min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    filed_on = forms.DateField(label="立案日期", widget=DATE)
    inspection = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].user = user


class PenaltyAdvanceForm(CheckedForm):
    to_state = forms.ModelChoiceField(label="转为", queryset=PenaltyState.objects.none())
    decided_on = forms.DateField(label="决定日期（转为决定时）", required=False, widget=DATE)
    amount = forms.DecimalField(
        label="罚款金额（元，转为决定时）",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, penalty, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].queryset = PenaltyState.objects.filter(
            code__in=penalty.state.next_states
        )


# --- inspections --------------------------------------------------------------------------------


class InspectorsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.badge_number}）"


class InspectionForm(CheckedForm):
    enterprise = EnterpriseByCodeField()
    kind = forms.ChoiceField(label="检查方式", choices=InspectionKind.choices)
    inspected_on = forms.DateField(label="检查日期", widget=DATE)
    place = forms.CharField(label="检查场所（可空）", max_length=200, required=False)
    inspectors = InspectorsField(
        label="执法人员（现场检查、暗查暗访不少于 2 名）",
        queryset=None,
        required=False,
    )
    assignment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    plan_item = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from enforcement.services import inspector_pool

        self.fields["enterprise"].user = user
        self.fields["inspectors"].queryset = (
            inspector_pool(user.jurisdiction) if user.jurisdiction_id else User.objects.none()
        )


class PhotoUploadsField(forms.FileField):
    """The photos chosen in one file input, as uploaded. enforcement.inspections.answer checks
    them (images, size, how many) for this page and the API alike."""

    widget = MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [upload for upload in files if upload]


class AnswerForm(CheckedForm):
    result = forms.ChoiceField(label="结果", choices=Result.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="情况说明", max_length=500, required=False)
    photos = PhotoUploadsField(label="照片", required=False)


class CompleteForm(CheckedForm):
    findings = forms.CharField(
        label="检查情况（写入现场检查记录）",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rectify_deadline = forms.DateField(
        label="整改期限（存在不符合项时必填）", required=False, widget=DATE
    )


class EvidenceForm(CheckedForm):
    alarms = forms.MultipleChoiceField(label="监测报警", required=False)
    warnings = forms.MultipleChoiceField(label="电力预警", required=False)

    def __init__(self, alarms, warnings, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alarms"].choices = [
            (a.pk, f"{a.point} {a.get_condition_display()} {a.raised_at:%Y-%m-%d %H:%M}")
            for a in alarms
        ]
        self.fields["warnings"].choices = [
            (w.pk, f"{w.get_kind_display()} {w.detected_at:%Y-%m-%d %H:%M}") for w in warnings
        ]


class RecheckForm(CheckedForm):
    rechecked_on = forms.DateField(label="复查日期", widget=DATE)
    opinion = forms.CharField(
        label="复查意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
