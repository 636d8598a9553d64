"""The pages' forms. They read what a person typed; accident_warnings.services decides and
refuses."""

from django import forms

from accident_warnings.reference import ATTACHMENT_MAX_MB, AckState, SupervisionKind
from accident_warnings.services import TEXT_LIMITS
from core.inputs import CheckedForm

DATE = forms.DateInput(attrs={"type": "date"})


class WarningForm(CheckedForm):
    title = forms.CharField(label="警示标题", max_length=TEXT_LIMITS["title"])
    text = forms.CharField(label="警示内容", widget=forms.Textarea(attrs={"rows": 5}))
    lessons = forms.CharField(
        label="事故教训与防范要求", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachment = forms.FileField(
        label="附件（视频或文件）",
        required=False,
        help_text=f"MP4 视频、PDF、Word、JPG 或 PNG，不超过 {ATTACHMENT_MAX_MB} MB",
    )


class AddRecipientForm(forms.Form):
    enterprise = forms.IntegerField(label="企业ID", min_value=1, max_value=2**63 - 1)


class AcknowledgeForm(CheckedForm):
    state = forms.ChoiceField(
        label="阅知情况", choices=[(AckState.READ, "已阅"), (AckState.STUDIED, "已组织学习")]
    )
    note = forms.CharField(
        label="学习情况说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="选择“已组织学习”时必填：何时、何人组织、参加人数",
    )


class LetterForm(CheckedForm):
    content = forms.CharField(
        label="提醒事项",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每行一项",
        max_length=TEXT_LIMITS["content"],
    )


class SupervisionForm(CheckedForm):
    kind = forms.ChoiceField(label="类型", choices=SupervisionKind.choices)
    held_on = forms.DateField(label="日期", widget=DATE)
    people = forms.CharField(label="参加人员", max_length=TEXT_LIMITS["people"])
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 4}))
    follow_up = forms.CharField(
        label="后续跟进", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
