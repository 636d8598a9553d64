"""How a form field looks: the Bootstrap 5 classes on the widget Django renders, set here once
for every form built on core.inputs.CheckedForm (or CheckedModelForm), so that the one field
template (templates/_field.html) renders `{{ field }}` and the widget keeps its own attributes
(rows, min/max, step, maxlength, accept, type=date, data-*) and the value typed before a refusal.

- A check box, and each box or radio of a multiple choice: `form-check-input`.
- A select: `form-select form-select-sm`.
- Anything else (text, number, date, textarea, file): `form-control form-control-sm`.
- A field with errors adds `is-invalid`.
A class the form sets on the widget itself is kept as it is (is-invalid still added).

A date, time or datetime-local input is shown in the format the browser's picker reads
(`2026-12-06`), not the locale's input format (zh-hans: `2026/12/06`, which the picker
would show as empty)."""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.widgets import DateTimeBaseInput

CHECK = "form-check-input"
SELECT = "form-select form-select-sm"
CONTROL = "form-control form-control-sm"

# The value formats HTML's date and time inputs read and send.
PICKER_FORMATS = {
    "date": "%Y-%m-%d",
    "datetime-local": "%Y-%m-%dT%H:%M",
    "time": "%H:%M",
    "month": "%Y-%m",
}


def layout(widget: forms.Widget) -> str:
    """How _field.html lays the field out: hidden, check (one box, its label after it),
    choices (a box or radio per choice), or control (the label above the widget)."""
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxInput):
        return "check"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    return "control"


def css_class(widget: forms.Widget) -> str:
    """The Bootstrap class a widget gets when the form gives it none."""
    kind = layout(widget)
    if kind in ("check", "choices"):
        return CHECK
    if isinstance(widget, forms.Select):
        return SELECT
    return CONTROL


class BootstrapBoundField(BoundField):
    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        widget = field.widget
        picker = PICKER_FORMATS.get(getattr(widget, "input_type", ""))
        if picker and isinstance(widget, DateTimeBaseInput) and widget.format is None:
            widget.format = picker

    @property
    def layout(self) -> str:
        return layout(self.field.widget)

    @property
    def is_photos(self) -> bool:
        """The photos field of a form that keeps refused photos (core.uploads.KeepsPhotos):
        the template shows the kept ones under it."""
        return self.name == getattr(self.form, "photos_field", None)

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if widget.is_hidden:
            return attrs
        classes = attrs.get("class") or widget.attrs.get("class") or css_class(widget)
        if self.errors:
            classes += " is-invalid"
        attrs["class"] = classes
        return attrs
