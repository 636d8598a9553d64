"""/api/v1/standardization: the ratings (filters as on the page, paginated), one rating with
its steps and spot checks, an enterprise's application and every later step (one operation per
step, `POST /{id}/<step>`, a JSON body), through the same services and scoping as the pages. A
role without the step's action gets a 403; a rating out of scope is a 404; a refusal (the veto
among them: 409 naming the hazard) answers its status with the Chinese reason."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDate, Text
from standardization import services
from standardization.forms import RatingFilterForm
from standardization.models import Rating, SpotCheck
from standardization.services import LIMITS, StandardizationRefused
from standardization.transitions import TRANSITIONS

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


class NoteIn(Schema):
    note: Text(LIMITS["note"]) = ""


class ReviewStartIn(NoteIn):
    reviewers: list[Line(LIMITS["reviewer"])] = Field(description="评审人员姓名（至少一人）")


class ReviewResultIn(Schema):
    passed: bool = Field(description="评审通过")
    conclusion: Text(LIMITS["conclusion"])
    reviewed_on: PlausibleDate


class AnnounceIn(NoteIn):
    announced_on: PlausibleDate


class CertifyIn(Schema):
    certificate_no: Line(LIMITS["certificate_no"])
    issued_on: PlausibleDate


class ConcludeIn(Schema):
    outcome: Line(20) = Field(description="kept 保持 / downgraded 降级 / revoked 撤销")
    conclusion: Text(LIMITS["conclusion"])
    new_grade: Line(20) | None = Field(None, description="降级时的新等级：level2 / level3")


class _Refused(HttpError):
    def __init__(self, exc: StandardizationRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            name = "enterprise_id" if exc.field == "enterprise" else exc.field
            self.errors = {name: [str(exc)]}


def _step(request, rating_id, action, call):
    """Take a step through its service: the rating is found in the user's scope (404 outside),
    the role and the state are the service's to check."""
    require(request.user, TRANSITIONS[action].permission, TRANSITIONS[action].label)
    rating = get_object_or_404(_queryset(request), pk=rating_id)
    try:
        result = call(rating)
    except StandardizationRefused as exc:
        raise _Refused(exc) from None
    target = result.rating if isinstance(result, SpotCheck) else result
    return _queryset(request).get(pk=target.pk)


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


DETAIL = {200: RatingDetailOut}


@router.post("/{rating_id}/renew", response={201: RatingDetailOut}, summary="申请延期换证")
def renew(request, rating_id: Int64, payload: NoteIn):
    renewal = _step(
        request, rating_id, "renew", lambda r: services.renew(request.user, r, payload.note)
    )
    return Status(201, renewal)


@router.post("/{rating_id}/start-review", response=DETAIL, summary="组织评审")
def start_review(request, rating_id: Int64, payload: ReviewStartIn):
    return _step(
        request,
        rating_id,
        "start_review",
        lambda r: services.start_review(request.user, r, payload.reviewers, payload.note),
    )


@router.post("/{rating_id}/record-review", response=DETAIL, summary="录入评审结论")
def record_review(request, rating_id: Int64, payload: ReviewResultIn):
    return _step(
        request,
        rating_id,
        "record_review",
        lambda r: services.record_review(
            request.user, r, payload.passed, payload.conclusion, payload.reviewed_on
        ),
    )


@router.post("/{rating_id}/announce", response=DETAIL, summary="公告")
def announce(request, rating_id: Int64, payload: AnnounceIn):
    return _step(
        request,
        rating_id,
        "announce",
        lambda r: services.announce(request.user, r, payload.announced_on, payload.note),
    )


@router.post("/{rating_id}/certify", response=DETAIL, summary="发证")
def certify(request, rating_id: Int64, payload: CertifyIn):
    return _step(
        request,
        rating_id,
        "certify",
        lambda r: services.certify(request.user, r, payload.certificate_no, payload.issued_on),
    )


@router.post("/{rating_id}/start-check", response=DETAIL, summary="开始抽查")
def start_check(request, rating_id: Int64, payload: NoteIn):
    return _step(
        request,
        rating_id,
        "start_check",
        lambda r: services.start_check(request.user, r, payload.note),
    )


@router.post("/{rating_id}/conclude-check", response=DETAIL, summary="抽查/复核结论")
def conclude_check(request, rating_id: Int64, payload: ConcludeIn):
    return _step(
        request,
        rating_id,
        "conclude_check",
        lambda r: services.conclude_check(
            request.user, r, payload.outcome, payload.conclusion, payload.new_grade
        ),
    )
