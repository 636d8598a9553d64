"""The report pages' forms: the period of a new draft, and the title and text of a draft."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from core.inputs import CheckedForm
from targets.models import ReportKind
from targets.reports import TEXT_MAX, TITLE_MAX
from targets.services import nodes_for


class DraftForm(CheckedForm):
    kind = forms.ChoiceField(label="报告类型", choices=ReportKind.choices)
    year = forms.IntegerField(label="年度", min_value=2020, max_value=9999)
    month = forms.IntegerField(
        label="月份", min_value=1, max_value=12, required=False, help_text="月度报告必填"
    )
    node = forms.ChoiceField(label="区划", required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        nodes = list(nodes_for(user))
        self.fields["node"].choices = [(str(n.pk), n.name) for n in nodes]
        today = timezone.localdate()
        last = today.replace(day=1) - timedelta(days=1)
        self.fields["year"].initial = last.year
        self.fields["month"].initial = last.month
        if user.jurisdiction_id:
            self.fields["node"].initial = str(user.jurisdiction_id)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ReportKind.MONTHLY and not cleaned.get("month"):
            self.add_error("month", "月度报告请填写月份")
        return cleaned


class EditForm(CheckedForm):
    title = forms.CharField(label="标题", max_length=TITLE_MAX)
    text = forms.CharField(
        label="正文", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 14})
    )
