"""Every form of every app, found by importing the apps' forms modules (so a form added later is
covered without listing it here), refuses a control character, an overlong text and a date in
year 1 or 9999 in each of its fields with a Chinese error on that field; and the pages that
save through them store nothing (hazards/tests and enterprises/tests show it end to end)."""

import importlib
import importlib.util
import inspect
import pkgutil
from types import SimpleNamespace

import pytest
from django import forms

from accounts.models import User
from accounts.roles import Role
from core.inputs import LINE_MAX, TEXT_MAX, CheckedForm, CheckedModelForm

APPS = [
    "accidents",
    "enforcement",
    "enterprises",
    "grading",
    "hazards",
    "monitoring",
    "projects",
    "reporting",
    "reporting",
    "risks",
    "rewards",
]


def _forms_modules():
    """Each app's forms module, and those of its subpackages (enforcement.plans.forms, ...)."""
    for app in APPS:
        package = importlib.import_module(app)
        names = [app] + [
            f"{app}.{sub.name}" for sub in pkgutil.iter_modules(package.__path__) if sub.ispkg
        ]
        for name in names:
            if importlib.util.find_spec(f"{name}.forms") is not None:
                yield importlib.import_module(f"{name}.forms")


def _form_classes():
    for module in _forms_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                label = module.__name__.removesuffix(".forms")
                yield pytest.param(cls, id=f"{label}.{cls.__name__}")


FORMS = list(_form_classes())


@pytest.mark.parametrize("form_class", FORMS)
def test_every_form_checks_its_inputs(form_class):
    assert issubclass(form_class, CheckedForm | CheckedModelForm), (
        "a form of the project derives from core.inputs.CheckedForm or CheckedModelForm"
    )


@pytest.fixture
def build(users, enterprise_a):
    """A form of any class, given what its constructor asks for."""
    provided = {
        "user": users[Role.COUNTY_ADMIN],
        "enterprise": enterprise_a,
        "hazard": SimpleNamespace(enterprise=enterprise_a),
        "penalty": SimpleNamespace(state=SimpleNamespace(next_states=[])),
        "candidates": User.objects.none(),
        "alarms": [],
        "warnings": [],
    }

    def build(form_class, data):
        args, kwargs = [], {}
        for name, parameter in inspect.signature(form_class.__init__).parameters.items():
            if name == "self" or parameter.kind in (
                parameter.VAR_POSITIONAL,
                parameter.VAR_KEYWORD,
            ):
                continue
            if parameter.default is not parameter.empty:
                continue
            if parameter.kind == parameter.KEYWORD_ONLY:
                kwargs[name] = provided[name]
            else:
                args.append(provided[name])
        return form_class(*args, data=data, **kwargs)

    return build


CASES = {
    "unit separator": ("说明\x1f内容", "控制字符"),
    "vertical tab": ("地址\x0b一号", "控制字符"),
    "NUL": ("甲\x00乙", "控制字符"),
    "DEL": ("甲\x7f", "控制字符"),
    "lone surrogate": ("隐患\ud800", "无效字符"),
    "overlong": ("长" * 100_001, "字符"),
}
DATE_CASES = ["0001-01-01", "9999-12-31"]


def _first_error(form, name):
    assert name in form.errors, (name, form.errors)
    return " ".join(form.errors[name])


@pytest.mark.parametrize("form_class", FORMS)
def test_every_text_field_refuses_control_characters_and_overlong_text(build, form_class):
    probe = build(form_class, {})
    text_fields = [n for n, f in probe.fields.items() if isinstance(f, forms.CharField)]
    for name in text_fields:
        if probe.fields[name].disabled:
            continue
        for case, (value, expected) in CASES.items():
            form = build(form_class, {name: value})
            assert not form.is_valid()
            assert expected in _first_error(form, name), (case, name)


@pytest.mark.parametrize("form_class", FORMS)
def test_every_date_field_refuses_year_1_and_9999(build, form_class):
    probe = build(form_class, {})
    date_fields = [
        n for n, f in probe.fields.items() if isinstance(f, forms.DateField | forms.DateTimeField)
    ]
    for name in date_fields:
        for value in DATE_CASES:
            form = build(form_class, {name: value})
            assert not form.is_valid()
            assert "日期超出合理范围" in _first_error(form, name), (value, name)


def test_a_single_line_refuses_line_breaks_and_a_text_keeps_them(build):
    from hazards.forms import ReportForm

    form = build(ReportForm, {"place": "一号\n车间", "description": "第一行\r\n第二行\t完"})
    assert "换行" in _first_error(form, "place")
    assert "description" not in form.errors


def test_a_field_without_a_length_gets_one(build):
    from hazards.forms import ReportForm

    form = build(ReportForm, {})
    assert form.fields["description"].max_length == TEXT_MAX
    assert form.fields["found_by"].max_length == 40  # its own, from the model's column
    assert 'maxlength="5000"' in str(form["description"])
    assert LINE_MAX == 200
