"""The standardization pages' forms. Each checks its inputs on their own (types, lengths,
required); the rules of a step (state, role, the veto, dates in order) are the service's,
whose refusals the views attach to the field at fault."""

from django import forms

from core.inputs import CheckedForm
from core.models import Jurisdiction
from enterprises.models import Enterprise
from standardization.models import GRADE_CHOICES
from standardization.services import LIMITS, MAX_REVIEWERS, STEPS
from standardization.states import Outcome, State

DATE = forms.DateInput(attrs={"type": "date"})


class RatingFilterForm(CheckedForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    grade = forms.ChoiceField(
        label="等级", required=False, choices=[("", "全部等级"), *GRADE_CHOICES]
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *State.choices]
    )
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    enterprise = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).town_level()

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(enterprise__name__icontains=data["q"].strip())
        if data["grade"]:
            queryset = queryset.filter(grade=data["grade"])
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["town"]:
            queryset = queryset.filter(enterprise__scope_path__startswith=data["town"].path)
        if data["enterprise"]:
            queryset = queryset.filter(enterprise_id=data["enterprise"])
        return queryset


class ApplyForm(CheckedForm):
    enterprise = forms.ModelChoiceField(
        label="企业", queryset=Enterprise.objects.none(), empty_label="（请选择企业）"
    )
    grade = forms.ChoiceField(label="申请等级", choices=GRADE_CHOICES)
    note = forms.CharField(
        label="申请说明",
        required=False,
        max_length=LIMITS["note"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["enterprise"]
        field.queryset = Enterprise.objects.for_user(user)
        if user.enterprise_id:
            field.initial = user.enterprise_id
            field.widget = forms.HiddenInput()


class NoteForm(CheckedForm):
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=LIMITS["note"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewStartForm(NoteForm):
    reviewers = forms.CharField(
        label="评审人员",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"每行一人，至多 {MAX_REVIEWERS} 人",
        max_length=MAX_REVIEWERS * (LIMITS["reviewer"] + 2),
    )

    def clean_reviewers(self):
        return [
            line.strip() for line in self.cleaned_data["reviewers"].splitlines() if line.strip()
        ]


class ReviewResultForm(CheckedForm):
    passed = forms.TypedChoiceField(
        label="评审结果",
        choices=[("yes", "通过"), ("no", "不通过")],
        coerce=lambda value: value == "yes",
    )
    conclusion = forms.CharField(
        label="评审结论", max_length=LIMITS["conclusion"], widget=forms.Textarea(attrs={"rows": 3})
    )
    reviewed_on = forms.DateField(label="评审日期", widget=DATE)


class AnnounceForm(NoteForm):
    announced_on = forms.DateField(label="公告日期", widget=DATE)


class CertifyForm(CheckedForm):
    certificate_no = forms.CharField(label="证书编号", max_length=LIMITS["certificate_no"])
    issued_on = forms.DateField(label="发证日期", widget=DATE)


class ConcludeForm(CheckedForm):
    outcome = forms.ChoiceField(
        label="结论",
        choices=[(o.value, o.label) for o in (Outcome.KEPT, Outcome.DOWNGRADED, Outcome.REVOKED)],
    )
    new_grade = forms.ChoiceField(
        label="降为等级", required=False, choices=[("", "（降级时选择）"), *GRADE_CHOICES]
    )
    conclusion = forms.CharField(
        label="抽查/复核情况",
        max_length=LIMITS["conclusion"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DocumentForm(CheckedForm):
    step = forms.ChoiceField(label="环节", choices=list(STEPS.items()))
    file = forms.FileField(label="文件", help_text="PDF、JPG、PNG、DOCX 或 XLSX，不超过 10 MB")


class DrawForm(CheckedForm):
    count = forms.IntegerField(label="抽取数量", min_value=1, max_value=100_000)
    seed = forms.CharField(
        label="随机种子", required=False, max_length=64, help_text="留空则随机生成，并公开记录"
    )


class BenchmarkForm(CheckedForm):
    enterprise = forms.ModelChoiceField(
        label="企业",
        queryset=Enterprise.objects.none(),
        empty_label="（请选择已达标企业）",
        help_text="须已取得有效的安全生产标准化等级",
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    citation = forms.CharField(
        label="推荐理由", max_length=LIMITS["citation"], widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user).exclude(
            standardization="none"
        )


# The forms of the steps on a rating's page, by action (services.available_actions).
STEP_FORMS = {
    "renew": NoteForm,
    "start_review": ReviewStartForm,
    "record_review": ReviewResultForm,
    "announce": AnnounceForm,
    "certify": CertifyForm,
    "start_check": NoteForm,
    "conclude_check": ConcludeForm,
}
