from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import PlausibleDate, Text, column_line
from hazards import services
from hazards.forms import LedgerFilterForm
from hazards.models import Extension, Hazard

router = Router(tags=["隐患"])


class HazardEventOut(Schema):
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: str | None = Field(None, alias="actor.display_name")
    note: str
    at: datetime


class HazardOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    source: str
    description: str
    place: str
    found_on: date
    found_by: str
    is_major: bool
    criterion_id: int | None
    criterion_label: str | None = None
    major_reason: str
    state: str
    owner: str
    measures: str
    funds: Decimal | None
    deadline: date | None
    contingency_plan: str
    suspension: str
    suspended_equipment: str
    listed_level: str
    listed_by: str
    evidence: str
    closed_at: datetime | None
    overdue: bool = False
    zero_out_deadline: date | None = Field(
        None, description="重大事故隐患的清零时限：查出次年1月31日（治本攻坚方案任务6）"
    )
    zero_out_overdue: bool = Field(False, description="已过清零时限仍未销号")
    breaks_zero_out: bool = Field(False, description="整改期限晚于清零时限")
    zero_out_reason: str = Field("", description="整改期限超出清零时限的理由")
    deadline_provisional: bool = Field(
        False,
        description="今天至整改期限之间有尚未公布节假日安排的年份，工作日暂按法定节假日推算",
    )

    @staticmethod
    def resolve_criterion_label(obj):
        return obj.criterion.label if obj.criterion_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()

    @staticmethod
    def resolve_zero_out_overdue(obj):
        return obj.is_zero_out_overdue()

    @staticmethod
    def resolve_deadline_provisional(obj):
        return obj.deadline_provisional()


class HazardDetailOut(HazardOut):
    events: list[HazardEventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor"))


class HazardFilters(FilterSchema):
    q: str | None = None
    town: Int64 | None = Field(None, description="镇街ID")
    enterprise: Int64 | None = None
    major: str | None = Field(None, description="1 重大，0 一般")
    state: str | None = None
    overdue: bool | None = None
    source: str | None = None


class ReportIn(Schema):
    enterprise_id: Int64
    source: column_line(Hazard, "source")
    description: Text()
    place: column_line(Hazard, "place") = ""
    found_on: PlausibleDate | None = None
    found_by: column_line(Hazard, "found_by") = ""
    criterion_id: Int64 | None = None


class HazardNoteIn(Schema):
    note: Text() = ""


class HazardReasonIn(Schema):
    reason: Text()


class HazardPlanIn(Schema):
    owner: column_line(Hazard, "owner")
    measures: Text()
    deadline: PlausibleDate
    # As many digits as the column holds (numeric(12, 2)).
    funds: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    contingency_plan: Text() = ""
    zero_out_reason: Text() = Field(
        "", description="重大事故隐患的整改期限晚于查出次年1月31日时必填"
    )


class SubmitIn(Schema):
    evidence: Text()


class ExtensionIn(Schema):
    new_deadline: PlausibleDate
    reason: Text()
    zero_out_reason: Text() = Field("", description="重大事故隐患延期至查出次年1月31日以后时必填")


class ExtensionOut(Schema):
    id: int
    hazard_id: int
    old_deadline: date
    new_deadline: date
    reason: str
    zero_out_reason: str
    breaks_zero_out: bool
    approved: bool | None


class DecisionIn(Schema):
    approved: bool
    note: Text() = ""


class JudgeIn(Schema):
    is_major: bool
    criterion_id: Int64 | None = None
    reason: Text() = ""


class ListingIn(Schema):
    level: column_line(Hazard, "listed_level")
    body: column_line(Hazard, "listed_by")


class SuspensionIn(Schema):
    # An order stops production or equipment; "none" is no order (a suspension is lifted when
    # the hazard is closed), as the detail page's form offers only these two.
    suspension: Literal["production", "equipment"]
    equipment: column_line(Hazard, "suspended_equipment") = ""


def _queryset(request):
    return Hazard.objects.for_user(request.user).select_related("enterprise", "criterion")


def _detail(request, hazard_id):
    return get_object_or_404(_queryset(request), pk=hazard_id)


@router.get("", response=list[HazardOut], summary="隐患台账")
@paginate(Pagination)
def list_hazards(request, filters: Query[HazardFilters]):
    require(request.user, "hazard.list", "查看隐患台账")
    data = {k: v for k, v in filters.dict(exclude_none=True).items()}
    if data.get("overdue") is not None:
        data["overdue"] = "on" if data["overdue"] else ""
    return LedgerFilterForm(request.user, data).apply(_queryset(request))


@router.get("/{hazard_id}", response=HazardDetailOut, summary="隐患详情与处理记录")
def get_hazard(request, hazard_id: int):
    return _detail(request, hazard_id)


@router.post("", response={201: HazardDetailOut}, summary="登记隐患")
def report_hazard(request, payload: ReportIn):
    data = payload.dict()
    enterprise_id = data.pop("enterprise_id")
    hazard = services.report(request.user, enterprise_id, **data)
    return Status(201, _detail(request, hazard.pk))


def _transition(path, summary, schema, call):
    """Declare POST /{hazard_id}/<path> running `call(user, hazard_id, payload)`."""

    @router.post(
        f"/{{hazard_id}}/{path}",
        response={200: HazardDetailOut},
        summary=summary,
        operation_id=f"hazard_{path.replace('-', '_')}",
    )
    def endpoint(request, hazard_id: int, payload: schema):
        call(request.user, hazard_id, payload)
        return _detail(request, hazard_id)

    return endpoint


_transition("confirm", "确认隐患", HazardNoteIn, lambda u, h, p: services.confirm(u, h, p.note))
_transition("reject", "不予确认", HazardReasonIn, lambda u, h, p: services.reject(u, h, p.reason))
_transition(
    "plan", "制定整改方案（五落实）", HazardPlanIn, lambda u, h, p: services.plan(u, h, **p.dict())
)
_transition("start", "开始整改", HazardNoteIn, lambda u, h, p: services.start(u, h, p.note))
_transition("submit", "提交验收", SubmitIn, lambda u, h, p: services.submit(u, h, p.evidence))
_transition("close", "验收销号", HazardNoteIn, lambda u, h, p: services.close(u, h, p.note))
_transition(
    "return", "退回整改", HazardReasonIn, lambda u, h, p: services.send_back(u, h, p.reason)
)
_transition(
    "judge",
    "认定重大/一般隐患",
    JudgeIn,
    lambda u, h, p: services.judge_major(u, h, **p.dict()),
)
_transition(
    "listing",
    "挂牌督办",
    ListingIn,
    lambda u, h, p: services.list_for_supervision(u, h, **p.dict()),
)
_transition(
    "suspension", "责令停产停用", SuspensionIn, lambda u, h, p: services.suspend(u, h, **p.dict())
)


@router.post(
    "/{hazard_id}/extensions",
    response={201: ExtensionOut},
    summary="申请延期",
)
def request_extension(request, hazard_id: int, payload: ExtensionIn):
    extension = services.request_extension(request.user, hazard_id, **payload.dict())
    return Status(201, extension)


@router.post(
    "/extensions/{extension_id}/decision",
    response={200: ExtensionOut},
    summary="审批延期",
)
def decide_extension(request, extension_id: int, payload: DecisionIn):
    get_object_or_404(Extension.objects.for_user(request.user), pk=extension_id)
    return services.decide_extension(request.user, extension_id, **payload.dict())
