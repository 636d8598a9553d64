from django import forms
from django.utils import timezone

from core.inputs import CheckedForm
from enforcement.fields import DATE, EnterpriseByCodeField
from enforcement.models import PenaltyState


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


class StateSelect(forms.Select):
    """The states a case can go to; choosing a final one asks first (static/js/anjian.js)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        state = getattr(value, "instance", None)
        if state is not None and state.is_final:
            option["attrs"]["data-confirm"] = (
                f"确定要将案件转为“{state.name}”吗？转入后不能再办理。"
            )
        return option


class PenaltyAdvanceForm(CheckedForm):
    to_state = forms.ModelChoiceField(
        label="转为", queryset=PenaltyState.objects.none(), widget=StateSelect
    )
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
        # A decision is usually recorded the day it is made.
        self.fields["decided_on"].initial = timezone.localdate
        self.fields["to_state"].queryset = PenaltyState.objects.filter(
            code__in=penalty.state.next_states
        )
