"""The town plan's forms. They read what a person typed; targets.plans decides and refuses (the
goal cells are checked by the same function, so each cell shows its own reason)."""

from django import forms

from core.inputs import TEXT_MAX, CheckedForm
from targets import plans
from targets.measures import MEASURES, YEARS

DATE = forms.DateInput(attrs={"type": "date"})


class PlanForm(CheckedForm):
    title = forms.CharField(label="方案名称", max_length=plans.TITLE_MAX)
    division_of_work = forms.CharField(
        label="任务分工",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    safeguards = forms.CharField(
        label="保障措施",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for measure in MEASURES:
            for year in YEARS:
                county = measure.goal(year)
                self.fields[plans.goal_field(measure.key, year)] = forms.CharField(
                    label=f"{measure.label} {year}年",
                    required=False,
                    max_length=20,
                    widget=forms.TextInput(
                        attrs={
                            "inputmode": "decimal",
                            "placeholder": "同县级" if county is not None else "",
                        }
                    ),
                )

    @property
    def text_fields(self):
        return [self[name] for name in ("title", "division_of_work", "safeguards")]

    def cell(self, key: str, year: int):
        return self[plans.goal_field(key, year)]

    def clean(self):
        data = super().clean()
        for measure in MEASURES:
            for year in YEARS:
                name = plans.goal_field(measure.key, year)
                if name in self.errors:
                    continue
                try:
                    plans.parse_goal(measure, year, data.get(name))
                except plans.PlanRefused as exc:
                    self.add_error(name, str(exc))
        return data

    def targets(self) -> dict:
        data = self.cleaned_data
        return {
            (m.key, y): data.get(plans.goal_field(m.key, y))
            for m in MEASURES
            for y in YEARS
            if data.get(plans.goal_field(m.key, y))
        }

    @classmethod
    def initial_for(cls, plan) -> dict:
        if plan is None:
            return {}
        initial = {
            "title": plan.title,
            "division_of_work": plan.division_of_work,
            "safeguards": plan.safeguards,
        }
        for target in plan.targets.all():
            initial[plans.goal_field(target.measure, target.year)] = format(
                target.goal.normalize(), "f"
            )
        return initial


class NoteForm(CheckedForm):
    written_on = forms.DateField(label="日期", widget=DATE)
    text = forms.CharField(
        label="推进情况", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
