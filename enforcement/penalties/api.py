"""/api/v1/penalties and /api/v1/inspection-statistics: the same services and scoping as the
pages. A refusal answers its status (403, 404, 409, 422) with the Chinese reason."""

from datetime import date
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDate, Text
from enforcement.models import Penalty
from enforcement.penalties import services, statistics

router = Router(tags=["执法检查"])

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
    inspection_id: int | None = Field(description="来源检查")


class PenaltyIn(Schema):
    enterprise_id: Int64
    violation: Text(5000)
    legal_basis: Text(2000)
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    filed_on: PlausibleDate | None = None
    inspection_id: Int64 | None = None


class AdvanceIn(Schema):
    to_state: Line(20)
    note: Line(300) = ""
    decided_on: PlausibleDate | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class PenaltyFilters(Schema):
    state: str | None = None
    enterprise: Int64 | None = None
    year: Int64 | None = None


@router.get("/penalties", response=list[PenaltyOut], summary="行政处罚列表")
@paginate(Pagination)
def list_penalties(request, filters: Query[PenaltyFilters]):
    require(request.user, "penalty.view", "查看行政处罚")
    rows = Penalty.objects.for_user(request.user).select_related("enterprise", "state")
    if filters.state:
        rows = rows.filter(state_id=filters.state)
    if filters.enterprise:
        rows = rows.filter(enterprise_id=filters.enterprise)
    if filters.year:
        rows = rows.filter(year=filters.year)
    return rows


@router.post("/penalties", response={201: PenaltyOut}, summary="立案")
def create_penalty(request, payload: PenaltyIn):
    penalty = services.file_penalty(
        request.user,
        payload.enterprise_id,
        payload.violation,
        payload.legal_basis,
        payload.amount,
        payload.filed_on,
        inspection_id=payload.inspection_id,
    )
    return Status(201, penalty)


@router.get("/penalties/{penalty_id}", response={200: PenaltyOut}, summary="案件详情")
def get_penalty(request, penalty_id: int):
    require(request.user, "penalty.view", "查看行政处罚")
    penalty = (
        Penalty.objects.for_user(request.user)
        .select_related("enterprise", "state")
        .filter(pk=penalty_id)
        .first()
    )
    if penalty is None:
        raise HttpError(404, "处罚案件不存在")
    return penalty


@router.post("/penalties/{penalty_id}/advance", response={200: PenaltyOut}, summary="办理")
def advance_penalty(request, penalty_id: int, payload: AdvanceIn):
    penalty = services.advance_penalty(
        request.user,
        penalty_id,
        payload.to_state,
        payload.note,
        payload.decided_on,
        payload.amount,
    )
    return Penalty.objects.select_related("enterprise", "state").get(pk=penalty.pk)


# --- statistics ---------------------------------------------------------------------------------


class TownStatsOut(Schema):
    town_id: int
    town: str
    inspections: int
    hazards: int
    majors: int
    penalties: int
    amount: Decimal
    flags: list[str]
    months: list[dict]


@router.get(
    "/inspection-statistics",
    response={200: list[TownStatsOut]},
    summary="执法统计（按镇街、按月）",
)
def inspection_statistics(request, year: int = Query(..., ge=2000, le=2100)):
    require(request.user, "inspection.stats", "查看执法统计")
    return [
        {
            "town_id": row.town.pk,
            "town": row.town.name,
            **row.totals,
            "flags": row.flags,
            "months": [{"month": m, **row.month(m)} for m in range(1, 13)],
        }
        for row in statistics.by_town(request.user, year)
    ]
