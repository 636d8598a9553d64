"""/api/v1/tips: the public part for the WeChat mini program, without authentication (submit a
tip as multipart form data with its photos; its status by tracking code; the enterprise search,
names and ids of active enterprises only, rate-limited), and the bureau's part, authenticated
and scoped like the pages (list, one tip, its steps). An unknown and a malformed code answer
the same 404 with the same body."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accounts.lockout import client_ip
from accounts.roles import require
from core.api_schemas import ErrorOut, Int64, Pagination
from core.gate import get_for_user
from core.inputs import Line, Text
from tips import services
from tips.forms import TipFilterForm
from tips.models import Tip
from tips.views import SEARCH_REFUSED, search_allowed

router = Router(tags=["群众举报"])

NOT_FOUND = "未找到该查询码对应的举报"


class TipIn(Schema):
    enterprise_id: Int64 | None = Field(None, description="搜索得到的企业 id；搜不到时不传")
    enterprise_text: Line(100) = Field("", description="被举报单位名称（自填）")
    what: Text(2000) = Field("", description="举报内容")
    place: Line(200) = Field("", description="具体地点")
    anonymous: bool = Field(True, description="匿名举报时不留联系方式")
    contact_name: Line(50) = ""
    contact_phone: Line(30) = Field("", description="实名举报时必填")


class SubmittedOut(Schema):
    code: str = Field(description="查询码（分组显示，凭此查询进度，仅此一次返回）")
    accept_due: date
    reply_due: date


class StatusOut(Schema):
    state: str
    state_label: str
    submitted_on: date
    accepted_on: date | None
    replied_on: date | None
    reply_due: date
    outcome: str = Field(description="不予受理理由或答复内容")
    reward: str = Field(description="奖励状态：空、已核定、已审批、已发放")


class TipEnterpriseOut(Schema):
    id: int
    name: str


class TipOut(Schema):
    id: int
    enterprise_id: int | None
    subject: str
    jurisdiction_id: int
    jurisdiction_name: str = Field(alias="jurisdiction.name")
    what: str
    place: str
    state: str
    submitted_at: datetime
    accept_due: date
    reply_due: date
    accepted_on: date | None
    not_accepted_reason: str
    finding: str
    hazard_id: int | None
    reply: str
    replied_on: date | None


class ActionIn(Schema):
    action: Literal["accept", "refuse", "start", "verify", "dismiss", "reply"]
    note: Text(2000) = Field("", description="理由、核查情况或答复内容")
    description: Text(2000) = Field("", description="核查属实时的隐患描述（默认用举报内容）")


@router.post(
    "",
    auth=None,
    response={201: SubmittedOut, 422: ErrorOut, 429: ErrorOut},
    summary="提交举报（公开，无需认证）",
)
def submit(
    request: HttpRequest,
    payload: Form[TipIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    submission = services.submit(
        address=client_ip(request),
        what=payload.what,
        place=payload.place,
        enterprise_id=payload.enterprise_id,
        enterprise_text=payload.enterprise_text,
        anonymous=payload.anonymous,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        photos=photos or [],
    )
    return Status(
        201,
        {
            "code": submission.grouped_code,
            "accept_due": submission.tip.accept_due,
            "reply_due": submission.tip.reply_due,
        },
    )


@router.get(
    "/status",
    auth=None,
    response={200: StatusOut, 404: ErrorOut},
    summary="凭查询码查询办理进度（公开）",
)
def status(request: HttpRequest, code: str = ""):
    found = services.public_status(code)
    if found is None:
        return Status(404, {"detail": NOT_FOUND})
    return found


@router.get(
    "/enterprises",
    auth=None,
    response={200: list[TipEnterpriseOut], 429: ErrorOut},
    summary="按名称搜索企业（公开，仅返回名称和 id，限频）",
)
def enterprises(request: HttpRequest, q: str = ""):
    if not search_allowed(request, q):
        return Status(429, {"detail": SEARCH_REFUSED})
    return services.search(q)


class TipFilter(Schema):
    town: Int64 | None = None
    state: str | None = None
    overdue: str | None = None


@router.get("", response=list[TipOut], summary="举报列表（按辖区）")
@paginate(Pagination)
def tip_list(request: HttpRequest, filters: Query[TipFilter]):
    from django.utils import timezone

    require(request.user, "tip.view", "查看群众举报")
    form = TipFilterForm(
        request.user, {k: v for k, v in filters.dict().items() if v not in (None, "")}
    )
    return form.apply(Tip.objects.for_user(request.user), timezone.localdate()).select_related(
        "enterprise", "jurisdiction"
    )


@router.get("/{tip_id}", response=TipOut, summary="一条举报（不含举报人信息）")
def tip_detail(request: HttpRequest, tip_id: Int64):
    return get_for_user(
        Tip.objects.select_related("enterprise", "jurisdiction"),
        request.user,
        "tip.view",
        "查看群众举报",
        pk=tip_id,
    )


@router.post(
    "/{tip_id}/actions",
    response={200: TipOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="办理：受理、不予受理、开始核查、核查属实（形成隐患）、核查不属实、答复",
)
def tip_act(request: HttpRequest, tip_id: Int64, payload: ActionIn):
    get_for_user(Tip, request.user, "tip.view", "查看群众举报", pk=tip_id)
    if payload.action == "verify":
        services.verify(request.user, tip_id, payload.note, payload.description)
    else:
        services.act(request.user, tip_id, payload.action, payload.note)
    return Tip.objects.select_related("enterprise", "jurisdiction").get(pk=tip_id)


class RewardIn(Schema):
    rule: Literal["major", "general"] = Field(description="奖励情形：重大或一般事故隐患")
    amount: Decimal | None = Field(None, description="金额（元），默认该情形的标准金额")
    note: Line(500) = ""


class TipRewardOut(Schema):
    tip_id: int
    rule: str
    amount: Decimal
    source: str = Field(description="依据（鲁应急发〔2021〕3号）")
    state: str = Field(description="decided / approved / paid")
    decided_at: datetime
    approved_at: datetime | None
    paid_at: datetime | None


@router.post(
    "/{tip_id}/reward",
    response={201: TipRewardOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="核定核查属实举报的奖励",
)
def reward_decide(request: HttpRequest, tip_id: Int64, payload: RewardIn):
    get_for_user(Tip, request.user, "tip.view", "查看群众举报", pk=tip_id)
    reward = services.decide_reward(
        request.user, tip_id, payload.rule, payload.amount, payload.note
    )
    return Status(201, reward)


@router.post(
    "/{tip_id}/reward/approve",
    response={200: TipRewardOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="审批奖励（核定人以外的人员）",
)
def reward_approve(request: HttpRequest, tip_id: Int64):
    get_for_user(Tip, request.user, "tip.view", "查看群众举报", pk=tip_id)
    return services.advance_reward(request.user, tip_id, "approve")


@router.post(
    "/{tip_id}/reward/pay",
    response={200: TipRewardOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="登记奖励已发放（审批后）",
)
def reward_pay(request: HttpRequest, tip_id: Int64):
    get_for_user(Tip, request.user, "tip.view", "查看群众举报", pk=tip_id)
    return services.advance_reward(request.user, tip_id, "pay")
