"""The pages' forms. They read what a person typed; training.services decides and refuses."""

from django import forms

from core.inputs import CheckedForm
from core.uploads import KeepsPhotos
from hazards.forms import PhotosField
from training.reference import ENTERPRISE_TRAINEES, DrillKind, TraineeKind
from training.services import MAX_PARTICIPANTS, TEXT_LIMITS

DATE = forms.DateInput(attrs={"type": "date"})


class TrainingForm(CheckedForm):
    kind = forms.ChoiceField(
        label="人员类别",
        choices=[(k.value, k.label) for k in TraineeKind if k in ENTERPRISE_TRAINEES],
    )
    person_name = forms.CharField(label="姓名", max_length=TEXT_LIMITS["person_name"])
    course = forms.CharField(label="培训内容", max_length=TEXT_LIMITS["course"])
    organiser = forms.CharField(label="组织单位", max_length=TEXT_LIMITS["organiser"])
    hours = forms.DecimalField(
        label="学时", min_value=0.1, max_value=500, decimal_places=1, max_digits=5
    )
    trained_on = forms.DateField(label="培训日期", widget=DATE)
    certificate_number = forms.CharField(
        label="证书编号", required=False, max_length=TEXT_LIMITS["certificate_number"]
    )
    evidence = forms.FileField(
        label="培训证明", required=False, help_text="PDF、Word、JPG 或 PNG，不超过 10 MB"
    )


class OfficerTrainingForm(TrainingForm):
    kind = None  # type: ignore[assignment]
    officer = forms.ModelChoiceField(label="执法人员", queryset=None)

    field_order = ["officer"]

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda user: user.display_name


class DrillForm(KeepsPhotos, CheckedForm):
    held_on = forms.DateField(label="演练日期", widget=DATE)
    kind = forms.ChoiceField(label="演练类型", choices=DrillKind.choices)
    scenario = forms.CharField(label="演练情景", max_length=TEXT_LIMITS["scenario"])
    participants = forms.IntegerField(
        label="参演人数",
        min_value=1,
        max_value=MAX_PARTICIPANTS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    no_notice = forms.BooleanField(label="不提前通知", required=False)
    no_script = forms.BooleanField(label="不设脚本", required=False)
    no_preset_scene = forms.BooleanField(label="不预设场景", required=False)
    no_preset_place = forms.BooleanField(label="不预设地点", required=False)
    findings = forms.CharField(
        label="发现的问题",
        required=False,
        max_length=TEXT_LIMITS["finding"] * 20,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一条；登记后可将问题转为隐患",
    )
    summary = forms.CharField(
        label="演练总结",
        required=False,
        max_length=TEXT_LIMITS["summary"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label="现场照片", required=False)

    def finding_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["findings"].splitlines() if line.strip()]


class ObservationForm(CheckedForm):
    jurisdiction = forms.ModelChoiceField(label="镇街/开发区", queryset=None)
    held_on = forms.DateField(label="观摩日期", widget=DATE)
    scenario = forms.CharField(label="演练情景", max_length=TEXT_LIMITS["scenario"])
    attendees = forms.IntegerField(label="观摩人数", min_value=1, max_value=MAX_PARTICIPANTS)

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = towns
