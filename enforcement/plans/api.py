"""/api/v1/draws and /api/v1/plans: the same services and scoping as the pages. A refusal
answers its status (403, 404, 409, 422) with the Chinese reason."""

from datetime import date, datetime

from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDate, Text
from enforcement.models import Draw, DrawAssignment, EnforcementPlan
from enforcement.plans import services

router = Router(tags=["执法检查"])

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


class DrawIn(Schema):
    name: Line(100)
    enterprise_count: int = Field(ge=1, le=100000)
    inspectors_per_enterprise: int = Field(2, ge=1, le=10)
    avoid_repeat: bool = True
    filters: dict = Field(
        default_factory=dict,
        description="town（镇街ID）、industry、sector_tags、grade（代码列表）、"
        "exclude_key_list（布尔）、exclude_recent_months（月数）",
    )
    seed: Line(64) = Field("", description="空则由系统生成")
    plan_id: Int64 | None = None
    planned_from: PlausibleDate | None = None
    planned_to: PlausibleDate | None = None


class VerifyOut(Schema):
    ok: bool
    problems: list[str]


def _draw(user, draw_id) -> Draw:
    require(user, "draw.view", "查看双随机抽查")
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
    require(request.user, "draw.view", "查看双随机抽查")
    return Draw.objects.for_user(request.user).order_by("-drawn_at", "-id")


@router.post("/draws", response={201: DrawDetail}, summary="抽取")
def create_draw(request, payload: DrawIn):
    draw = services.create_draw(request.user, services.DrawRequest(**payload.dict()))
    return Status(201, _detail(request.user, draw))


@router.get("/draws/{draw_id}", response={200: DrawDetail}, summary="抽查详情")
def get_draw(request, draw_id: int):
    return _detail(request.user, _draw(request.user, draw_id))


@router.post("/draws/{draw_id}/verify", response={200: VerifyOut}, summary="重新验证")
def verify_draw(request, draw_id: int):
    result = services.verify(_draw(request.user, draw_id))
    return {"ok": result.ok, "problems": result.problems}


@router.post("/draws/{draw_id}/publish", response={200: DrawOut}, summary="公开结果")
def publish_draw(request, draw_id: int):
    return services.publish_draw(request.user, draw_id)


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


class EnforcementPlanIn(Schema):
    year: int = Field(ge=2000, le=2100)
    title: Line(100) = ""
    random_by_month: dict[str, int] = Field(default_factory=dict, description='{"3": 20, ...}')
    note: Text(2000) = ""


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
    require(request.user, "plan.view", "查看执法计划")
    return EnforcementPlan.objects.for_user(request.user)


@router.post("/plans", response={201: PlanDetail}, summary="编制年度执法计划")
def create_plan(request, payload: EnforcementPlanIn):
    plan = services.create_plan(
        request.user,
        payload.year,
        payload.title,
        payload.random_by_month,
        payload.note,
    )
    return Status(201, _plan_detail(request.user, plan))


def _plan(user, plan_id):
    require(user, "plan.view", "查看执法计划")
    plan = EnforcementPlan.objects.for_user(user).filter(pk=plan_id).first()
    if plan is None:
        raise HttpError(404, "执法计划不存在")
    return plan


@router.get("/plans/{plan_id}", response={200: PlanDetail}, summary="计划详情与进度")
def get_plan(request, plan_id: int):
    return _plan_detail(request.user, _plan(request.user, plan_id))


@router.post("/plans/{plan_id}/approve", response={200: PlanOut}, summary="批准计划")
def approve_plan(request, plan_id: int):
    return services.approve_plan(request.user, plan_id)
