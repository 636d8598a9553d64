"""/api/v1/commitments: safety commitments and their breaches in the caller's scope, through the
same services as the pages. A list needs the permission to look (403); one object is found in
the caller's scope first (404), then the action is asked for (403); a refusal answers its status
(409 state, 422 data) with the Chinese reason (anjian.api answers every core.errors.Refused)."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import PlausibleDate, Text, column_line
from reporting import services
from reporting.forms import BreachFilterForm, CommitmentFilterForm
from reporting.models import CommitmentBreach, SafetyCommitment
from reporting.models import Status as CommitmentStatus

router = Router(tags=["安全承诺"])


class CommitmentEventOut(Schema):
    action: str
    action_label: str
    breach_id: int | None
    actor: str | None = Field(None, alias="actor.display_name")
    note: str
    at: datetime

    @staticmethod
    def resolve_action_label(obj):
        return obj.get_action_display()


class BreachOut(Schema):
    id: int
    commitment_id: int
    commitment_title: str = Field(alias="commitment.title")
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    found_on: date
    cause: str
    cause_label: str
    hazard_id: int | None
    description: str
    recorded_by: str | None = Field(None, alias="recorded_by.display_name")
    created_at: datetime
    revoked: bool
    revoked_at: datetime | None
    revoke_reason: str
    revoked_by: str | None = Field(None, alias="revoked_by.display_name")

    @staticmethod
    def resolve_cause_label(obj):
        return obj.get_cause_display()

    @staticmethod
    def resolve_revoked(obj):
        return obj.revoked_at is not None


class CommitmentOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    kind: str
    kind_label: str
    work_type: str
    work_type_label: str
    title: str
    committer_name: str
    committer_post: str
    period_start: date
    period_end: date
    signed_on: date
    status: str = Field(
        description="pending 未开始 / active 承诺期内 / expired 已到期 / withdrawn 已撤回"
    )
    status_label: str
    breach_count: int = Field(description="有效的违反承诺记录数（不含已撤销）")
    recorded_by: str | None = Field(None, alias="recorded_by.display_name")
    created_at: datetime
    withdrawn_at: datetime | None
    withdraw_reason: str

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_work_type_label(obj):
        return obj.get_work_type_display()

    @staticmethod
    def resolve_status(obj):
        return obj.status()

    @staticmethod
    def resolve_status_label(obj):
        return CommitmentStatus(obj.status()).label

    @staticmethod
    def resolve_breach_count(obj):
        count = getattr(obj, "breach_count", None)
        return count if count is not None else obj.breaches.standing().count()


class CommitmentDetailOut(CommitmentOut):
    content: str
    breaches: list[BreachOut]
    events: list[CommitmentEventOut]

    @staticmethod
    def resolve_breaches(obj):
        return list(
            obj.breaches.select_related("commitment", "enterprise", "recorded_by", "revoked_by")
        )

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor"))


class CommitmentFilters(FilterSchema):
    q: str | None = Field(None, description="企业名称")
    town: Int64 | None = Field(None, description="镇街ID")
    enterprise: Int64 | None = Field(None, description="企业ID")
    kind: str | None = Field(None, description="zero_out / post / high_risk_work")
    status: str | None = Field(None, description="active（含未开始）/ expired / withdrawn")


class BreachFilters(FilterSchema):
    q: str | None = Field(None, description="企业名称")
    town: Int64 | None = Field(None, description="镇街ID")
    enterprise: Int64 | None = Field(None, description="企业ID")
    cause: str | None = Field(None, description="overdue_major_hazard / reported")
    revoked: str | None = Field(None, description="空：有效记录；revoked：已撤销；all：全部")


class CommitmentIn(Schema):
    kind: column_line(SafetyCommitment, "kind") = Field(
        description="zero_out / post / high_risk_work"
    )
    work_type: column_line(SafetyCommitment, "work_type") = Field(
        "", description="高风险作业类型（仅 high_risk_work）"
    )
    committer_name: column_line(SafetyCommitment, "committer_name")
    committer_post: column_line(SafetyCommitment, "committer_post") = Field(
        "", description="动态清零承诺可省略"
    )
    content: Text() = Field("", description="省略则使用标准承诺内容")
    period_start: PlausibleDate
    period_end: PlausibleDate
    signed_on: PlausibleDate | None = Field(None, description="省略为今天")
    enterprise_id: Int64 | None = Field(None, description="省略为本人所在企业")


class CommitmentReasonIn(Schema):
    reason: Text()


class BreachIn(Schema):
    description: Text()
    found_on: PlausibleDate | None = Field(None, description="省略为今天")


def _commitments(request):
    return SafetyCommitment.objects.for_user(request.user).select_related(
        "enterprise", "recorded_by"
    )


def _breaches(request):
    return CommitmentBreach.objects.for_user(request.user).select_related(
        "commitment", "enterprise", "recorded_by", "revoked_by"
    )


def _filter_data(filters) -> dict:
    data = filters.dict(exclude_none=True)
    data.pop("enterprise", None)
    return data


@router.get("", response=list[CommitmentOut], summary="安全承诺")
@paginate(Pagination)
def list_commitments(request, filters: Query[CommitmentFilters]):
    require(request.user, "commitment.view", "查看安全承诺")
    queryset = CommitmentFilterForm(request.user, _filter_data(filters)).apply(
        _commitments(request)
    )
    if filters.enterprise is not None:
        queryset = queryset.filter(enterprise_id=filters.enterprise)
    return queryset.with_breach_count().order_by("-period_start", "-id")


@router.get("/breaches", response=list[BreachOut], summary="违反承诺记录")
@paginate(Pagination)
def list_breaches(request, filters: Query[BreachFilters]):
    require(request.user, "commitment.view", "查看违反承诺记录")
    queryset = BreachFilterForm(request.user, _filter_data(filters)).apply(_breaches(request))
    if filters.enterprise is not None:
        queryset = queryset.filter(enterprise_id=filters.enterprise)
    return queryset.order_by("-found_on", "-id")


def _detail(request, commitment_id):
    return get_object_or_404(_commitments(request), pk=commitment_id)


@router.get("/{commitment_id}", response={200: CommitmentDetailOut}, summary="承诺详情")
def get_commitment(request, commitment_id: int):
    commitment = _detail(request, commitment_id)
    require(request.user, "commitment.view", "查看安全承诺")
    return commitment


@router.post("", response={201: CommitmentDetailOut}, summary="登记安全承诺")
def record_commitment(request, payload: CommitmentIn):
    commitment = services.record(request.user, **payload.dict())
    return Status(201, _detail(request, commitment.pk))


@router.post(
    "/{commitment_id}/withdraw",
    response={200: CommitmentDetailOut},
    summary="撤回安全承诺（承诺期开始前）",
)
def withdraw_commitment(request, commitment_id: int, payload: CommitmentReasonIn):
    services.withdraw(request.user, commitment_id, reason=payload.reason)
    return _detail(request, commitment_id)


@router.post("/{commitment_id}/breaches", response={201: BreachOut}, summary="记录违反承诺")
def record_breach(request, commitment_id: int, payload: BreachIn):
    breach = services.record_breach(request.user, commitment_id, **payload.dict())
    return Status(201, _breaches(request).get(pk=breach.pk))


@router.post(
    "/breaches/{breach_id}/revoke",
    response={200: BreachOut},
    summary="撤销误记的违反承诺记录",
)
def revoke_breach(request, breach_id: int, payload: CommitmentReasonIn):
    services.revoke_breach(request.user, breach_id, reason=payload.reason)
    return _breaches(request).get(pk=breach_id)
