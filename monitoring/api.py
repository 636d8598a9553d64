"""/api/v1/telemetry and /api/v1/video-events (a gateway's token), and the monitoring data a
user may see (a user's token or session): alarms and their handling, point readings, power
warnings."""

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.pagination import paginate
from ninja.security import HttpBearer
from pydantic import StringConstraints

from accounts.roles import require
from core.api_schemas import ErrorOut, Int64, Pagination
from core.inputs import Line, PlausibleDateTime, Text
from monitoring import envelope, rollups, services
from monitoring.group_commit import GroupCommit
from monitoring.ingest import ingest_many
from monitoring.models import Alarm, Gateway, Point, PowerWarning

router = Router(tags=["监测预警"])

# The gateways' own endpoints: served without the middleware (core.lean, anjian/wsgi.py).
GATEWAY_PATHS = ("/api/v1/telemetry", "/api/v1/video-events")


class GatewayAuth(HttpBearer):
    """A gateway's bearer token. cached: the lookup may come from this process's memory (the
    telemetry endpoint, whose storing checks the token again: monitoring.ingest.ingest_many)."""

    def __init__(self, *, cached: bool = False):
        super().__init__()
        self.cached = cached

    def authenticate(self, request, token):
        gateway = services.gateway_for_token(token, cached=self.cached)
        if gateway is not None:
            request.gateway = gateway
            request.gateway_digest = Gateway.hash_token(token)
        return gateway


def _store(items) -> list:
    """One batch of the group commit: items of (gateway, readings, token digest)."""
    return ingest_many(
        [(gateway, readings) for gateway, readings, _ in items],
        digests=[digest for _, _, digest in items],
    )


# The telemetry requests of this process, stored together while they wait on each other.
group_commit = GroupCommit(_store, lambda: settings.TELEMETRY_HTTP_BATCH_READINGS)


def _raw_body(request) -> bytes:
    """The request's bytes, at most one past TELEMETRY_MAX_BYTES (refused before reading where
    the client declares a longer length). A chunked body (no Content-Length) is read from the
    server's decoded input stream: Django reads none of it."""
    limit = settings.TELEMETRY_MAX_BYTES
    length = request.META.get("CONTENT_LENGTH")
    chunked = request.META.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
    if not length and chunked:
        return request.META["wsgi.input"].read(limit + 1)
    try:
        declared = int(length or 0)
    except ValueError:
        declared = 0
    envelope.check_size(declared, envelope.HTTP)
    return request.body


class TelemetryOut(Schema):
    accepted: int
    duplicate: int
    rejected: int
    errors: list[dict] = Field(
        description="每条被拒收数据的序号（index）、点位（point）和原因（reason）"
    )


