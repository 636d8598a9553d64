"""The pages' forms. They read what a person typed; experts.services decides and refuses."""

from django import forms

from core.inputs import CheckedForm
from experts.reference import HAZARD_FACTORS, Part, ReviewResult
from experts.services import MAX_ATTENDEES, TEXT_LIMITS

DATE = forms.DateInput(attrs={"type": "date"})


class SpaceForm(CheckedForm):
    name = forms.CharField(label="有限空间名称", max_length=TEXT_LIMITS["name"])
    location = forms.CharField(label="所在位置", max_length=TEXT_LIMITS["location"])
    kind = forms.ModelChoiceField(label="类型", queryset=None)
    hazards = forms.MultipleChoiceField(
        label="危险有害因素", choices=HAZARD_FACTORS, widget=forms.CheckboxSelectMultiple
    )
    lockout = forms.BooleanField(label="挂牌上锁", required=False)
    isolation = forms.BooleanField(label="物理隔离", required=False)
    scan_entry = forms.BooleanField(label="扫码进入", required=False)
    monitoring = forms.BooleanField(label="过程监控", required=False)
    responsible = forms.CharField(label="责任人", max_length=TEXT_LIMITS["responsible"])
    last_checked_on = forms.DateField(label="最近检查日期", required=False, widget=DATE)

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds


# Ids are chosen among the choices offered (a value never reaches the database unchecked: an
# id beyond 64 bits is "not one of the choices", not an overflow).


class VisitForm(CheckedForm):
    planned_on = forms.DateField(label="计划日期", widget=DATE)
    experts = forms.TypedMultipleChoiceField(
        label="指派专家", coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].choices = [(user.pk, user.display_name) for user in experts]


class PartForm(CheckedForm):
    part = forms.ChoiceField(label="环节", choices=Part.choices)
    held_on = forms.DateField(label="日期", widget=DATE)
    attendees = forms.IntegerField(
        label="参加人数",
        min_value=1,
        max_value=MAX_ATTENDEES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    content = forms.CharField(
        label="内容", max_length=TEXT_LIMITS["content"], widget=forms.Textarea(attrs={"rows": 4})
    )


class FindingForm(CheckedForm):
    description = forms.CharField(label="问题描述", max_length=TEXT_LIMITS["description"])
    place = forms.CharField(label="部位", required=False, max_length=TEXT_LIMITS["place"])
    space = forms.TypedChoiceField(
        label="有限空间（可选）", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, spaces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].choices = [("", "请选择")] + [(s.pk, s.name) for s in spaces]


class ReviewForm(CheckedForm):
    result = forms.ChoiceField(
        label="审核结论", choices=ReviewResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="说明", required=False, max_length=TEXT_LIMITS["note"])
    as_finding = forms.BooleanField(label="同时登记为隐患", required=False)


class ReportForm(CheckedForm):
    summary = forms.CharField(
        label="讲评反馈意见",
        max_length=TEXT_LIMITS["summary"],
        widget=forms.Textarea(attrs={"rows": 8}),
    )
