"""Forms of the monitoring pages: list filters, the alarm's action forms, the power warning's
review, and gateways and points. The forms only read input; every change is made and refused
by monitoring.services."""

from django import forms
from django.db.models import Q

from core.inputs import CheckedForm
from core.models import Jurisdiction
from core.uploads import KeepsPhotos
from hazards.forms import PhotosField
from monitoring.kinds import KIND_DEFAULTS, PointKind
from monitoring.models import AlarmState, Condition, WarningKind, WarningState

# Bounded to the database's integer range: a larger id would overflow the query.
ID_FIELD = {"min_value": 1, "max_value": 2**63 - 1}


def _towns(user):
    return Jurisdiction.objects.for_user(user).town_level().order_by("sort_order", "name")


class _Filter(CheckedForm):
    """A filter form: a value that does not validate (a stale town, a mistyped state) is
    dropped on its own; the others keep applying."""

    def data_or_empty(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


class ConnectFilterForm(_Filter):
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    connected = forms.ChoiceField(
        label="接入情况",
        required=False,
        choices=[("", "全部"), ("1", "已接入"), ("0", "未接入")],
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = _towns(user)


ALARM_STATES = [("unfinished", "未完成"), ("all", "全部状态"), *AlarmState.choices]


class AlarmFilterForm(_Filter):
    state = forms.ChoiceField(label="状态", required=False, choices=ALARM_STATES)
    condition = forms.ChoiceField(
        label="报警类型", required=False, choices=[("", "全部类型"), *Condition.choices]
    )
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    q = forms.CharField(label="企业名称", required=False, max_length=100)
    enterprise = forms.IntegerField(required=False, widget=forms.HiddenInput, **ID_FIELD)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = _towns(user)

    def apply(self, alarms):
        data = self.data_or_empty()
        state = data.get("state") or "unfinished"
        if state == "unfinished":
            alarms = alarms.unfinished()
        elif state != "all":
            alarms = alarms.filter(state=state)
        if data.get("condition"):
            alarms = alarms.filter(condition=data["condition"])
        if data.get("town"):
            alarms = alarms.filter(enterprise__scope_path__startswith=data["town"].path)
        if data.get("enterprise"):
            alarms = alarms.filter(enterprise_id=data["enterprise"])
        if data.get("q"):
            text = data["q"]
            alarms = alarms.filter(
                Q(enterprise__name__icontains=text) | Q(point__equipment__icontains=text)
            )
        return alarms


class WarningFilterForm(_Filter):
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *WarningState.choices]
    )
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部类型"), *WarningKind.choices]
    )
    town = forms.ModelChoiceField(
        label="镇街", queryset=Jurisdiction.objects.none(), required=False, empty_label="全部镇街"
    )
    enterprise = forms.IntegerField(required=False, widget=forms.HiddenInput, **ID_FIELD)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = _towns(user)

    def apply(self, warnings):
        data = self.data_or_empty()
        if data.get("state"):
            warnings = warnings.filter(state=data["state"])
        if data.get("kind"):
            warnings = warnings.filter(kind=data["kind"])
        if data.get("town"):
            warnings = warnings.filter(enterprise__scope_path__startswith=data["town"].path)
        if data.get("enterprise"):
            warnings = warnings.filter(enterprise_id=data["enterprise"])
        return warnings


# --- the alarm's actions -------------------------------------------------------------------


class NoteForm(CheckedForm):
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HandleForm(KeepsPhotos, CheckedForm):
    # Required by the service (its refusal names it); optional here so its message is the one.
    note = forms.CharField(
        label="处置情况",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="采取了哪些措施，结果如何",
    )
    photos = PhotosField(label="现场照片", required=False)


ALARM_FORMS = {"acknowledge": NoteForm, "handle": HandleForm, "close": NoteForm}


class ReviewForm(CheckedForm):
    confirmed = forms.TypedChoiceField(
        label="研判结论",
        choices=[("1", "属实"), ("0", "不属实")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label="研判意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- gateways and points -------------------------------------------------------------------


class GatewayForm(CheckedForm):
    enterprise = forms.IntegerField(widget=forms.HiddenInput, **ID_FIELD)
    code = forms.CharField(
        label="网关编码", max_length=40, help_text="字母、数字、点、下划线和连字符"
    )
    name = forms.CharField(label="名称", required=False, max_length=60)


class PointForm(CheckedForm):
    """A new point; a setting left empty takes its kind's default (monitoring.kinds)."""

    code = forms.CharField(label="点位编码", max_length=40)
    equipment = forms.CharField(label="设备", max_length=60, help_text="例如：1号除尘器")
    kind = forms.ChoiceField(label="类型", choices=PointKind.choices)
    unit = forms.CharField(label="单位", required=False, max_length=10)
    range_min = forms.FloatField(label="量程下限", required=False)
    range_max = forms.FloatField(label="量程上限", required=False)
    interval_seconds = forms.IntegerField(
        label="上报周期（秒）", required=False, min_value=1, max_value=86400
    )
    high = forms.FloatField(label="高报阈值", required=False)
    low = forms.FloatField(label="低报阈值", required=False)
    hold_seconds = forms.IntegerField(
        label="持续时间（秒）", required=False, min_value=0, max_value=86400
    )
    rate_limit = forms.FloatField(label="变化率阈值（每分钟）", required=False)
    offline_intervals = forms.IntegerField(
        label="离线判定周期数", required=False, min_value=1, max_value=1000
    )

    SETTINGS = (
        "unit",
        "range_min",
        "range_max",
        "interval_seconds",
        "high",
        "low",
        "hold_seconds",
        "rate_limit",
        "offline_intervals",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            kind = self.initial.setdefault("kind", PointKind.PRESSURE_DIFF.value)
            defaults = KIND_DEFAULTS.get(kind) or KIND_DEFAULTS[PointKind.PRESSURE_DIFF]
            for name, value in kind_initial(defaults).items():
                self.initial.setdefault(name, value)

    def settings(self) -> dict:
        """The settings given (empty ones left to the kind's defaults)."""
        return {
            name: self.cleaned_data[name]
            for name in self.SETTINGS
            if self.cleaned_data.get(name) not in (None, "")
        }


def kind_initial(defaults) -> dict:
    return {
        "unit": defaults.unit,
        "range_min": defaults.range_min,
        "range_max": defaults.range_max,
        "interval_seconds": defaults.interval_seconds,
        "high": defaults.high,
        "low": defaults.low,
        "hold_seconds": defaults.hold_seconds,
        "rate_limit": defaults.rate_limit,
        "offline_intervals": 3,
    }


def kind_defaults_json() -> dict:
    """Each kind's defaults for the point form's script, which prefills them on a change."""
    return {kind: kind_initial(defaults) for kind, defaults in KIND_DEFAULTS.items()}