@router.post(
    "/telemetry",
    auth=GatewayAuth(cached=True),
    response={200: TelemetryOut, 401: ErrorOut, 413: ErrorOut},
    summary="上报监测数据",
    description=(
        "请求头 Authorization: Bearer <网关令牌>；请求体 "
        '{"readings": [{"point": "点位编码", "ts": "带时区的 ISO 8601 时间", '
        '"value": 数值或 true/false}]}，'
        f"每次最多 {settings.TELEMETRY_MAX_READINGS} 条。"
        "同一点位同一时间的数据重复上报只计为重复，不会重复入库。"
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["readings"],
                        "properties": {
                            "readings": {
                                "type": "array",
                                "maxItems": settings.TELEMETRY_MAX_READINGS,
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "point": {"type": "string"},
                                        "ts": {"type": "string", "format": "date-time"},
                                        "value": {"type": ["number", "boolean"]},
                                    },
                                },
                            }
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
def telemetry(request):
    try:
        body = envelope.load(_raw_body(request), envelope.HTTP)
        readings = envelope.readings(body, envelope.HTTP)
    except envelope.Refused as refused:
        raise HttpError(refused.status, refused.reason) from None
    outcome = group_commit.submit(
        (request.gateway, readings, request.gateway_digest), max(len(readings), 1)
    )
    if outcome.revoked:  # switched off or its token replaced since it was looked up
        raise AuthenticationError()
    return outcome.as_dict()


class VideoEventIn(Schema):
    camera: Annotated[Line(40), StringConstraints(min_length=1)]
    event: Literal["hot_work", "overcrowding"]
    ts: PlausibleDateTime
    count: int | None = Field(None, ge=0, le=100_000)
    limit: int | None = Field(None, ge=0, le=100_000)
    snapshot: str | None = Field(None, description="抓拍图片（JPEG/PNG）的 Base64 编码")


class AlarmOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    point_id: int
    point_code: str = Field(alias="point.code")
    equipment: str = Field(alias="point.equipment")
    condition: str
    condition_label: str = Field(alias="get_condition_display")
    state: str
    first_at: datetime
    last_at: datetime
    first_value: float | None
    last_value: float | None
    peak_value: float | None
    limit: float | None
    cleared_at: datetime | None
    raised_at: datetime
    escalation: int
    handling: str
    hazard_id: int | None
    data: dict


def _snapshot(encoded: str | None):
    if not encoded:
        return None
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise HttpError(422, "抓拍图片不是有效的 Base64 编码") from None
    if len(raw) > settings.HAZARD_PHOTO_MAX_BYTES:
        raise HttpError(413, "抓拍图片过大")
    from django import forms

    upload = SimpleUploadedFile("snapshot.jpg", raw)
    try:
        forms.ImageField().clean(upload)
    except forms.ValidationError:
        raise HttpError(422, "抓拍图片不是有效的图片") from None
    upload.seek(0)
    return upload


@router.post(
    "/video-events",
    auth=GatewayAuth(),
    response={201: AlarmOut, 404: ErrorOut, 413: ErrorOut},
    summary="上报视频智能分析事件",
    description=(
        "违规动火（hot_work）或人员超限聚集（overcrowding，须给出 count 和 limit）；生成报警。"
    ),
)
def video_event(request, payload: VideoEventIn):
    snapshot = _snapshot(payload.snapshot)
    alarm = services.video_event(
        request.gateway,
        camera=payload.camera,
        event=payload.event,
        ts=payload.ts,
        count=payload.count,
        limit=payload.limit,
        snapshot=snapshot,
    )
    return Status(201, Alarm.objects.select_related("enterprise", "point").get(pk=alarm.pk))


class AlarmFilters(Schema):
    state: Literal["open", "acknowledged", "handled", "closed", "unfinished"] | None = None
    condition: str | None = None
    enterprise: Int64 | None = None


@router.get("/alarms", response=list[AlarmOut], summary="报警列表")
@paginate(Pagination)
def list_alarms(request, filters: Query[AlarmFilters]):
    require(request.user, "monitoring.view")
    alarms = Alarm.objects.for_user(request.user).select_related("enterprise", "point")
    if filters.state == "unfinished":
        alarms = alarms.unfinished()
    elif filters.state:
        alarms = alarms.filter(state=filters.state)
    if filters.condition:
        alarms = alarms.filter(condition=filters.condition)
    if filters.enterprise:
        alarms = alarms.filter(enterprise_id=filters.enterprise)
    return alarms


@router.get("/alarms/{alarm_id}", response=AlarmOut, summary="报警详情")
def get_alarm(request, alarm_id: int):
    require(request.user, "monitoring.view")
    return (
        Alarm.objects.for_user(request.user).select_related("enterprise", "point").get(pk=alarm_id)
    )


class AlarmNoteIn(Schema):
    note: Text(2000) = ""


def _alarm_action(action: str, summary: str):
    @router.post(f"/alarms/{{alarm_id}}/{action}", response=AlarmOut, summary=summary)
    def endpoint(request, alarm_id: int, payload: AlarmNoteIn):
        require(request.user, "monitoring.view")
        # The scope first: an alarm outside it is a 404 whatever the role may do.
        Alarm.objects.for_user(request.user).only("pk").get(pk=alarm_id)
        services.act(request.user, alarm_id, action, note=payload.note)
        return get_alarm(request, alarm_id)

    endpoint.__name__ = f"alarm_{action}"
    return endpoint


_alarm_action("acknowledge", "确认报警")
_alarm_action("handle", "处置报警（填写处置情况）")
_alarm_action("close", "关闭报警")


class ReadingOut(Schema):
    ts: datetime
    value: float = Field(description="原始数值；汇总时为该时段的平均值")
    resolution: Literal["raw", "minute", "hour", "day"] = Field(
        "raw", description="raw 原始数据，minute 每分钟汇总，hour 每小时汇总，day 每日汇总"
    )
    min: float | None = Field(None, description="时段内最小值（汇总时）")
    max: float | None = Field(None, description="时段内最大值（汇总时）")
    count: int | None = Field(None, description="时段内数据条数（汇总时）")


class ReadingFilters(Schema):
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(2000, ge=1, le=20_000)
    resolution: Literal["auto", "raw", "minute", "hour", "day"] = Field(
        "auto",
        description=(
            f"auto：时间范围不超过 {settings.SERIES_RAW_HOURS} 小时用原始数据，"
            f"不超过 {settings.SERIES_MINUTE_DAYS} 天用每分钟汇总，"
            f"不超过 {settings.SERIES_HOUR_DAYS} 天用每小时汇总，更长用每日汇总"
        ),
    )


@router.get(
    "/points/{point_id}/readings",
    response=list[ReadingOut],
    summary="点位监测数据",
    description=(
        "按时间范围自动选择精度（每条数据的 resolution 字段和响应头 X-Resolution 说明），"
        f"原始数据保留 {settings.TELEMETRY_RAW_DAYS} 天（报警引用的数据另行保留），"
        f"每分钟汇总保留 {settings.ROLLUP_MINUTE_DAYS} 天，每小时汇总长期保留；"
        "未给出 since 时为最近的原始数据（至多 limit 条）。"
    ),
)
def point_readings(request, response: HttpResponse, point_id: int, filters: Query[ReadingFilters]):
    require(request.user, "monitoring.view")
    point = Point.objects.for_user(request.user).get(pk=point_id)
    if filters.since and filters.until and filters.since > filters.until:
        raise HttpError(422, "起始时间不能晚于截止时间")
    wanted = None if filters.resolution == "auto" else filters.resolution
    resolution, rows = rollups.series(point.pk, filters.since, filters.until, filters.limit, wanted)
    response.headers["X-Resolution"] = resolution
    return [{**row, "resolution": resolution} for row in rows]


class WarningOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    state: str
    window_start: datetime
    window_end: datetime
    observed_kw: float
    baseline_kw: float
    baseline: str
    detected_at: datetime
    review_note: str
    evidence: dict


@router.get("/warnings", response=list[WarningOut], summary="电力预警")
@paginate(Pagination)
def list_warnings(request, state: Literal["open", "confirmed", "dismissed"] | None = None):
    require(request.user, "monitoring.view")
    warnings = PowerWarning.objects.for_user(request.user).select_related("enterprise")
    return warnings.filter(state=state) if state else warnings


class ReviewIn(Schema):
    confirmed: bool
    note: Annotated[Text(2000), StringConstraints(min_length=1)]


@router.post("/warnings/{warning_id}/review", response=WarningOut, summary="研判电力预警")
def review_warning(request, warning_id: int, payload: ReviewIn):
    require(request.user, "monitoring.view")
    PowerWarning.objects.for_user(request.user).only("pk").get(pk=warning_id)
    services.review_warning(
        request.user, warning_id, confirmed=payload.confirmed, note=payload.note
    )
    return PowerWarning.objects.select_related("enterprise").get(pk=warning_id)
