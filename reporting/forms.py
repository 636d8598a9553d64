from django import forms
from django.utils import timezone

from core.inputs import CheckedForm
from core.models import Jurisdiction
from reporting.kinds import KINDS, MAX_PERIOD_DAYS, CommitmentKind, WorkType, default_content
from reporting.models import STATUS_FILTERS, BreachCause, SafetyCommitment
from reporting.services import period_for_year

DATE = forms.DateInput(attrs={"type": "date"})


class _Filters(CheckedForm):
    q = forms.CharField(label="企业名称", required=False, max_length=100)
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).town_level()

    def data_or_empty(self) -> dict:
        # A value that does not validate is dropped on its own; the others keep applying.
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def _common(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(enterprise__name__icontains=data["q"])
        if data.get("town"):
            queryset = queryset.filter(enterprise__scope_path__startswith=data["town"].path)
        return queryset


class CommitmentFilterForm(_Filters):
    kind = forms.ChoiceField(
        label="承诺类型", required=False, choices=[("", "全部类型"), *CommitmentKind.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *STATUS_FILTERS]
    )

    def apply(self, queryset):
        data = self.data_or_empty()
        queryset = self._common(queryset, data)
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.with_status(data["status"])
        return queryset


REVOKED_FILTERS = [("", "有效记录"), ("revoked", "已撤销"), ("all", "全部")]


class BreachFilterForm(_Filters):
    cause = forms.ChoiceField(
        label="情形", required=False, choices=[("", "全部情形"), *BreachCause.choices]
    )
    revoked = forms.ChoiceField(label="撤销", required=False, choices=REVOKED_FILTERS)

    def apply(self, queryset):
        data = self.data_or_empty()
        queryset = self._common(queryset, data)
        if data.get("cause"):
            queryset = queryset.filter(cause=data["cause"])
        revoked = data.get("revoked", "")
        if revoked == "revoked":
            queryset = queryset.filter(revoked_at__isnull=False)
        elif revoked != "all":
            queryset = queryset.filter(revoked_at__isnull=True)
        return queryset


def _max_length(name):
    return SafetyCommitment._meta.get_field(name).max_length


class CommitmentForm(CheckedForm):
    kind = forms.ChoiceField(label="承诺类型", choices=CommitmentKind.choices)
    work_type = forms.ChoiceField(
        label="高风险作业类型",
        required=False,
        choices=[("", "—"), *WorkType.choices],
        help_text="仅高风险作业安全承诺填写",
    )
    committer_name = forms.CharField(label="承诺人", max_length=_max_length("committer_name"))
    committer_post = forms.CharField(
        label="承诺人岗位", max_length=_max_length("committer_post"), required=False
    )
    period_start = forms.DateField(label="承诺期起", widget=DATE)
    period_end = forms.DateField(label="承诺期止", widget=DATE)
    signed_on = forms.DateField(label="签订日期", widget=DATE)
    content = forms.CharField(
        label="承诺内容",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="已按承诺类型填入标准承诺内容，可修改；留空则使用标准内容",
    )

    def __init__(self, enterprise, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        kind = kind if kind in KINDS else CommitmentKind.ZERO_OUT
        today = timezone.localdate()
        start, end = period_for_year(today.year)
        self.fields["kind"].initial = kind
        self.fields["signed_on"].initial = today
        self.fields["period_start"].initial = start if kind == CommitmentKind.ZERO_OUT else today
        self.fields["period_end"].initial = end
        self.fields["committer_post"].initial = KINDS[kind].committer_post
        self.fields["content"].initial = default_content(kind)
        if kind == CommitmentKind.ZERO_OUT:
            self.fields["committer_name"].initial = enterprise.principal_name

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            if end < start:
                self.add_error("period_end", "承诺期结束日期不能早于开始日期")
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("period_end", "承诺期最长三年")
        if data.get("kind") == CommitmentKind.HIGH_RISK_WORK and not data.get("work_type"):
            self.add_error("work_type", "请选择高风险作业类型")
        if data.get("kind") != CommitmentKind.HIGH_RISK_WORK:
            data["work_type"] = ""
        return data


class ReasonForm(CheckedForm):
    reason = forms.CharField(
        label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, label="理由", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class BreachForm(CheckedForm):
    found_on = forms.DateField(label="发现日期", widget=DATE)
    description = forms.CharField(
        label="违反承诺的情形",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="例如：检查发现某岗位员工未按承诺佩戴防护用品、有限空间作业未经检测即进入",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["found_on"].initial = timezone.localdate()
