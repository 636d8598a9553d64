from django import forms

from accounts.models import User
from core.inputs import CheckedForm
from enforcement.fields import DATE, EnterpriseByCodeField
from enforcement.models import InspectionKind, Result
from hazards.forms import MultipleImageInput


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
    warning = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from enforcement.plans.services import inspector_pool

        self.fields["enterprise"].user = user
        self.fields["inspectors"].queryset = (
            inspector_pool(user.jurisdiction) if user.jurisdiction_id else User.objects.none()
        )


class PhotoUploadsField(forms.FileField):
    """The photos chosen in one file input, as uploaded.
    enforcement.inspections.services.answer checks them (images, size, how many) for this page
    and the API alike."""

    widget = MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [upload for upload in files if upload]


class AnswerForm(CheckedForm):
    """One item's answer from the page: posted whole by the 保存 button, or by htmx on every
    change (autosave). Without a result the photos are added to the item's answer
    (enforcement.inspections.services.answer says what is missing)."""

    result = forms.ChoiceField(
        label="结果", choices=Result.choices, widget=forms.RadioSelect, required=False
    )
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


VERDICTS = [("", "请选择复查结论"), ("pass", "合格，验收销号"), ("fail", "不合格，退回整改")]


class RecheckForm(CheckedForm):
    """The re-check: its date and opinion, and a verdict per hazard the enterprise submitted
    (`hazards`): passed closes it, not passed returns it with the reason."""

    rechecked_on = forms.DateField(label="复查日期", widget=DATE)
    opinion = forms.CharField(
        label="复查意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, hazards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.hazards = list(hazards)
        for index, hazard in enumerate(self.hazards, 1):
            self.fields[f"verdict_{hazard.pk}"] = forms.ChoiceField(
                label=f"隐患 {index}：{hazard.description[:60]}", choices=VERDICTS
            )
            self.fields[f"reason_{hazard.pk}"] = forms.CharField(
                label="说明（不合格须填写理由）", max_length=500, required=False
            )

    def clean(self):
        data = super().clean()
        for hazard in self.hazards:
            if data.get(f"verdict_{hazard.pk}") == "fail" and not data.get(f"reason_{hazard.pk}"):
                self.add_error(f"reason_{hazard.pk}", "不合格须填写理由")
        return data

    def verdicts(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {
            h.pk: (data[f"verdict_{h.pk}"] == "pass", data.get(f"reason_{h.pk}", ""))
            for h in self.hazards
        }
