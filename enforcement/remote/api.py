"""/api/v1/remote-inspections (list, detail, open, answer, decide, per town) and
/api/v1/assistance-records: the same services and scoping as the pages. A refusal answers its
status (403, 404, 409, 413, 422) with the Chinese reason."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import ErrorOut, Int64, Pagination
from core.inputs import Line, PlausibleDate, Text
from enforcement.models import AssistanceRecord, RemoteInspection, RemoteState
from enforcement.penalties import statistics
from enforcement.remote import services

router = Router(tags=["非现场执法与帮扶"])


class RemoteInspectionOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    source: str
    alarm_id: int | None
    power_warning_id: int | None
    question: str
    opened_on: date
    due_on: date
    overdue: bool = False
    state: str
    explanation: str
    outcome: str
    decision: str
    decided_on: date | None
    hazard_id: int | None
    penalty_id: int | None


class RemoteInspectionDetailOut(RemoteInspectionOut):
    files: list[str] = Field(description="说明材料的下载地址")
    actions: list[str] = Field(description="当前用户可进行的操作：answer 说明、decide 处理")


class RemoteInspectionOpenIn(Schema):
    enterprise_id: Int64
    source: Line(20) = Field(
        description="alarm 监测报警、power_warning 电力预警、video 视频事件、documents 调取资料"
    )
    question: Text(2000)
    alarm_id: Int64 | None = None
    warning_id: Int64 | None = None
    due_on: PlausibleDate | None = Field(None, description="不填则为 5 个工作日后")


class RemoteInspectionAnswerIn(Schema):
    explanation: Text(5000) = Field("", description="情况说明（必填）")


class RemoteInspectionDecideIn(Schema):
    outcome: Line(20) = Field(description="no_problem、hazard、order、penalty")
    decision: Text(2000)
    rectify_deadline: PlausibleDate | None = None
    violation: Text(5000) = ""
    legal_basis: Text(2000) = ""
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)


class RemoteInspectionFilters(Schema):
    state: str | None = None
    enterprise: Int64 | None = None


class RemoteTownOut(Schema):
    town_id: int
    town: str
    opened: int
    closed: int
    awaiting: int
    overdue: int
    outcomes: dict[str, int]
    able: bool = Field(description="本年度已办结非现场执法案件")


class AssistanceRecordOut(Schema):
    id: int
    town_id: int
    town: str
    reasons: list[str]
    method: str
    assisted_on: date
    findings: str
    staff: list[str]
    before: dict[str, int]
    after: dict[str, int]


FIELDS = (
    "id",
    "enterprise_id",
    "source",
    "alarm_id",
    "power_warning_id",
    "question",
    "opened_on",
    "due_on",
    "state",
    "explanation",
    "outcome",
    "decision",
    "decided_on",
    "hazard_id",
    "penalty_id",
)


def _out(remote, today) -> dict:
    data = {name: getattr(remote, name) for name in FIELDS}
    data["enterprise_name"] = remote.enterprise.name
    data["overdue"] = services.is_overdue(remote, today)
    return data


def _detail(user, remote) -> dict:
    today = timezone.localdate()
    return {
        **_out(remote, today),
        "files": [reverse("enforcement:remote_file", args=[f.pk]) for f in remote.files.all()],
        "actions": services.remote_actions(user, remote, today),
    }


def _get(user, remote_id) -> RemoteInspection:
    found = (
        RemoteInspection.objects.for_user(user, "remote.view")
        .select_related("enterprise")
        .filter(pk=remote_id)
        .first()
    )
    if found is None:
        raise HttpError(404, "非现场执法记录不存在")
    return found


@router.get("/remote-inspections", response=list[RemoteInspectionOut], summary="非现场执法列表")
@paginate(Pagination)
def list_remote(request, filters: Query[RemoteInspectionFilters]):
    require(request.user, "remote.view", "查看非现场执法")
    rows = RemoteInspection.objects.for_user(request.user).select_related("enterprise")
    if filters.state:
        if filters.state not in RemoteState.values:
            raise HttpError(422, "状态无效")
        rows = rows.filter(state=filters.state)
    if filters.enterprise:
        rows = rows.filter(enterprise_id=filters.enterprise)
    today = timezone.localdate()
    return [_out(r, today) for r in rows]


@router.get(
    "/remote-inspections/by-town",
    response={200: list[RemoteTownOut]},
    summary="非现场执法按镇街统计（本年度发起、办结及结果）",
)
def remote_by_town(request, year: int = Query(..., ge=2000, le=2100)):
    require(request.user, "inspection.stats", "查看执法统计")
    return [
        {
            "town_id": row.town.pk,
            "town": row.town.name,
            "opened": row.opened,
            "closed": row.closed,
            "awaiting": row.awaiting,
            "overdue": row.overdue,
            "outcomes": row.outcomes,
            "able": row.able,
        }
        for row in statistics.remote_by_town(request.user, year)
    ]


@router.post(
    "/remote-inspections", response={201: RemoteInspectionDetailOut}, summary="发起非现场执法"
)
def open_remote(request, payload: RemoteInspectionOpenIn):
    remote = services.open_remote(
        request.user,
        payload.enterprise_id,
        payload.source,
        payload.question,
        alarm_id=payload.alarm_id,
        warning_id=payload.warning_id,
        due_on=payload.due_on,
    )
    return Status(201, _detail(request.user, remote))


@router.get(
    "/remote-inspections/{remote_id}",
    response={200: RemoteInspectionDetailOut},
    summary="非现场执法详情",
)
def get_remote(request, remote_id: Int64):
    require(request.user, "remote.view", "查看非现场执法")
    return _detail(request.user, _get(request.user, remote_id))


@router.post(
    "/remote-inspections/{remote_id}/answer",
    response={200: RemoteInspectionDetailOut, 413: ErrorOut},
    summary="企业作出说明",
    description=(
        "multipart/form-data：explanation（说明），files（可选，PDF、图片或 Word/Excel，"
        "每个不超过 10 MB，最多 10 个）。"
    ),
)
def answer_remote(
    request,
    remote_id: Int64,
    payload: Form[RemoteInspectionAnswerIn],
    files: File[list[UploadedFile]] = None,
):
    remote = services.answer_remote(request.user, remote_id, payload.explanation, files or [])
    return _detail(request.user, _get(request.user, remote.pk))


@router.post(
    "/remote-inspections/{remote_id}/decide",
    response={200: RemoteInspectionDetailOut},
    summary="研判处理（未发现问题、登记隐患、责令限期整改、立案处罚）",
)
def decide_remote(request, remote_id: Int64, payload: RemoteInspectionDecideIn):
    remote = services.decide_remote(
        request.user,
        remote_id,
        payload.outcome,
        payload.decision,
        rectify_deadline=payload.rectify_deadline,
        violation=payload.violation,
        legal_basis=payload.legal_basis,
        amount=payload.amount,
    )
    return _detail(request.user, _get(request.user, remote.pk))


@router.get("/assistance-records", response=list[AssistanceRecordOut], summary="执法指导帮扶记录")
@paginate(Pagination)
def list_assistance(request):
    require(request.user, "assistance.view", "查看执法指导帮扶")
    rows = (
        AssistanceRecord.objects.for_user(request.user)
        .select_related("town")
        .prefetch_related("staff")
    )
    today = timezone.localdate()
    result = []
    for record in rows:
        effect = services.before_after(record, today)
        result.append(
            {
                "id": record.pk,
                "town_id": record.town_id,
                "town": record.town.name,
                "reasons": record.reasons,
                "method": record.method,
                "assisted_on": record.assisted_on,
                "findings": record.findings,
                "staff": [u.display_name for u in record.staff.all()],
                "before": effect["before"],
                "after": effect["after"],
            }
        )
    return result
