from django import forms

from core import channels
from core.inputs import CheckedModelForm
from core.models import NotificationPreference


class NotificationPreferenceForm(CheckedModelForm):
    """通知设置: the channels this deployment offers, a daily digest, quiet hours."""

    channels = forms.MultipleChoiceField(
        label="站内通知之外，还通过",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = NotificationPreference
        fields = ["channels", "digest", "quiet_start", "quiet_end"]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "digest": "非紧急通知每天 8:00 汇总为一条发送；报警等紧急通知仍立即发送",
            "quiet_end": (
                "免打扰时段内的非紧急通知推迟到时段结束后发送；可跨午夜，如 22:00 至 07:00"
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["channels"].choices = [(c.name, c.label) for c in channels.enabled()]

    def clean_channels(self):
        chosen = self.cleaned_data["channels"]
        for name in chosen:
            channel = channels.get(name)
            if channel is not None and not channel.address(self.user):
                missing = "电子邮箱" if name == "email" else "手机号"
                if name == "wecom" and self.user.phone:
                    raise forms.ValidationError(f"本平台未配置{channel.label}机器人，暂不能选择")
                raise forms.ValidationError(
                    f"您的账号未填写{missing}，不能选择{channel.label}；请联系管理员补充"
                )
        return chosen

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError("免打扰时段需同时填写开始和结束时间，或都不填")
        if start is not None and start == end:
            raise forms.ValidationError("免打扰的开始和结束时间不能相同")
        return data
