"""The pages' forms. They read what a person typed; campaigns.services decides and refuses."""

from django import forms

from campaigns import reference
from campaigns.models import Verdict
from campaigns.services import LIMITS
from core.inputs import CheckedForm
from enterprises.choices import Industry
from grading.models import RiskLevel

DATE = forms.DateInput(attrs={"type": "date"})


class CampaignForm(CheckedForm):
    name = forms.CharField(label="专项整治名称", max_length=LIMITS["name"])
    template_code = forms.ChoiceField(
        label="检查清单模板",
        required=False,
        choices=[("", "不使用模板（自行添加条目）")]
        + [(t.code, t.name) for t in reference.TEMPLATES],
    )
    basis = forms.CharField(
        label="法律依据",
        max_length=LIMITS["basis"],
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=reference.BASIS,
    )
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    note = forms.CharField(label="起因说明", required=False, max_length=LIMITS["note"])


class TargetingForm(CheckedForm):
    industries = forms.MultipleChoiceField(
        label="行业", required=False, choices=Industry.choices, widget=forms.CheckboxSelectMultiple
    )
    sector_tags = forms.MultipleChoiceField(
        label="重点行业领域", required=False, widget=forms.CheckboxSelectMultiple
    )
    process_kinds = forms.MultipleChoiceField(
        label="设备工艺", required=False, widget=forms.CheckboxSelectMultiple
    )
    towns = forms.MultipleChoiceField(
        label="镇街", required=False, widget=forms.CheckboxSelectMultiple
    )
    risk_levels = forms.MultipleChoiceField(
        label="风险等级（当前分级）",
        required=False,
        choices=RiskLevel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    credit_codes = forms.CharField(
        label="指定企业（统一社会信用代码，每行一个）",
        required=False,
        max_length=200000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, sector_tags=(), process_kinds=(), towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector_tags"].choices = [(t.code, t.name) for t in sector_tags]
        self.fields["process_kinds"].choices = [(k.code, k.name) for k in process_kinds]
        self.fields["towns"].choices = [(str(t.pk), t.name) for t in towns]


class ItemForm(CheckedForm):
    text = forms.CharField(label="检查内容", max_length=LIMITS["item"])


class StartForm(CheckedForm):
    self_check_ends_on = forms.DateField(label="企业自查截止", widget=DATE)
    town_check_ends_on = forms.DateField(label="镇街检查截止", widget=DATE)
    spot_check_ends_on = forms.DateField(label="县局抽查截止", widget=DATE)


class ChecklistForm(CheckedForm):
    """One verdict, note and optional photo per item of the campaign."""

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"verdict_{item.pk}"] = forms.ChoiceField(
                label=f"{item.position}. {item.text}",
                choices=Verdict.choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label="说明（不符合时必填）", required=False, max_length=LIMITS["note"]
            )
            self.fields[f"photo_{item.pk}"] = forms.ImageField(
                label="照片",
                required=False,
                widget=forms.ClearableFileInput(
                    attrs={"accept": "image/*", "capture": "environment"}
                ),
            )

    def rows(self):
        return [
            (item, self[f"verdict_{item.pk}"], self[f"note_{item.pk}"], self[f"photo_{item.pk}"])
            for item in self.items
        ]


class CheckForm(CheckedForm):
    problems = forms.CharField(
        label="发现的问题（每行一项，没有问题请留空）",
        required=False,
        max_length=30000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CarryOverForm(CheckedForm):
    reason = forms.CharField(label="结转理由", max_length=LIMITS["reason"])
