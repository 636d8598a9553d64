"""One form-field template for the whole platform (templates/_field.html, issue 12): every form
of every app renders each of its fields through it with Bootstrap's class on the control Django
renders, the value typed before a refusal, and the widget's own attributes; a field with errors
is marked is-invalid; no app keeps a _field.html of its own."""

import re
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from core.inputs import CheckedForm
from core.tests import test_bad_input_forms as bad_input
from core.uploads import KeepsPhotos

# Every form class of the apps, and the fixture that builds one given what its constructor asks.
FORMS = bad_input.FORMS
build = bad_input.build


def render(bound_field) -> str:
    return render_to_string("_field.html", {"field": bound_field})


def tags(html: str, name: str) -> list[str]:
    """The opening tags of the controls named `name`."""
    return re.findall(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)


def expected_class(widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def sample(field):
    """A value to post for `field` and how the page shows it back, or None to post nothing."""
    if isinstance(field, forms.BooleanField):
        return "on", "checked"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        # Grouped choices (an optgroup: its label and its own choices) count by their members.
        flat = [
            member
            for value, label in field.choices
            for member in (label if isinstance(label, list | tuple) else [(value, label)])
        ]
        values = [str(value) for value, _ in flat if str(value)]
        if not values:
            return None
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            return [values[0]], f'value="{values[0]}"'
        return values[0], f'value="{values[0]}"'
    if isinstance(field, forms.FileField):
        return None
    if isinstance(field, forms.DateTimeField):
        return "2026-03-05T08:30", 'value="2026-03-05T08:30"'
    if isinstance(field, forms.DateField):
        return "2026-03-05", 'value="2026-03-05"'
    if isinstance(field, forms.TimeField):
        return "08:30", 'value="08:30"'
    if isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        return "7", 'value="7"'
    if isinstance(field, forms.CharField):
        if isinstance(field.widget, forms.Textarea):
            return "现场堆放可燃物", ">\n现场堆放可燃物</textarea>"
        return "东厂区", 'value="东厂区"'
    return None


@pytest.mark.parametrize("form_class", FORMS)
def test_every_field_of_every_form_renders_with_its_class_and_typed_value(build, form_class):
    probe = build(form_class, {})
    data, shown = {}, {}
    for name, field in probe.fields.items():
        if field.widget.is_hidden or field.disabled:
            continue
        if (value := sample(field)) is not None:
            data[name], shown[name] = value
    form = build(form_class, data)
    form.is_valid()
    for bound in form:
        html = render(bound)
        if bound.is_hidden:
            assert html.strip().startswith('<input type="hidden"'), bound.name
            continue
        controls = tags(html, bound.html_name)
        if not controls:  # a multiple choice with nothing to choose (no people in the test)
            assert bound.layout == "choices" and not list(bound.field.choices), bound.name
            continue
        for control in controls:
            assert expected_class(bound.field.widget) in control, (bound.name, control)
            assert ("is-invalid" in control) == bool(bound.errors), (bound.name, control)
        assert bound.label in html, bound.name
        if bound.name in shown:
            assert shown[bound.name] in html, (bound.name, html)
            if isinstance(bound.field.widget, forms.Select):
                assert re.search(rf"{re.escape(shown[bound.name])}[^>]*selected", html), html
            if isinstance(bound.field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                assert re.search(rf"{re.escape(shown[bound.name])}[^>]*checked", html), html
        for error in bound.errors:
            assert error in html, (bound.name, error)


class EveryKind(KeepsPhotos, CheckedForm):
    """One field of each kind the pages use."""

    token = forms.CharField(widget=forms.HiddenInput)
    urgent = forms.BooleanField(label="紧急", required=False)
    towns = forms.MultipleChoiceField(
        label="乡镇", choices=[("a", "甲镇"), ("b", "乙镇")], widget=forms.CheckboxSelectMultiple
    )
    verdict = forms.ChoiceField(
        label="结论", choices=[("1", "属实"), ("0", "不属实")], widget=forms.RadioSelect
    )
    level = forms.ChoiceField(label="等级", choices=[("", "---"), ("major", "重大")])
    description = forms.CharField(
        label="描述", widget=forms.Textarea(attrs={"rows": 4, "data-autosave": "1"})
    )
    place = forms.CharField(label="部位", max_length=100, help_text="例如：熔炼炉平台")
    found_on = forms.DateField(label="发现日期", widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(label="人数", min_value=0, max_value=99)
    photos = forms.ImageField(
        label="照片", required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


def test_each_widget_kind_gets_bootstrap_classes_the_bound_value_and_its_own_attributes():
    form = EveryKind(
        data={
            "token": "t1",
            "urgent": "on",
            "towns": ["b"],
            "verdict": "0",
            "level": "major",
            "description": "粉尘堆积",
            "place": "熔炼炉平台",
            "found_on": "2026-03-05",
            "count": "120",
        }
    )
    assert not form.is_valid()
    html = {bound.name: render(bound) for bound in form}

    assert html["token"].strip() == '<input type="hidden" name="token" value="t1" id="id_token">'
    [urgent] = tags(html["urgent"], "urgent")
    assert 'class="form-check-input"' in urgent and " checked" in urgent
    assert '<label class="form-check-label small" for="id_urgent">紧急</label>' in html["urgent"]
    town_a, town_b = tags(html["towns"], "towns")
    assert 'class="form-check-input"' in town_b and " checked" in town_b
    assert " checked" not in town_a
    assert "<legend" in html["towns"] and "乡镇" in html["towns"]
    yes, no = tags(html["verdict"], "verdict")
    assert 'type="radio"' in no and 'class="form-check-input"' in no and " checked" in no
    assert " checked" not in yes
    assert 'class="form-select form-select-sm"' in html["level"]
    assert '<option value="major" selected>重大</option>' in html["level"]
    assert 'rows="4"' in html["description"] and 'data-autosave="1"' in html["description"]
    assert "粉尘堆积</textarea>" in html["description"]
    assert 'maxlength="100"' in html["place"] and 'value="熔炼炉平台"' in html["place"]
    assert '<div class="form-text" id="id_place_helptext">例如：熔炼炉平台</div>' in html["place"]
    assert 'aria-describedby="id_place_helptext"' in html["place"]
    assert 'type="date"' in html["found_on"] and 'value="2026-03-05"' in html["found_on"]
    assert 'min="0"' in html["count"] and 'max="99"' in html["count"]
    assert 'value="120"' in html["count"]
    assert 'class="form-control form-control-sm is-invalid"' in html["count"]
    assert 'aria-invalid="true"' in html["count"]
    assert '<div class="invalid-feedback d-block">' in html["count"]
    assert 'type="file"' in html["photos"] and 'accept="image/*"' in html["photos"]
    assert 'class="form-control form-control-sm"' in html["photos"]
    for name in ("place", "description", "found_on", "count", "level"):
        assert '<span class="text-danger">*</span>' in html[name], name
    assert '<span class="text-danger">*</span>' not in html["photos"]


def test_a_date_is_shown_as_the_date_picker_reads_it_not_in_the_locale_format():
    # zh-hans writes 2026/03/05, which an <input type="date"> shows as empty.
    form = EveryKind(initial={"found_on": date(2026, 3, 5)})
    assert 'value="2026-03-05"' in render(form["found_on"])


def test_the_photos_field_shows_the_photos_kept_from_a_refused_form():
    form = EveryKind(data={}, files={"photos": SimpleUploadedFile("a.txt", b"x")})
    form.kept_tokens = ["signed-token"]
    html = render(form["photos"])
    assert "已保留 1 张照片" in html
    assert '<input type="hidden" name="kept_photos" value="signed-token">' in html
    assert "已保留" not in render(form["place"])


def test_a_class_the_form_sets_is_kept():
    class Own(CheckedForm):
        q = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control"}))

    assert 'class="form-control is-invalid"' in render(Own(data={})["q"])
    assert 'class="form-control"' in render(Own()["q"])


def test_no_app_keeps_a_field_template_of_its_own_and_every_page_includes_the_one():
    base = Path(settings.BASE_DIR)
    templates = [
        path
        for path in base.glob("*/templates/**/*.html")
        if not any(part in (".venv", "node_modules") for part in path.parts)
    ]
    assert templates
    assert [str(p.relative_to(base)) for p in templates if p.name == "_field.html"] == []
    assert (base / "templates" / "_field.html").exists()
    included = re.compile(r'\{% include "([^"]*_field\.html)"')
    others = {
        (str(p.relative_to(base)), name)
        for p in templates
        for name in included.findall(p.read_text(encoding="utf-8"))
        if name != "_field.html"
    }
    assert others == set()
