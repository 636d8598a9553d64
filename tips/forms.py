"""The public tip form, the status form and the bureau's list filter. The tip form only
shapes the input; tips.services.submit checks it all (the same rules as the API)."""

from django import forms

from core.inputs import CheckedForm
from core.models import Jurisdiction, JurisdictionKind
from tips import services
from tips.states import AWAITING_REPLY, State


class TipForm(CheckedForm):
    enterprise = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    enterprise_text = forms.CharField(
        label="被举报单位（搜索不到时填写）",
        required=False,
        max_length=services.TEXT_LIMITS["enterprise_text"],
    )
    what = forms.CharField(
        label="举报内容（存在什么问题）",
        max_length=services.TEXT_LIMITS["what"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    place = forms.CharField(
        label="具体地点（车间、部位等）", max_length=services.TEXT_LIMITS["place"]
    )
    anonymous = forms.BooleanField(label="匿名举报（不留联系方式）", required=False, initial=True)
    contact_name = forms.CharField(
        label="姓名（可不填）", required=False, max_length=services.TEXT_LIMITS["contact_name"]
    )
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=30)


class StatusForm(CheckedForm):
    code = forms.CharField(label="查询码", max_length=100)


OVERDUE_CHOICES = [("", "全部"), ("accept", "受理逾期"), ("reply", "答复逾期")]


class TipFilterForm(CheckedForm):
    town = forms.ModelChoiceField(
        label="承办镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部"
    )
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *State.choices])
    overdue = forms.ChoiceField(label="逾期", required=False, choices=OVERDUE_CHOICES)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).filter(
            kind__in=[
                JurisdictionKind.COUNTY,
                JurisdictionKind.ZONE,
                JurisdictionKind.TOWN,
                JurisdictionKind.STREET,
            ]
        )

    def apply(self, queryset, today):
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        if data.get("town"):
            queryset = queryset.filter(jurisdiction=data["town"])
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("overdue") == "accept":
            queryset = queryset.filter(state=State.SUBMITTED, accept_due__lt=today)
        elif data.get("overdue") == "reply":
            queryset = queryset.filter(state__in=AWAITING_REPLY, reply_due__lt=today)
        return queryset
