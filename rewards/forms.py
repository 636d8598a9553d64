from django import forms
from django.utils import timezone

from core.inputs import CheckedForm
from core.uploads import KeepsPhotos
from hazards.forms import PhotosField
from rewards.services import PAY_METHODS

DUTY_CHOICES = [("yes", "是，属于本人岗位职责范围"), ("no", "否，在本人岗位职责范围以外")]


class ReportForm(KeepsPhotos, CheckedForm):
    name = forms.CharField(label="姓名", max_length=40)
    phone = forms.CharField(label="手机号", max_length=20)
    description = forms.CharField(
        label="发现的隐患", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    place = forms.CharField(label="部位/场所", required=False, max_length=100)
    within_duty = forms.ChoiceField(
        label="该隐患是否属于您本人岗位职责范围？",
        choices=DUTY_CHOICES,
        widget=forms.RadioSelect,
        help_text="岗位职责范围以外发现的隐患，经查实后奖励标准更高",
    )
    photos = PhotosField(label="照片（可拍照）", required=False)

    def __init__(self, *args, by_name: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not by_name:
            del self.fields["name"]
            del self.fields["phone"]
        else:
            self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")


class RuleForm(CheckedForm):
    within_duty = forms.DecimalField(
        label="岗位职责内 · 一般隐患（元）", min_value=0, decimal_places=2
    )
    outside_duty = forms.DecimalField(
        label="岗位职责外 · 一般隐患（元）", min_value=0, decimal_places=2
    )
    major_within_duty = forms.DecimalField(
        label="岗位职责内 · 重大事故隐患（元）", min_value=0, decimal_places=2
    )
    major_outside_duty = forms.DecimalField(
        label="岗位职责外 · 重大事故隐患（元）", min_value=0, decimal_places=2
    )
    per_report_cap = forms.DecimalField(
        label="单次奖励上限（元，可不填）", required=False, min_value=0, decimal_places=2
    )
    monthly_cap = forms.DecimalField(
        label="每人每月奖励上限（元，可不填）", required=False, min_value=0, decimal_places=2
    )
    allow_by_name = forms.BooleanField(
        label="允许未登录人员扫码后凭姓名和手机号报告", required=False
    )
    note = forms.CharField(label="说明（如制度文件名称）", required=False, max_length=200)


class PayForm(CheckedForm):
    paid_on = forms.DateField(label="发放日期", widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label="发放方式", choices=[(m, m) for m in PAY_METHODS])
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate
