"""What a text, a date or a number typed by a person may hold, checked at every door (the pages'
forms, the API's request schemas, the spreadsheet import) so that nothing stored can break an
export or a document later, and nothing implausible is recorded as fact.

Text: control characters (Unicode Cc, U+0000-U+001F and U+007F-U+009F) are refused, except
tab, line feed and carriage return in multi-line text (a browser's textarea sends CR LF).
XML 1.0, which the .xlsx and .docx exports are written in, cannot hold the others, and
PostgreSQL cannot hold NUL. Lone surrogates (U+D800-U+DFFF, what JSON's "\\ud800" decodes to)
cannot be encoded as UTF-8 at all, and U+FFFE/U+FFFF are not characters in XML either.
A single line (a name, a place, a code) refuses tab and line breaks too.

Lengths: a line is at most LINE_MAX characters and a text TEXT_MAX unless its column says less.
Dates: see DATE_WINDOW.
"""

import re
from datetime import date, datetime
from typing import Annotated, TypedDict

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.choices import BlankChoiceIterator
from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from core.bootstrap import BootstrapBoundField

# A name, a place, a phone, a code: 200 is longer than any company name registered in China
# (the registration system takes 100 characters) and any address.
LINE_MAX = 200
# A description, measures, findings, an opinion: a page of text; a 1 MB "description" is not one.
TEXT_MAX = 5000

_BAD_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BAD_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

TEXT_MESSAGE = "含有控制字符或无效字符，请删除后重试"
LINE_MESSAGE = "含有换行、制表符、控制字符或无效字符，请删除后重试"


def text_problem(value: str, multiline: bool) -> str | None:
    """The Chinese reason `value` cannot be stored, or None."""
    pattern = _BAD_IN_TEXT if multiline else _BAD_IN_LINE
    if pattern.search(value):
        return TEXT_MESSAGE if multiline else LINE_MESSAGE
    return None


def echo(value: str, limit: int = 40) -> str:
    """Part of a refused value, safe to quote back in a message (JSON, a page, a log): what a
    single line may not hold shown as U+FFFD, at most `limit` characters."""
    return _BAD_IN_LINE.sub("\ufffd", value[:limit])


# --- dates -------------------------------------------------------------------------------------


class _DateWindow(TypedDict):
    earliest: date
    years_ahead: int


# The dates a record here can carry. Nothing in the work-safety administration of a county of
# the People's Republic predates its founding (1949-10-01), and what looks ahead (deadlines,
# extensions, planned inspections, commitments, override expiries) looks a few years ahead at
# most. Year 1 and year 9999 are typing or client errors, and once stored they would sort first
# or last in every list and extend every "within N years" statistic.
DATE_WINDOW: _DateWindow = {"earliest": date(1949, 10, 1), "years_ahead": 10}


def date_bounds(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    latest = today.replace(year=today.year + DATE_WINDOW["years_ahead"], day=min(today.day, 28))
    return DATE_WINDOW["earliest"], latest


def date_problem(value: date | datetime) -> str | None:
    if isinstance(value, datetime):
        # Its own calendar date: hours do not matter here, and converting year 1 or 9999 to
        # another offset could overflow.
        value = value.date()
    earliest, latest = date_bounds()
    if not earliest <= value <= latest:
        return f"日期超出合理范围：应在 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 之间"
    return None


# --- Django forms ------------------------------------------------------------------------------


def validate_line(value: str) -> None:
    if problem := text_problem(value, multiline=False):
        raise ValidationError(problem, code="control_character")


def validate_text(value: str) -> None:
    if problem := text_problem(value, multiline=True):
        raise ValidationError(problem, code="control_character")


def validate_date(value) -> None:
    if problem := date_problem(value):
        raise ValidationError(problem, code="date_out_of_range")


def _guard(field: forms.Field) -> None:
    if getattr(field, "_inputs_guarded", False):
        return
    field._inputs_guarded = True
    if isinstance(field, forms.CharField):
        multiline = isinstance(field.widget, forms.Textarea)
        field.validators.append(validate_text if multiline else validate_line)
        if field.max_length is None:
            field.max_length = TEXT_MAX if multiline else LINE_MAX
            field.validators.append(MaxLengthValidator(field.max_length))
            field.widget.attrs.update(field.widget_attrs(field.widget))
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(validate_date)
    elif isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DJANGO_EMPTY_LABEL:
            field.empty_label = EMPTY_LABEL
    elif isinstance(field, forms.ChoiceField) and isinstance(
        field.choices, list | BlankChoiceIterator
    ):  # not a callable's choices: those are read per request
        empty = ("", DJANGO_EMPTY_LABEL)
        if empty in field.choices:
            field.choices = [("", EMPTY_LABEL) if c == empty else c for c in field.choices]


# Django's label of an empty choice, which no user should read; ours instead.
DJANGO_EMPTY_LABEL = "---------"
EMPTY_LABEL = "请选择"


class InputChecks:
    """Every character field of the form refuses control characters (a Textarea is
    multi-line, anything else a single line) and gets a maximum length if it has none; every
    date field refuses dates outside DATE_WINDOW; an empty choice reads 请选择, not Django's
    "---------". Fields a subclass adds after __init__ are guarded when the form is validated.
    Its fields render with Bootstrap's classes (core.bootstrap), through
    templates/_field.html."""

    bound_field_class = BootstrapBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _guard(field)

    def full_clean(self):
        for field in self.fields.values():
            _guard(field)
        super().full_clean()


class CheckedForm(InputChecks, forms.Form):
    pass


class CheckedModelForm(InputChecks, forms.ModelForm):
    pass


# --- API schemas (pydantic) --------------------------------------------------------------------
# A custom error carries its Chinese reason in ctx["reason"] (core.api_errors shows it).


def _check_line(value: str) -> str:
    if problem := text_problem(value, multiline=False):
        raise PydanticCustomError("control_character", "control character", {"reason": problem})
    return value


def _check_text(value: str) -> str:
    if problem := text_problem(value, multiline=True):
        raise PydanticCustomError("control_character", "control character", {"reason": problem})
    return value


def _check_date(value):
    if problem := date_problem(value):
        raise PydanticCustomError("date_out_of_range", "date out of range", {"reason": problem})
    return value


# Capitalised: they are used where a type is written (`name: Line(100)`).
def Line(max_length: int = LINE_MAX):
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_check_line)]


def Text(max_length: int = TEXT_MAX):
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_check_text)]


def column_line(model, field: str):
    """A single line no longer than the model's column (a longer one would overflow a
    PostgreSQL varchar: a 500 instead of a 422)."""
    return Line(model._meta.get_field(field).max_length or LINE_MAX)


PlausibleDate = Annotated[date, AfterValidator(_check_date)]
PlausibleDateTime = Annotated[datetime, AfterValidator(_check_date)]


def check_text(value: str, multiline: bool, label: str, error=ValueError):
    """For text that reaches a service without a form or a schema (a raw POST field)."""
    if problem := text_problem(value, multiline):
        raise error(f"{label}{problem}")
    return value
