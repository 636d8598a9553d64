from datetime import timedelta

from django import forms
from django.utils import timezone

from core.inputs import CheckedForm
from core.models import Jurisdiction, JurisdictionKind
from grading.models import RiskLevel

CHANGED_WITHIN = [("", "不限"), ("7", "近7天定级变化"), ("30", "近30天定级变化")]


class GradeFilterForm(CheckedForm):
    q = forms.CharField(label="企业名称", required=False, max_length=100)
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    level = forms.ChoiceField(
        label="等级", required=False, choices=[("", "全部等级"), *RiskLevel.choices]
    )
    changed = forms.ChoiceField(label="变化", required=False, choices=CHANGED_WITHIN)
    overridden = forms.BooleanField(label="仅人工调整", required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).filter(
            kind__in=[JurisdictionKind.ZONE, JurisdictionKind.TOWN, JurisdictionKind.STREET]
        )

    def data_or_empty(self) -> dict:
        # A value that does not validate is dropped on its own; the others keep applying.
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def apply(self, queryset, *, with_level=True):
        """Filter EnterpriseGrade rows (with_level=False: all but the level, for the chart)."""
        data = self.data_or_empty()
        if data.get("q"):
            queryset = queryset.filter(enterprise__name__icontains=data["q"])
        if data.get("town"):
            queryset = queryset.filter(enterprise__scope_path__startswith=data["town"].path)
        if data.get("changed"):
            since = timezone.now() - timedelta(days=int(data["changed"]))
            queryset = queryset.filter(level_since__gte=since)
        if data.get("overridden"):
            queryset = queryset.filter(override__isnull=False)
        if with_level and data.get("level"):
            queryset = queryset.filter(level=data["level"])
        return queryset


class OverrideRequestForm(CheckedForm):
    level = forms.ChoiceField(label="调整为", choices=RiskLevel.choices)
    reason = forms.CharField(
        label="调整理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_on = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空则持续有效，直至撤销",
    )


class DecisionForm(CheckedForm):
    decision = forms.ChoiceField(
        label="审批", choices=[("approve", "批准"), ("reject", "驳回")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="审批意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RevokeForm(CheckedForm):
    note = forms.CharField(
        label="撤销理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
