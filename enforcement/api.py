"""/api/v1/draws, /api/v1/plans, /api/v1/penalties: the same services and scoping as the
pages. A refusal answers its status (403, 404, 409, 422) with the Chinese reason."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import AfterValidator, StringConstraints

from accounts.roles import can
from enforcement import services
from enforcement.models import (
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Penalty,
)
from enforcement.services import Refused
from enterprises.api import ErrorOut, Pagination
from hazards.api import Payload

router = Router(tags=["执法检查"])


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


def _text(max_length: int):
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_nul)]


def _require(user, action, label):
    if not can(user, action):
        raise HttpError(403, f"您的角色无权{label}")


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Refused as exc:
        raise HttpError(exc.status, str(exc)) from None


ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- draws --------------------------------------------------------------------------------------


class InspectorOut(Schema):
    id: int
    name: str = Field(alias="display_name")
    badge_number: str


class AssignmentOut(Schema):
    id: int
    position: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    planned_date: date | None
    outcome: str
    completed_on: date | None
    inspectors: list[InspectorOut]

    @staticmethod
    def resolve_inspectors(obj):
        return [row.inspector for row in obj.inspector_rows.all()]


class DrawOut(Schema):
    id: int
    name: str
    jurisdiction_id: int
    plan_id: int | None
    filters: dict
    enterprise_count: int
    inspectors_per_enterprise: int
    avoid_repeat: bool
    seed: str
    seed_generated: bool
    algorithm: str
    pool_size: int
    inspector_count: int
    inputs_hash: str
    result_hash: str
    drawn_at: datetime
    published: bool
    planned_from: date | None
    planned_to: date | None

    @staticmethod
    def resolve_inspector_count(obj):
        return len(obj.inspector_ids)


class DrawDetailOut(DrawOut):
    assignments: list[AssignmentOut] = Field(description="本人范围内的抽中企业")


class DrawIn(Payload):
    name: _text(100)
    enterprise_count: int = Field(ge=1, le=100000)
    inspectors_per_enterprise: int = Field(2, ge=1, le=10)
    avoid_repeat: bool = True
    filters: dict = Field(
        default_factory=dict,
        description="town（镇街ID）、industry、sector_tags、grade（代码列表）、"
        "exclude_key_list（布尔）、exclude_recent_months（月数）",
    )
    seed: _text(64) = Field("", description="空则由系统生成")
    plan_id: int | None = None
    planned_from: date | None = None
    planned_to: date | None = None


class VerifyOut(Schema):
    ok: bool
    problems: list[str]


def _draw(user, draw_id) -> Draw:
    _require(user, "draw.view", "查看双随机抽查")
    draw = Draw.objects.for_user(user).filter(pk=draw_id).first()
    if draw is None:
        raise HttpError(404, "抽查不存在")
    return draw


def _detail(user, draw):
    draw.assignments_in_scope = (
        DrawAssignment.objects.for_user(user)
        .filter(draw=draw)
        .select_related("enterprise")
        .prefetch_related("inspector_rows__inspector")
    )
    return draw


class DrawDetail(DrawDetailOut):
    @staticmethod
    def resolve_assignments(obj):
        return list(obj.assignments_in_scope)


@router.get("/draws", response=list[DrawOut], summary="双随机抽查列表")
@paginate(Pagination)
def list_draws(request):
    _require(request.user, "draw.view", "查看双随机抽查")
    return Draw.objects.for_user(request.user).order_by("-drawn_at", "-id")


@router.post("/draws", response={201: DrawDetail, **ERRORS}, summary="抽取")
def create_draw(request, payload: DrawIn):
    draw = _call(services.create_draw, request.user, services.DrawRequest(**payload.dict()))
    return Status(201, _detail(request.user, draw))


@router.get("/draws/{draw_id}", response={200: DrawDetail, **ERRORS}, summary="抽查详情")
def get_draw(request, draw_id: int):
    return _detail(request.user, _draw(request.user, draw_id))


@router.post("/draws/{draw_id}/verify", response={200: VerifyOut, **ERRORS}, summary="重新验证")
def verify_draw(request, draw_id: int):
    result = services.verify(_draw(request.user, draw_id))
    return {"ok": result.ok, "problems": result.problems}


@router.post("/draws/{draw_id}/publish", response={200: DrawOut, **ERRORS}, summary="公开结果")
def publish_draw(request, draw_id: int):
    return _call(services.publish_draw, request.user, draw_id)


# --- plans --------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    year: int
    jurisdiction_id: int
    title: str
    status: str
    random_by_month: dict
    random_target: int
    key_list_source: str
    approved_at: datetime | None


class PlanItemOut(Schema):
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    reason: str
    visits: int
    months: list[int]


class ProgressOut(Schema):
    month: int
    planned_key: int
    done_key: int
    planned_random: int
    drawn_random: int
    done_random: int


class PlanDetailOut(PlanOut):
    totals: dict
    progress: list[ProgressOut]
    items: list[PlanItemOut] = Field(description="本人范围内的重点检查企业")


class PlanIn(Payload):
    year: int = Field(ge=2000, le=2100)
    title: _text(100) = ""
    random_by_month: dict[str, int] = Field(default_factory=dict, description='{"3": 20, ...}')
    note: _text(2000) = ""


def _plan_detail(user, plan):
    from enforcement.models import PlanItem

    totals = services.plan_totals(plan)
    totals["random_share"] = float(totals["random_share"])
    plan.totals = totals
    plan.progress = services.plan_progress(plan, user)
    plan.items_in_scope = list(
        PlanItem.objects.for_user(user).filter(plan=plan).select_related("enterprise")
    )
    return plan


class PlanDetail(PlanDetailOut):
    @staticmethod
    def resolve_items(obj):
        return obj.items_in_scope


@router.get("/plans", response=list[PlanOut], summary="年度执法计划列表")
@paginate(Pagination)
def list_plans(request):
    _require(request.user, "plan.view", "查看执法计划")
    return EnforcementPlan.objects.for_user(request.user)


@router.post("/plans", response={201: PlanDetail, **ERRORS}, summary="编制年度执法计划")
def create_plan(request, payload: PlanIn):
    plan = _call(
        services.create_plan,
        request.user,
        payload.year,
        payload.title,
        payload.random_by_month,
        payload.note,
    )
    return Status(201, _plan_detail(request.user, plan))


def _plan(user, plan_id):
    _require(user, "plan.view", "查看执法计划")
    plan = EnforcementPlan.objects.for_user(user).filter(pk=plan_id).first()
    if plan is None:
        raise HttpError(404, "执法计划不存在")
    return plan


@router.get("/plans/{plan_id}", response={200: PlanDetail, **ERRORS}, summary="计划详情与进度")
def get_plan(request, plan_id: int):
    return _plan_detail(request.user, _plan(request.user, plan_id))


@router.post("/plans/{plan_id}/approve", response={200: PlanOut, **ERRORS}, summary="批准计划")
def approve_plan(request, plan_id: int):
    return _call(services.approve_plan, request.user, plan_id)


# --- penalties ----------------------------------------------------------------------------------


class PenaltyOut(Schema):
    id: int
    case_number: str
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    year: int
    violation: str
    legal_basis: str
    amount: Decimal
    state: str = Field(alias="state_id")
    state_name: str = Field(alias="state.name")
    filed_on: date
    decided_on: date | None
    closed_on: date | None


class PenaltyIn(Payload):
    enterprise_id: int
    violation: _text(5000)
    legal_basis: _text(2000)
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    filed_on: date | None = None


class AdvanceIn(Payload):
    to_state: _text(20)
    note: _text(300) = ""
    decided_on: date | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class PenaltyFilters(Schema):
    state: str | None = None
    enterprise: int | None = None
    year: int | None = None


@router.get("/penalties", response=list[PenaltyOut], summary="行政处罚列表")
@paginate(Pagination)
def list_penalties(request, filters: Query[PenaltyFilters]):
    _require(request.user, "penalty.view", "查看行政处罚")
    rows = Penalty.objects.for_user(request.user).select_related("enterprise", "state")
    if filters.state:
        rows = rows.filter(state_id=filters.state)
    if filters.enterprise:
        rows = rows.filter(enterprise_id=filters.enterprise)
    if filters.year:
        rows = rows.filter(year=filters.year)
    return rows


@router.post("/penalties", response={201: PenaltyOut, **ERRORS}, summary="立案")
def create_penalty(request, payload: PenaltyIn):
    penalty = _call(
        services.file_penalty,
        request.user,
        payload.enterprise_id,
        payload.violation,
        payload.legal_basis,
        payload.amount,
        payload.filed_on,
    )
    return Status(201, penalty)


@router.get("/penalties/{penalty_id}", response={200: PenaltyOut, **ERRORS}, summary="案件详情")
def get_penalty(request, penalty_id: int):
    _require(request.user, "penalty.view", "查看行政处罚")
    penalty = (
        Penalty.objects.for_user(request.user)
        .select_related("enterprise", "state")
        .filter(pk=penalty_id)
        .first()
    )
    if penalty is None:
        raise HttpError(404, "处罚案件不存在")
    return penalty


@router.post(
    "/penalties/{penalty_id}/advance", response={200: PenaltyOut, **ERRORS}, summary="办理"
)
def advance_penalty(request, penalty_id: int, payload: AdvanceIn):
    penalty = _call(
        services.advance_penalty,
        request.user,
        penalty_id,
        payload.to_state,
        payload.note,
        payload.decided_on,
        payload.amount,
    )
    return Penalty.objects.select_related("enterprise", "state").get(pk=penalty.pk)
