"""The certificate pages' forms: each input on its own (types, lengths, dates); the rules
between inputs (dates by the regulation, the ID number, duplicates) are the services'."""

from django import forms

from certificates import reference
from certificates.services import MAX_HOLDERS, TEXT_LIMITS
from core.inputs import CheckedForm
from core.models import Jurisdiction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CertificateForm(CheckedForm):
    holder_name = forms.CharField(label="姓名", max_length=TEXT_LIMITS["holder_name"])
    id_number = forms.CharField(label="身份证号", max_length=18)
    operation = forms.ChoiceField(label="作业类别及操作项目", choices=reference.OPERATION_CHOICES)
    number = forms.CharField(label="证号", max_length=TEXT_LIMITS["number"])
    issued_on = forms.DateField(label="初领日期", widget=DATE)
    review_due_on = forms.DateField(
        label="应复审日期", required=False, widget=DATE, help_text="空则按初领日期后 3 年计算"
    )
    expires_on = forms.DateField(
        label="有效期至", required=False, widget=DATE, help_text="空则按初领日期后 6 年计算"
    )
    authority = forms.CharField(label="发证机关", max_length=TEXT_LIMITS["authority"])
    post = forms.CharField(label="作业岗位", max_length=TEXT_LIMITS["post"], required=False)
    evidence = forms.FileField(
        label="证件照片或扫描件", required=False, help_text="JPG/PNG 图片或 PDF，不超过 10 MB"
    )


class ReviewForm(CheckedForm):
    on = forms.DateField(label="复审日期", widget=DATE)


class RequiredOperationForm(CheckedForm):
    operation = forms.ChoiceField(label="作业类别及操作项目", choices=reference.OPERATION_CHOICES)
    holders_needed = forms.IntegerField(
        label="需持证人数", min_value=0, max_value=MAX_HOLDERS, help_text="填 0 删除该项"
    )
    work = forms.CharField(label="作业内容", max_length=TEXT_LIMITS["work"], required=False)


class ImportForm(CheckedForm):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class ListFilterForm(CheckedForm):
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部"
    )
    category = forms.ChoiceField(
        label="作业类别", choices=[("", "全部"), *reference.CATEGORY_CHOICES], required=False
    )
    within = forms.IntegerField(label="天数内", min_value=0, max_value=3650, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Jurisdiction.objects.for_user(user).town_level()

    def apply(self, queryset, today):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        within = data.get("within")
        queryset = queryset.attention_within(today, 60 if within is None else within)
        if town := data.get("town"):
            queryset = queryset.filter(scope_path__startswith=town.path)
        if category := data.get("category"):
            codes = [op.code for op in reference.OPERATIONS if op.category == category]
            queryset = queryset.filter(operation__in=codes)
        return queryset
