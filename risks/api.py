"""/api/v1/risks: the register through the same services and scoping as the pages. The list
(filters: enterprise, colour, accident type, town; paginated), a risk with its assessments
and measures, and the register's changes: a unit, a point, a risk with its first assessment,
a re-assessment, a measure added or withdrawn. A role without "risk.view" gets a 403
everywhere, one without "risk.edit" a 403 on the changes; a row out of scope is a 404; a
refusal answers its status with the Chinese reason and, where one field is at fault, `errors`
naming it."""

from datetime import date, datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, Text, column_line
from risks import services
from risks.forms import CheckFilterForm, RiskFilterForm
from risks.models import Assessment, CheckTask, Measure, Risk, RiskUnit
from risks.services import TEXT_LIMITS, RiskRefused

router = Router(tags=["风险分级管控"])

MAX_ID = 2**63 - 1


class AssessmentOut(Schema):
    id: int
    method: str = Field(description="lec / ls")
    l_value: Decimal
    e_value: Decimal | None
    c_value: Decimal | None
    s_value: Decimal | None
    score: Decimal = Field(description="D（LEC）或 R（LS），由因素计算")
    danger_class: str
    colour: str = Field(description="red / orange / yellow / blue，由分值计算")
    source: str
    note: str
    assessed_by: str = Field(alias="assessed_by.display_name")
    assessed_at: datetime


class MeasureOut(Schema):
    id: int
    kind: str
    description: str
    control_level: str = Field(description="company / workshop / team / post")
    owner_name: str
    meets_requirement: bool = Field(description="是否达到风险颜色要求的管控层级")
    withdrawn_at: datetime | None
    withdraw_reason: str


class RiskOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    unit_id: int = Field(alias="point.unit_id")
    unit_name: str = Field(alias="point.unit.name")
    point_id: int
    point_name: str = Field(alias="point.name")
    factor_kind: str
    accident_type: str = Field(description="事故类别代码（GB 6441-1986）")
    description: str
    emergency_steps: str
    colour: str
    level: str = Field(alias="level_label")
    score: Decimal = Field(alias="current.score")
    method: str = Field(alias="current.method")
    created_at: datetime


class RiskDetailOut(RiskOut):
    assessments: list[AssessmentOut]
    measures: list[MeasureOut]

    @staticmethod
    def resolve_assessments(obj):
        return list(obj.assessments.select_related("assessed_by"))

    @staticmethod
    def resolve_measures(obj):
        return list(obj.measures.select_related("risk").order_by("id"))


class RiskFilters(FilterSchema):
    enterprise: Int64 | None = None
    colour: str | None = Field(None, description="red / orange / yellow / blue")
    accident_type: str | None = None
    town: Int64 | None = Field(None, description="镇街ID")


class UnitIn(Schema):
    enterprise_id: int = Field(ge=1, le=MAX_ID)
    name: Line(TEXT_LIMITS["name"])
    kind: column_line(RiskUnit, "kind") = Field(description="workshop / installation / post")
    description: Line(TEXT_LIMITS["description"]) = ""


class UnitOut(Schema):
    id: int
    enterprise_id: int
    name: str
    kind: str


class PointIn(Schema):
    unit_id: int = Field(ge=1, le=MAX_ID)
    name: Line(TEXT_LIMITS["name"])
    location: Line(TEXT_LIMITS["location"]) = ""


class PointOut(Schema):
    id: int
    unit_id: int
    name: str
    location: str


class AssessIn(Schema):
    method: column_line(Assessment, "method") = Field(description="lec / ls")
    l: Decimal = Field(description="可能性 L")  # noqa: E741
    e: Decimal | None = Field(None, description="暴露频繁程度 E（LEC）")
    c: Decimal | None = Field(None, description="后果 C（LEC）")
    s: Decimal | None = Field(None, description="严重性 S（LS）")
    note: Line(TEXT_LIMITS["note"]) = ""

    def factors(self) -> dict:
        return {
            k: v
            for k, v in (("l", self.l), ("e", self.e), ("c", self.c), ("s", self.s))
            if v is not None
        }


class RiskIn(AssessIn):
    point_id: int = Field(ge=1, le=MAX_ID)
    factor_kind: column_line(Risk, "factor_kind") = Field(
        description="person / thing / environment / management"
    )
    accident_type: column_line(Risk, "accident_type")
    description: Line(TEXT_LIMITS["description"])
    emergency_steps: Text(TEXT_LIMITS["emergency_steps"]) = ""


class MeasureIn(Schema):
    kind: column_line(Measure, "kind")
    description: Line(TEXT_LIMITS["description"])
    control_level: column_line(Measure, "control_level")
    owner_name: Line(TEXT_LIMITS["owner_name"])


class WithdrawIn(Schema):
    reason: Line(TEXT_LIMITS["reason"])


