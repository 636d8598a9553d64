"""/api/v1/accidents: the list (filters as on the page, paginated), a record with its history,
recording, correcting (PATCH: the fields to change) and voiding, through the same services and
scoping as the pages. A role without "accident.view" gets a 403 everywhere; a record out of
scope is a 404; a refusal answers its status (403, 404, 409, 422) with the Chinese reason and,
where one field is at fault, `errors` naming it."""

from datetime import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accidents import services
from accidents.forms import AccidentFilterForm
from accidents.models import AccidentCase
from accidents.services import MAX_PEOPLE, TEXT_LIMITS, AccidentRefused
from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDateTime, Text, column_line
from enterprises.models import ProcessKind, SectorTag

router = Router(tags=["事故与警示"])

MAX_ID = 2**63 - 1


class AccidentEventOut(Schema):
    action: str
    action_label: str
    actor: str | None = Field(None, alias="actor.display_name")
    at: datetime
    note: str
    fields: dict = Field(description="更正的字段：{字段: {label, from, to}}")

    @staticmethod
    def resolve_action_label(obj):
        return obj.get_action_display()

    @staticmethod
    def resolve_fields(obj):
        return obj.payload.get("fields", {})


class AccidentOut(Schema):
    id: int
    source: str = Field(description="local 本县企业 / external 外地通报")
    enterprise_id: int | None
    enterprise_name: str | None = None
    title: str
    occurred_at: datetime
    location: str
    industry: str
    sector_tags: list[str] = Field(description="重点行业领域代码")
    process_kinds: list[str] = Field(description="涉及设备工艺代码")
    category: str = Field(description="事故类别代码（GB 6441-1986）")
    category_label: str
    deaths: int
    serious_injuries: int
    minor_injuries: int
    direct_loss: Decimal | None = Field(description="直接经济损失（万元），未核定为 null")
    level: str = Field(description="general / larger / major / especially_major")
    level_label: str
    is_near_miss: bool
    summary: str
    cause: str
    lessons: str
    recorded_by: str = Field(alias="recorded_by.display_name")
    created_at: datetime
    updated_at: datetime
    voided_at: datetime | None
    void_reason: str

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name if obj.enterprise_id else None

    @staticmethod
    def resolve_sector_tags(obj):
        return [tag.code for tag in obj.sector_tags.all()]

    @staticmethod
    def resolve_process_kinds(obj):
        return [kind.code for kind in obj.process_kinds.all()]

    @staticmethod
    def resolve_category_label(obj):
        return obj.get_category_display()

    @staticmethod
    def resolve_level_label(obj):
        return obj.get_level_display()


class AccidentDetailOut(AccidentOut):
    events: list[AccidentEventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor"))


class AccidentFilters(FilterSchema):
    q: str | None = Field(None, description="事故名称、地点、经过或企业名称")
    source: str | None = None
    level: str | None = None
    category: str | None = None
    year: Int64 | None = None
    town: Int64 | None = Field(None, description="镇街ID")
    enterprise: Int64 | None = None
    voided: str | None = Field(None, description="空：有效记录；1：已作废；all：全部")


class AccidentPatch(Schema):
    """The fields to change; any field left out keeps its value."""

    source: column_line(AccidentCase, "source") | None = Field(
        None, description="不能更改，仅供核对"
    )
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID)
    title: Line(TEXT_LIMITS["title"]) | None = None
    occurred_at: PlausibleDateTime | None = None
    location: Line(TEXT_LIMITS["location"]) | None = None
    industry: column_line(AccidentCase, "industry") | None = Field(
        None, description="外地事故必填；本县企业事故取自企业"
    )
    sector_tags: list[column_line(SectorTag, "code")] | None = Field(
        None, description="重点行业领域代码"
    )
    process_kinds: list[column_line(ProcessKind, "code")] | None = Field(
        None, description="涉及设备工艺代码（本县企业事故不填时取企业的设备工艺画像）"
    )
    category: column_line(AccidentCase, "category") | None = None
    deaths: int | None = Field(None, ge=0, le=MAX_PEOPLE)
    serious_injuries: int | None = Field(None, ge=0, le=MAX_PEOPLE)
    minor_injuries: int | None = Field(None, ge=0, le=MAX_PEOPLE)
    direct_loss: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    is_near_miss: bool | None = None
    summary: Text(TEXT_LIMITS["summary"]) | None = None
    cause: Text(TEXT_LIMITS["cause"]) | None = None
    lessons: Text(TEXT_LIMITS["lessons"]) | None = None
    note: Line(TEXT_LIMITS["note"]) = Field("", description="更正说明")


class AccidentIn(AccidentPatch):
    source: column_line(AccidentCase, "source") = Field(
        description="local 本县企业 / external 外地通报（仅县局）"
    )
    title: Line(TEXT_LIMITS["title"])
    occurred_at: PlausibleDateTime
    category: column_line(AccidentCase, "category")
    summary: Text(TEXT_LIMITS["summary"])


class VoidIn(Schema):
    reason: Text(TEXT_LIMITS["reason"])


def _queryset(request):
    return (
        AccidentCase.objects.for_user(request.user)
        .select_related("enterprise", "recorded_by")
        .prefetch_related("sector_tags", "process_kinds")
    )


class _Refused(HttpError):
    def __init__(self, exc: AccidentRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            name = "enterprise_id" if exc.field == "enterprise" else exc.field
            self.errors = {name: [str(exc)]}


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except AccidentRefused as exc:
        raise _Refused(exc) from None


def _data(payload: AccidentPatch) -> dict:
    data = payload.dict(exclude_unset=True)
    data.pop("note", None)
    return data


@router.get("", response=list[AccidentOut], summary="事故案例列表")
@paginate(Pagination)
def list_accidents(request, filters: Query[AccidentFilters]):
    require(request.user, "accident.view", "查看事故案例")
    form = AccidentFilterForm(request.user, filters.dict(exclude_none=True))
    return form.apply(_queryset(request)).order_by("-occurred_at", "-id")


@router.get("/{accident_id}", response={200: AccidentDetailOut}, summary="事故详情")
def get_accident(request, accident_id: int):
    require(request.user, "accident.view", "查看事故案例")
    return get_object_or_404(_queryset(request), pk=accident_id)


@router.post("", response={201: AccidentDetailOut}, summary="登记事故")
def create_accident(request, payload: AccidentIn):
    require(request.user, "accident.view", "查看事故案例")
    accident = _call(services.record, request.user, _data(payload))
    return Status(201, _queryset(request).get(pk=accident.pk))


@router.patch("/{accident_id}", response={200: AccidentDetailOut}, summary="更正事故记录")
def correct_accident(request, accident_id: int, payload: AccidentPatch):
    require(request.user, "accident.view", "查看事故案例")
    accident = get_object_or_404(_queryset(request), pk=accident_id)
    _call(services.correct, request.user, accident, _data(payload), note=payload.note)
    return _queryset(request).get(pk=accident_id)


@router.post("/{accident_id}/void", response={200: AccidentDetailOut}, summary="作废事故记录")
def void_accident(request, accident_id: int, payload: VoidIn):
    require(request.user, "accident.view", "查看事故案例")
    accident = get_object_or_404(_queryset(request), pk=accident_id)
    _call(services.void, request.user, accident, payload.reason)
    return _queryset(request).get(pk=accident_id)
