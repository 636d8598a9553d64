"""/api/v1/accident-warnings: the warnings a user sees (the bureau's, drafts included; a
town's and an enterprise's issued ones), one warning with its campaign prompt, its recipients
with their match reasons, a recipient's acknowledgement (已阅 / 已组织学习), and the
acknowledgement rate per town (over every warning or one). Through the same services and
scoping as the pages: a role without the action gets a 403, a row out of scope a 404, a refusal
its status with the Chinese reason."""

from datetime import datetime
from enum import StrEnum

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from accident_warnings import services
from accident_warnings.models import AccidentWarning, WarningRecipient
from accident_warnings.services import TEXT_LIMITS, WarningRefused
from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Text

router = Router(tags=["事故警示"])


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except WarningRefused as exc:
        error = HttpError(exc.status, str(exc))
        if exc.field:
            error.errors = {exc.field: [str(exc)]}  # type: ignore[attr-defined]
        raise error from None


class AccidentWarningOut(Schema):
    id: int
    accident_id: int
    accident_title: str = Field(alias="accident.title")
    accident_level: str = Field(alias="accident.level")
    title: str
    text: str
    lessons: str
    state: str = Field(description="draft / issued")
    has_attachment: bool
    issued_at: datetime | None
    all_acknowledged_at: datetime | None

    @staticmethod
    def resolve_has_attachment(obj):
        return bool(obj.attachment)


class AccidentWarningDetailOut(AccidentWarningOut):
    campaign_prompt: str | None = Field(
        description="较大及以上事故或同类事故反复发生时，建议开展专项整治的原因；否则为空"
    )

    @staticmethod
    def resolve_campaign_prompt(obj):
        return services.campaign_prompt(obj)


class AccidentWarningReasonOut(Schema):
    field: str = Field(description="industry / sector_tag / process_kind")
    label: str
    names: list[str]


class AccidentWarningRecipientOut(Schema):
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    town_id: int = Field(alias="enterprise.jurisdiction_id")
    proposed: bool = Field(description="系统匹配（false：县局添加）")
    reasons: list[AccidentWarningReasonOut]
    state: str = Field(description="pending / read / studied")
    note: str
    acknowledged_at: datetime | None
    reminders: int


class AccidentWarningAckState(StrEnum):
    READ = "read"
    STUDIED = "studied"


class AccidentWarningAckIn(Schema):
    state: AccidentWarningAckState = Field(
        description="read（已阅）/ studied（已组织学习，需填写说明）"
    )
    note: Text(TEXT_LIMITS["note"]) = ""


class AccidentWarningTownRateOut(Schema):
    town_id: int
    town_name: str
    recipients: int
    read: int
    studied: int
    pending: int
    rate: float | None = Field(description="已阅知（已阅 + 已组织学习）占接收企业的百分比")


def _warnings(request):
    require(request.user, "accident_warning.view", "查看事故警示")
    return AccidentWarning.objects.for_user(request.user).select_related("accident")


def _rates(rows) -> list[dict]:
    return [
        {
            "town_id": row.town.pk,
            "town_name": row.town.name,
            "recipients": row.total,
            "read": row.read,
            "studied": row.studied,
            "pending": row.pending,
            "rate": row.rate,
        }
        for row in rows
    ]


@router.get("", response=list[AccidentWarningOut], summary="事故警示")
@paginate(Pagination)
def list_warnings(request):
    return _warnings(request)


@router.get(
    "/town-rates", response=list[AccidentWarningTownRateOut], summary="各镇街事故警示阅知率"
)
def all_town_rates(request):
    require(request.user, "accident_warning.view", "查看事故警示")
    return _rates(services.town_rates(request.user))


@router.get("/{accident_warning_id}", response=AccidentWarningDetailOut, summary="事故警示详情")
def get_warning(request, accident_warning_id: Int64):
    return get_object_or_404(_warnings(request), pk=accident_warning_id)


@router.get(
    "/{accident_warning_id}/recipients",
    response=list[AccidentWarningRecipientOut],
    summary="事故警示接收企业及匹配原因",
)
@paginate(Pagination)
def list_recipients(request, accident_warning_id: Int64):
    warning = get_object_or_404(_warnings(request), pk=accident_warning_id)
    return (
        WarningRecipient.objects.for_user(request.user)
        .filter(warning=warning)
        .select_related("enterprise")
        .order_by("id")
    )


@router.get(
    "/{accident_warning_id}/town-rates",
    response=list[AccidentWarningTownRateOut],
    summary="一次事故警示的各镇街阅知率",
)
def warning_town_rates(request, accident_warning_id: Int64):
    warning = get_object_or_404(_warnings(request), pk=accident_warning_id)
    return _rates(services.town_rates(request.user, warning))


@router.post(
    "/{accident_warning_id}/acknowledge",
    response=AccidentWarningRecipientOut,
    summary="阅知事故警示（已阅 / 已组织学习）",
)
def acknowledge(request, accident_warning_id: Int64, payload: AccidentWarningAckIn):
    require(request.user, "accident_warning.acknowledge", "阅知事故警示")
    return _call(
        services.acknowledge, request.user, accident_warning_id, payload.state.value, payload.note
    )
