from django import forms

from core.inputs import CheckedForm
from core.models import Jurisdiction
from enforcement.fields import DATE, EnterpriseByCodeField, grading_installed
from enforcement.models import EnforcementPlan, Outcome
from enterprises.choices import Industry
from enterprises.models import SectorTag

GRADES = [("red", "红色"), ("orange", "橙色"), ("yellow", "黄色"), ("blue", "蓝色")]


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
