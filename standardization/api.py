"""/api/v1/standardization: the ratings (filters as on the page, paginated), one rating with
its steps and spot checks, and an enterprise's application, through the same services and
scoping as the pages. A role without "standardization.view" gets a 403; a rating out of scope
is a 404; a refusal (the veto among them: 409 naming the hazard) answers its status with the
Chinese reason."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, Text
from standardization import services
from standardization.forms import RatingFilterForm
from standardization.models import Rating
from standardization.services import LIMITS, StandardizationRefused

router = Router(tags=["安全生产标准化"])
MAX_ID = 2**63 - 1


class RatingEventOut(Schema):
    action: str
    action_label: str
    actor: str | None = Field(None, alias="actor.display_name")
    at: datetime
    from_state: str
    to_state: str
    note: str

    @staticmethod
    def resolve_action_label(obj):
        return obj.get_action_display()


class SpotCheckOut(Schema):
    id: int
    reason: str = Field(description="draw 随机抽查 / manual 指定抽查 / major_hazard 重大隐患复核")
    hazard_id: int | None
    started_at: datetime
    outcome: str = Field(description="空：进行中；kept / downgraded / revoked")
    new_grade: str
    conclusion: str


class RatingOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    grade: str = Field(description="level1 / level2 / level3 / small_micro")
    grade_label: str
    state: str
    state_label: str
    standing: bool = Field(description="当前有效（已公告或在有效期内）")
    renews_id: int | None
    applied_at: datetime
    reviewers: list[str]
    reviewed_on: date | None
    announced_on: date | None
    certificate_no: str
    issued_on: date | None
    valid_until: date | None
    ended_on: date | None
    end_reason: str

    @staticmethod
    def resolve_grade_label(obj):
        return obj.get_grade_display()

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_standing(obj):
        return obj.is_standing


class RatingDetailOut(RatingOut):
    application_note: str
    review_conclusion: str
    events: list[RatingEventOut]
    checks: list[SpotCheckOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_checks(obj):
        return list(obj.checks.all())


class RatingFilters(FilterSchema):
    q: str | None = Field(None, description="企业名称")
    grade: str | None = None
    state: str | None = None
    town: Int64 | None = Field(None, description="镇街ID")
    enterprise: Int64 | None = None


class ApplyIn(Schema):
    enterprise_id: int = Field(ge=1, le=MAX_ID)
    grade: Line(20) = Field(description="level1 / level2 / level3 / small_micro")
    note: Text(LIMITS["note"]) = ""


class _Refused(HttpError):
    def __init__(self, exc: StandardizationRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            name = "enterprise_id" if exc.field == "enterprise" else exc.field
            self.errors = {name: [str(exc)]}


def _queryset(request):
    return Rating.objects.for_user(request.user).select_related("enterprise")


@router.get("", response=list[RatingOut], summary="标准化定级列表")
@paginate(Pagination)
def list_ratings(request, filters: Query[RatingFilters]):
    require(request.user, "standardization.view", "查看安全生产标准化")
    form = RatingFilterForm(request.user, filters.dict(exclude_none=True))
    return form.apply(_queryset(request)).order_by("-applied_at", "-id")


@router.get("/{rating_id}", response={200: RatingDetailOut}, summary="标准化定级详情")
def get_rating(request, rating_id: Int64):
    require(request.user, "standardization.view", "查看安全生产标准化")
    return get_object_or_404(_queryset(request), pk=rating_id)


@router.post("", response={201: RatingDetailOut}, summary="申请定级")
def apply(request, payload: ApplyIn):
    require(request.user, "standardization.apply", "申请安全生产标准化定级")
    try:
        rating = services.apply(request.user, payload.enterprise_id, payload.grade, payload.note)
    except StandardizationRefused as exc:
        raise _Refused(exc) from None
    return Status(201, _queryset(request).get(pk=rating.pk))
