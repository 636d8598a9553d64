"""/api/v1/expert-visits and /api/v1/confined-spaces: the visits (list with filters state,
enterprise and year; one visit with its parts and ledger review; its findings with their
hazards' states) and the confined-space ledger, read through the same scoping as the pages: a
role without the action gets a 403, a row out of scope a 404 (an expert sees only the visits
they are assigned to)."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from experts import services
from experts.models import ConfinedSpace, ExpertVisit, VisitFinding
from experts.reference import VisitState

expert_visits_router = Router(tags=["有限空间专家会诊"])
confined_spaces_router = Router(tags=["有限空间台账"])


class ExpertVisitOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    jurisdiction_id: int
    jurisdiction_name: str = Field(alias="jurisdiction.name", description="组织单位（出具机关）")
    planned_on: date
    state: str = Field(description="planned / in_progress / reported / closed")
    state_label: str
    experts: list[str]
    report_number: str
    reported_at: datetime | None
    finding_count: int
    open_count: int = Field(description="会诊发现的隐患中尚未闭环的数量")

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_experts(obj):
        return [user.display_name for user in obj.experts.all()]


class ExpertVisitPartOut(Schema):
    part: str
    part_label: str
    held_on: date
    attendees: int
    content: str

    @staticmethod
    def resolve_part_label(obj):
        return obj.get_part_display()


class ExpertSpaceReviewOut(Schema):
    space_id: int
    space_name: str = Field(alias="space.name")
    result: str = Field(description="ok / problem")
    note: str
    finding_id: int | None


class ExpertVisitDetailOut(ExpertVisitOut):
    summary: str
    parts: list[ExpertVisitPartOut]
    reviews: list[ExpertSpaceReviewOut]

    @staticmethod
    def resolve_parts(obj):
        return list(obj.parts.all())

    @staticmethod
    def resolve_reviews(obj):
        return list(obj.reviews.select_related("space"))


class ExpertFindingOut(Schema):
    id: int
    description: str
    place: str
    space_id: int | None
    hazard_id: int
    hazard_state: str = Field(alias="hazard.state")
    recorded_at: datetime


class ExpertVisitFilters(FilterSchema):
    enterprise: Int64 | None = None
    state: VisitState | None = None
    year: int | None = Field(None, ge=1949, le=9999)


def _visits(request):
    return services.visit_rows(ExpertVisit.objects.for_user(request.user)).prefetch_related(
        "experts"
    )


@expert_visits_router.get("", response=list[ExpertVisitOut], summary="有限空间专家会诊")
@paginate(Pagination)
def list_visits(request, filters: Query[ExpertVisitFilters]):
    require(request.user, "expert_visit.view", "查看专家会诊")
    visits = _visits(request)
    if filters.enterprise is not None:
        visits = visits.filter(enterprise_id=filters.enterprise)
    if filters.state is not None:
        visits = visits.filter(state=filters.state)
    if filters.year is not None:
        visits = visits.filter(planned_on__year=filters.year)
    return visits


@expert_visits_router.get(
    "/{expert_visit_id}", response=ExpertVisitDetailOut, summary="有限空间专家会诊详情"
)
def get_visit(request, expert_visit_id: Int64):
    require(request.user, "expert_visit.view", "查看专家会诊")
    return get_object_or_404(_visits(request), pk=expert_visit_id)


@expert_visits_router.get(
    "/{expert_visit_id}/findings", response=list[ExpertFindingOut], summary="会诊发现的问题隐患"
)
def list_findings(request, expert_visit_id: Int64):
    require(request.user, "expert_visit.view", "查看专家会诊")
    visit = get_object_or_404(ExpertVisit.objects.for_user(request.user), pk=expert_visit_id)
    return list(VisitFinding.objects.filter(visit=visit).select_related("hazard"))


class ConfinedSpaceOut(Schema):
    id: int
    enterprise_id: int
    name: str
    location: str
    kind: str = Field(alias="kind_id", description="enterprises 设备工艺类型代码（有限空间类）")
    kind_name: str = Field(alias="kind.name")
    hazards: list[str]
    hazard_labels: list[str]
    lockout: bool = Field(description="挂牌上锁")
    isolation: bool = Field(description="物理隔离")
    scan_entry: bool = Field(description="扫码进入")
    monitoring: bool = Field(description="过程监控")
    responsible: str
    last_checked_on: date | None
    updated_at: datetime


class ConfinedSpaceFilters(FilterSchema):
    enterprise: Int64 | None = None


@confined_spaces_router.get("", response=list[ConfinedSpaceOut], summary="有限空间台账")
@paginate(Pagination)
def list_spaces(request, filters: Query[ConfinedSpaceFilters]):
    require(request.user, "confined_space.view", "查看有限空间台账")
    spaces = ConfinedSpace.objects.for_user(request.user).select_related("kind")
    if filters.enterprise is not None:
        spaces = spaces.filter(enterprise_id=filters.enterprise)
    return spaces
