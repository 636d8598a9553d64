"""Form pieces the enforcement forms share."""

from django import forms
from django.apps import apps

from enterprises.models import Enterprise

DATE = forms.DateInput(attrs={"type": "date"})


def grading_installed() -> bool:
    try:
        apps.get_model("grading", "EnterpriseGrade")
    except LookupError:
        return False
    return True


class EnterpriseByCodeField(forms.CharField):
    """An enterprise named by its unified social credit code (or exact name), looked up in the
    user's scope: a registry of 100,000 does not fit a drop-down."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "企业（统一社会信用代码或全称）")
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)
        self.user = None

    def clean(self, value):
        value = super().clean(value)
        scoped = Enterprise.objects.for_user(self.user)
        found = scoped.filter(credit_code=value.upper()).first() or (
            scoped.filter(name=value).first()
        )
        if found is None:
            raise forms.ValidationError("在您的辖区内未找到该企业")
        return found