class _Refused(HttpError):
    def __init__(self, exc: RiskRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            self.errors = {exc.field: [str(exc)]}


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except RiskRefused as exc:
        raise _Refused(exc) from None


def _queryset(request):
    return Risk.objects.for_user(request.user).select_related(
        "enterprise", "point", "point__unit", "current"
    )


def _view(request):
    require(request.user, "risk.view", "查看风险分级管控台账")


@router.get("", response=list[RiskOut], summary="风险清单")
@paginate(Pagination)
def list_risks(request, filters: Query[RiskFilters]):
    _view(request)
    form = RiskFilterForm(request.user, filters.dict(exclude_none=True))
    return form.apply(_queryset(request).current()).order_by("rank", "-id")


@router.post("/units", response={201: UnitOut}, summary="添加风险单元")
def create_unit(request, payload: UnitIn):
    _view(request)
    data = payload.dict()
    unit = _call(services.add_unit, request.user, data.pop("enterprise_id"), **data)
    return Status(201, unit)


@router.post("/points", response={201: PointOut}, summary="添加风险点")
def create_point(request, payload: PointIn):
    _view(request)
    data = payload.dict()
    point = _call(services.add_point, request.user, data.pop("unit_id"), **data)
    return Status(201, point)


@router.post("", response={201: RiskDetailOut}, summary="辨识风险并评估")
def create_risk(request, payload: RiskIn):
    _view(request)
    risk = _call(
        services.add_risk,
        request.user,
        payload.point_id,
        factor_kind=payload.factor_kind,
        accident_type=payload.accident_type,
        description=payload.description,
        emergency_steps=payload.emergency_steps,
        method=payload.method,
        factors=payload.factors(),
        note=payload.note,
    )
    return Status(201, _queryset(request).get(pk=risk.pk))


@router.post("/{risk_id}/assessments", response={201: RiskDetailOut}, summary="重新评估风险")
def assess_risk(request, risk_id: Int64, payload: AssessIn):
    _view(request)
    risk = get_object_or_404(_queryset(request), pk=risk_id)
    _call(
        services.assess,
        request.user,
        risk.pk,
        method=payload.method,
        factors=payload.factors(),
        note=payload.note,
    )
    return Status(201, _queryset(request).get(pk=risk.pk))


@router.post("/{risk_id}/measures", response={201: RiskDetailOut}, summary="添加管控措施")
def add_measure(request, risk_id: Int64, payload: MeasureIn):
    _view(request)
    risk = get_object_or_404(_queryset(request), pk=risk_id)
    _call(services.add_measure, request.user, risk.pk, **payload.dict())
    return Status(201, _queryset(request).get(pk=risk.pk))


@router.post(
    "/measures/{measure_id}/withdraw", response={200: RiskDetailOut}, summary="撤销管控措施"
)
def withdraw_measure(request, measure_id: Int64, payload: WithdrawIn):
    _view(request)
    measure = get_object_or_404(Measure.objects.for_user(request.user), pk=measure_id)
    _call(services.withdraw_measure, request.user, measure.pk, reason=payload.reason)
    return _queryset(request).get(pk=measure.risk_id)


class CheckOut(Schema):
    id: int
    enterprise_id: int
    measure_id: int
    measure: str = Field(alias="measure.description")
    owner_name: str = Field(alias="measure.owner_name")
    risk_id: int = Field(alias="measure.risk_id")
    frequency: str = Field(description="day / week / month / quarter")
    period_start: date
    period_end: date
    due_on: date
    result: str = Field(description="pending / in_place / not_in_place")
    missed: bool = Field(description="逾期未填报（漏检）")
    note: str
    answered_at: datetime | None
    hazard_id: int | None

    @staticmethod
    def resolve_missed(obj):
        return obj.result == "pending" and obj.due_on < timezone.localdate()


class CheckFilters(FilterSchema):
    state: str | None = Field(None, description="空：待排查；missed：漏检；answered：已排查")
    enterprise: Int64 | None = None


class CheckAnswerIn(Schema):
    result: column_line(CheckTask, "result") = Field(description="in_place / not_in_place")
    note: Line(TEXT_LIMITS["note"]) = Field("", description="措施未落实时必填")


@router.get("/checks", response=list[CheckOut], summary="排查任务")
@paginate(Pagination)
def list_checks(request, filters: Query[CheckFilters]):
    _view(request)
    form = CheckFilterForm(filters.dict(exclude_none=True))
    return form.apply(
        CheckTask.objects.for_user(request.user).select_related("measure"), timezone.localdate()
    )


@router.post("/checks/{task_id}/answer", response={200: CheckOut}, summary="填报排查结果")
def answer_check(request, task_id: Int64, payload: CheckAnswerIn):
    _view(request)
    task = get_object_or_404(CheckTask.objects.for_user(request.user), pk=task_id)
    _call(services.answer_check, request.user, task.pk, result=payload.result, note=payload.note)
    return CheckTask.objects.select_related("measure").get(pk=task.pk)


# Last: "/{risk_id}" would take "/units", "/points" and "/measures/…" before their own routes.
@router.get("/{risk_id}", response=RiskDetailOut, summary="风险详情（评估记录与管控措施）")
def get_risk(request, risk_id: Int64):
    _view(request)
    return get_object_or_404(_queryset(request), pk=risk_id)
