"""/api/v1/training and /api/v1/drills: the records through the same services and scoping as
the pages. Training: the list (filters: enterprise, kind, year) and a new record of an
enterprise's person or an enforcement officer; drills: the list (filters: enterprise, year,
unannounced), one drill with its findings, a new drill, a finding turned into a hazard. A role
without the action gets a 403, a row out of scope a 404, a refusal its status with the Chinese
reason and, where one field is at fault, `errors` naming it."""

from datetime import date, datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDate, Text
from training import services
from training.models import Drill, DrillFinding, ObservationDrill, TrainingRecord
from training.reference import DrillKind, TraineeKind
from training.services import TEXT_LIMITS, TrainingRefused

training_router = Router(tags=["培训记录"])
drills_router = Router(tags=["应急演练"])

MAX_ID = 2**63 - 1


class _Refused(HttpError):
    def __init__(self, exc: TrainingRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            self.errors = {exc.field: [str(exc)]}


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except TrainingRefused as exc:
        raise _Refused(exc) from None


class TrainingOut(Schema):
    id: int
    kind: str = Field(description="principal / safety_manager / employee / officer")
    enterprise_id: int | None
    officer_id: int | None
    person_name: str
    course: str
    organiser: str
    hours: Decimal
    trained_on: PlausibleDate
    certificate_number: str
    has_evidence: bool
    created_at: datetime

    @staticmethod
    def resolve_has_evidence(obj):
        return bool(obj.evidence)


class TrainingFilters(FilterSchema):
    enterprise: Int64 | None = None
    kind: TraineeKind | None = None
    year: int | None = Field(None, ge=1949, le=9999)


class TrainingIn(Schema):
    kind: TraineeKind = Field(description="principal / safety_manager / employee / officer")
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业人员必填")
    officer_id: int | None = Field(None, ge=1, le=MAX_ID, description="执法人员（用户ID）必填")
    person_name: Line(TEXT_LIMITS["person_name"])
    course: Line(TEXT_LIMITS["course"])
    organiser: Line(TEXT_LIMITS["organiser"])
    hours: Decimal = Field(gt=0, le=500)
    trained_on: PlausibleDate
    certificate_number: Line(TEXT_LIMITS["certificate_number"]) = ""


@training_router.get("", response=list[TrainingOut], summary="培训记录")
@paginate(Pagination)
def list_training(request, filters: Query[TrainingFilters]):
    require(request.user, "training.view", "查看培训记录")
    records = TrainingRecord.objects.for_user(request.user)
    if filters.enterprise is not None:
        records = records.filter(enterprise_id=filters.enterprise)
    if filters.kind is not None:
        records = records.filter(kind=filters.kind)
    if filters.year is not None:
        records = records.filter(trained_on__year=filters.year)
    return records


@training_router.post("", response={201: TrainingOut}, summary="登记培训记录")
def create_training(request, payload: TrainingIn):
    officer = payload.kind == TraineeKind.OFFICER
    require(
        request.user, "training.record_officer" if officer else "training.record", "登记培训记录"
    )
    record = _call(services.record_training, request.user, **payload.dict())
    return Status(201, record)


class FindingOut(Schema):
    id: int
    description: str
    hazard_id: int | None


class DrillOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    held_on: date
    kind: str
    scenario: str
    participants: int
    no_notice: bool
    no_script: bool
    no_preset_scene: bool
    no_preset_place: bool
    unannounced: bool = Field(description="“四不”：四项全部做到")
    summary: str
    findings: list[FindingOut]

    @staticmethod
    def resolve_findings(obj):
        return list(obj.findings.all())


class DrillFilters(FilterSchema):
    enterprise: Int64 | None = None
    year: int | None = Field(None, ge=1949, le=9999)
    unannounced: bool | None = None


class DrillIn(Schema):
    enterprise_id: int = Field(ge=1, le=MAX_ID)
    held_on: PlausibleDate
    kind: DrillKind
    scenario: Line(TEXT_LIMITS["scenario"])
    participants: int = Field(ge=1, le=services.MAX_PARTICIPANTS)
    no_notice: bool = False
    no_script: bool = False
    no_preset_scene: bool = False
    no_preset_place: bool = False
    summary: Text(TEXT_LIMITS["summary"]) = ""
    findings: list[Line(TEXT_LIMITS["finding"])] = Field(
        default_factory=list, max_length=services.MAX_FINDINGS
    )


class FindingHazardOut(Schema):
    hazard_id: int


def _drills(request):
    return (
        Drill.objects.for_user(request.user)
        .select_related("enterprise")
        .prefetch_related("findings")
    )


@drills_router.get("", response=list[DrillOut], summary="应急演练记录")
@paginate(Pagination)
def list_drills(request, filters: Query[DrillFilters]):
    require(request.user, "drill.view", "查看应急演练")
    drills = _drills(request)
    if filters.enterprise is not None:
        drills = drills.filter(enterprise_id=filters.enterprise)
    if filters.year is not None:
        drills = drills.filter(held_on__year=filters.year)
    if filters.unannounced is True:
        drills = drills.unannounced()
    elif filters.unannounced is False:
        drills = drills.exclude(pk__in=Drill.objects.unannounced().values("pk"))
    return drills


@drills_router.post("", response={201: DrillOut}, summary="登记应急演练")
def create_drill(request, payload: DrillIn):
    require(request.user, "drill.record", "登记应急演练")
    data = payload.dict()
    drill = _call(services.record_drill, request.user, data.pop("enterprise_id"), **data)
    return Status(201, _drills(request).get(pk=drill.pk))


@drills_router.post(
    "/findings/{finding_id}/hazard",
    response={201: FindingHazardOut},
    summary="演练发现问题登记为隐患",
)
def finding_hazard(request, finding_id: Int64):
    require(request.user, "hazard.source.self_inspection", "将演练问题登记为隐患")
    finding = get_object_or_404(DrillFinding.objects.for_user(request.user), pk=finding_id)
    hazard = _call(services.finding_to_hazard, request.user, finding.pk)
    return Status(201, {"hazard_id": hazard.pk})


class ObservationOut(Schema):
    id: int
    jurisdiction_id: int
    jurisdiction_name: str = Field(alias="jurisdiction.name")
    held_on: date
    host_id: int | None
    scenario: str
    attendees: int


class ObservationIn(Schema):
    jurisdiction_id: int = Field(ge=1, le=MAX_ID, description="镇街或开发区ID")
    held_on: PlausibleDate
    scenario: Line(TEXT_LIMITS["scenario"])
    attendees: int = Field(ge=1, le=services.MAX_PARTICIPANTS)
    host_id: int | None = Field(None, ge=1, le=MAX_ID, description="承办企业ID（可选）")


class ObservationFilters(FilterSchema):
    year: int | None = Field(None, ge=1949, le=9999)


@drills_router.get(
    "/observations", response=list[ObservationOut], summary="镇街现场观摩演练（任务18）"
)
@paginate(Pagination)
def list_observations(request, filters: Query[ObservationFilters]):
    require(request.user, "training.supervise", "查看现场观摩演练")
    observations = ObservationDrill.objects.for_user(request.user).select_related("jurisdiction")
    if filters.year is not None:
        observations = observations.filter(held_on__year=filters.year)
    return observations


@drills_router.post("/observations", response={201: ObservationOut}, summary="登记现场观摩演练")
def create_observation(request, payload: ObservationIn):
    require(request.user, "drill.observation", "登记现场观摩演练")
    data = payload.dict()
    observation = _call(
        services.record_observation, request.user, data.pop("jurisdiction_id"), **data
    )
    return Status(
        201, ObservationDrill.objects.select_related("jurisdiction").get(pk=observation.pk)
    )


@drills_router.get("/{drill_id}", response=DrillOut, summary="应急演练详情")
def get_drill(request, drill_id: Int64):
    require(request.user, "drill.view", "查看应急演练")
    return get_object_or_404(_drills(request), pk=drill_id)
