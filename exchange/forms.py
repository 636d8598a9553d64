import json

from django import forms

from core.inputs import CheckedForm
from core.models import Jurisdiction
from exchange.models import Kind


class SubscriberForm(CheckedForm):
    name = forms.CharField(label="名称", max_length=60)
    url = forms.CharField(label="接收地址", max_length=500, help_text="http 或 https 地址")
    kinds = forms.MultipleChoiceField(
        label="推送类别", choices=Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    jurisdiction = forms.ModelChoiceField(label="范围", queryset=Jurisdiction.objects.none())
    active = forms.BooleanField(label="启用", required=False, initial=True)
    adapter = forms.CharField(
        label="字段映射",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="留空即发送本平台的文档；按类别填写 select、codes、rename（JSON）",
    )

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.filter(
            path__startswith=user.jurisdiction.path
        ).order_by("path")
        self.fields["jurisdiction"].initial = user.jurisdiction_id
        if editing:
            del self.fields["jurisdiction"]

    def clean_adapter(self):
        text = self.cleaned_data["adapter"].strip()
        if not text:
            return {}
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError("字段映射不是有效的 JSON") from exc


class ReplayForm(CheckedForm):
    cursor = forms.IntegerField(label="从游标之后重发", min_value=0, max_value=2**62)


class PlatformForm(CheckedForm):
    name = forms.CharField(label="平台名称", max_length=60)
    jurisdiction = forms.ModelChoiceField(label="可下发范围", queryset=Jurisdiction.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.filter(
            path__startswith=user.jurisdiction.path
        ).order_by("path")
        self.fields["jurisdiction"].initial = user.jurisdiction_id
