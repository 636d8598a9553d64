"""/api/v1/exchange: the changes other platforms poll (an API token of an account with
exchange.pull, scoped to its jurisdiction), and the tasks a platform above pushes down (its
own platform token, exchange.InboundPlatform)."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import create_model

from accounts.roles import require
from core.api_schemas import ErrorOut
from core.inputs import Line, PlausibleDate, Text
from exchange import outbox, services
from exchange.documents import KINDS
from exchange.models import ExchangeEntry, Kind

router = Router(tags=["数据交换"])


class ExchangeEntryBase(Schema):
    id: int = Field(description="记录编号：接收方据此去重（幂等）")
    cursor: int = Field(description="游标：单调递增，下次从此之后读取")
    object_id: int
    version: str = Field(description="文档版本，如 v1")
    created_at: datetime


def _entry_schema(kind: str):
    spec = KINDS[kind]
    name = "ExchangeEntry" + "".join(part.title() for part in kind.split("_")) + "Out"
    return create_model(
        name,
        __base__=ExchangeEntryBase,
        kind=(Literal[kind], ...),  # type: ignore[valid-type]
        document=(spec.schema, ...),
    )


ENTRY_SCHEMAS = tuple(_entry_schema(kind) for kind in KINDS)
ExchangeEntryOut = Annotated[
    ENTRY_SCHEMAS[0]
    | ENTRY_SCHEMAS[1]
    | ENTRY_SCHEMAS[2]
    | ENTRY_SCHEMAS[3]
    | ENTRY_SCHEMAS[4]
    | ENTRY_SCHEMAS[5]
    | ENTRY_SCHEMAS[6],
    Field(discriminator="kind"),
]


class ExchangeChangesOut(Schema):
    entries: list[ExchangeEntryOut]  # type: ignore[valid-type]
    next: int = Field(description="下次请求的 after")


class ExchangeChangesQuery(Schema):
    after: int = Field(0, ge=0, le=2**63 - 1, description="上次返回的 next（首次为 0）")
    limit: int = Field(100, ge=1, le=500)
    kinds: str = Field("", description="类别，逗号分隔：" + "、".join(Kind.values))


@router.get("/changes", response=ExchangeChangesOut, summary="变更记录（按游标拉取）")
def changes(request, filters: Query[ExchangeChangesQuery]):
    require(request.user, "exchange.pull", "拉取交换数据")
    kinds = [k.strip() for k in filters.kinds.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(Kind.values))
    if unknown:
        raise HttpError(422, f"类别不存在：{'、'.join(unknown)}")
    scoped = ExchangeEntry.objects.for_user(request.user, "exchange.pull")
    entries, resume = outbox.changes(scoped, filters.after, filters.limit, kinds)
    return {"entries": [outbox.envelope(e) for e in entries], "next": resume}


class PlatformAuth(HttpBearer):
    def authenticate(self, request, token):
        platform = services.platform_for_token(token)
        if platform is not None:
            request.platform = platform
        return platform


class ExchangeTaskIn(Schema):
    external_id: Line(64) = Field(description="上级平台的任务编号（同一编号只接收一次）")
    kind: Literal["campaign", "check_list"] = Field(
        description="campaign：专项整治；check_list：企业检查名单（生成以这些企业为目标的专项整治草稿）"
    )
    name: Line(100)
    basis: Text(1000) = Field(description="法律依据")
    starts_on: PlausibleDate
    ends_on: PlausibleDate
    template_code: Line(40) | None = Field(None, description="整治模板（可选）")
    note: Text(300) = ""
    enterprises: list[Line(18)] = Field(
        [], max_length=services.MAX_ENTERPRISES, description="企业统一社会信用代码"
    )


class ExchangeTaskOut(Schema):
    id: int
    external_id: str
    kind: str
    campaign_id: int | None
    received_at: datetime
    created: bool = Field(description="false：该任务编号此前已接收，本次未重复生成")


@router.post(
    "/inbound/tasks",
    auth=PlatformAuth(),
    response={200: ExchangeTaskOut, 201: ExchangeTaskOut, 409: ErrorOut, 422: ErrorOut},
    summary="上级平台下发任务",
)
def inbound_task(request, payload: ExchangeTaskIn):
    data = payload.dict()
    task_in = services.TaskIn(**data)
    try:
        task, created = services.receive(request.platform, task_in, payload.model_dump(mode="json"))
    except services.ExchangeRefused as exc:
        error = HttpError(exc.status, str(exc))
        if exc.errors:
            error.errors = exc.errors  # type: ignore[attr-defined]
        raise error from exc
    body = {
        "id": task.pk,
        "external_id": task.external_id,
        "kind": task.kind,
        "campaign_id": task.campaign_id,
        "received_at": task.received_at,
        "created": created,
    }
    return Status(201 if created else 200, body)
