"""/api/v1/offline: what a phone prepares before going out, and the records it syncs back
(fieldwork.services). A record with photos is multipart (its JSON in `record`, the photos in
`photos`, each answer's count of them in order); the others are JSON. Sent again with the same
client_id, a record answers 200 with the one stored (201 the first time)."""

import uuid
from datetime import date, datetime

import pydantic
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import ValidationError

from accounts.roles import require
from core.api_schemas import ErrorOut, Int64
from core.errors import Refused
from core.inputs import Line, PlausibleDate, Text
from fieldwork import services

router = Router(tags=["离线检查"])

MAX_PHOTOS_PER_ANSWER = services.inspections.MAX_PHOTOS_PER_ANSWER


# --- the bundle ---------------------------------------------------------------------------------


class OfflineEnterpriseOut(Schema):
    id: int
    name: str
    address: str


class OfflineChoiceOut(Schema):
    value: str
    label: str


class OfflineInspectorOut(Schema):
    id: int
    name: str
    me: bool


class OfflineItemOut(Schema):
    id: int
    index: int
    text: str
    legal_basis: str
    major: bool


class OfflineSectionOut(Schema):
    id: int
    name: str
    items: list[OfflineItemOut]


class OfflineInspectionFormOut(Schema):
    version: str
    kinds: list[OfflineChoiceOut]
    inspectors: list[OfflineInspectorOut]
    sections: list[OfflineSectionOut]


class OfflineCriterionOut(Schema):
    id: int
    label: str
    text: str


class OfflineSelfCheckFormOut(Schema):
    version: str
    answers: list[OfflineChoiceOut]
    criteria: list[OfflineCriterionOut]


class OfflineHazardFormOut(Schema):
    sources: list[OfflineChoiceOut]


class OfflineStepChoiceOut(Schema):
    value: str = Field(description="start、submit、close、return")
    label: str
    photos: bool = Field(description="该步骤可附照片")


class OfflineHazardNowOut(Schema):
    id: int
    description: str
    place: str
    is_major: bool
    state: str
    state_label: str
    deadline: date | None
    evidence: str
    updated_at: datetime
    version: str = Field(description="隐患的版本：离线办理时原样提交，隐患已变更则为冲突")
    steps: list[OfflineStepChoiceOut] = Field(description="本人现在可离线办理的步骤")
    url: str


class OfflineBundleOut(Schema):
    enterprise: OfflineEnterpriseOut
    prepared_at: datetime
    inspection: OfflineInspectionFormOut | None = Field(description="执法检查清单（执法人员）")
    self_check: OfflineSelfCheckFormOut | None = Field(description="企业自查条目（本企业负责人）")
    hazard: OfflineHazardFormOut | None = Field(description="上报隐患可选的来源")
    open_hazards: list[OfflineHazardNowOut] = Field(
        description="本人可离线办理（整改、提交验收、复查）的在办隐患"
    )


@router.get(
    "/enterprises/{enterprise_id}",
    response={200: OfflineBundleOut, 404: ErrorOut},
    summary="离线准备：企业的检查清单与表单",
)
def prepare(request, enterprise_id: Int64):
    require(request.user, "fieldwork.use", "离线检查")
    return services.bundle(request.user, enterprise_id)


# --- sync ---------------------------------------------------------------------------------------


class OfflineSyncedOut(Schema):
    client_id: uuid.UUID
    id: int
    created: bool = Field(description="true：本次新建；false：该编号的记录已保存过，未重复")
    url: str
    detail: str
    skipped: list[int] = Field(description="已不在清单中、未保存的条目")


class OfflineRecordForm(Schema):
    # Optional in the form so that a role without fieldwork.use is told 403 before its record
    # is read; an empty or unreadable record is a 422.
    record: Text(100_000) = Field("", description="记录内容（JSON，必填）")


class OfflineAnswerIn(Schema):
    item_id: Int64
    result: Line(20) = Field(description="compliant、not_compliant、not_applicable")
    note: Line(500) = ""
    photos: int = Field(0, ge=0, le=MAX_PHOTOS_PER_ANSWER, description="该条目的照片张数")


class OfflineInspectionIn(Schema):
    client_id: uuid.UUID
    enterprise_id: Int64
    version: Line(64)
    kind: Line(20) = Field(description="on_site（现场检查）、unannounced（暗查暗访）")
    inspected_on: PlausibleDate
    inspector_ids: list[Int64] = Field(default_factory=list)
    place: Line(200) = ""
    answers: list[OfflineAnswerIn] = Field(default_factory=list, max_length=2000)
    accept_changes: bool = False


class OfflineHazardIn(Schema):
    client_id: uuid.UUID
    enterprise_id: Int64
    source: Line(20)
    description: Text(2000)
    place: Line(100) = ""
    found_on: PlausibleDate


class OfflineSelfCheckAnswerIn(Schema):
    criterion_id: Int64
    answer: Line(20) = Field(description="compliant、hazard、not_applicable")
    note: Line(200) = ""


class OfflineSelfCheckIn(Schema):
    client_id: uuid.UUID
    enterprise_id: Int64
    version: Line(64)
    checked_on: PlausibleDate
    led_by: Line(40)
    led_by_principal: bool = False
    note: Text(2000) = ""
    answers: list[OfflineSelfCheckAnswerIn] = Field(default_factory=list, max_length=2000)
    accept_changes: bool = False


def _record(schema, text: str):
    try:
        return schema.model_validate_json(text)
    except pydantic.ValidationError as exc:
        errors = [{**e, "loc": ("form", "record", *e["loc"])} for e in exc.errors()]
        raise ValidationError(errors) from None


def _out(synced, client_id, url: str, stored: str):
    detail = stored if synced.created else "该记录已同步过，未重复保存"
    if synced.skipped:
        detail += f"；{len(synced.skipped)} 个条目已不在清单中，未保存"
    body = {
        "client_id": client_id,
        "id": synced.record.pk,
        "created": synced.created,
        "url": url,
        "detail": detail,
        "skipped": synced.skipped,
    }
    return Status(201 if synced.created else 200, body)


SYNC_RESPONSES = {200: OfflineSyncedOut, 201: OfflineSyncedOut, 404: ErrorOut, 413: ErrorOut}


@router.post(
    "/inspections",
    response=SYNC_RESPONSES,
    summary="同步离线执法检查（幂等）",
    description=(
        "multipart/form-data：record（JSON，OfflineInspectionIn 的字段）与 photos（照片，"
        "按 answers 的顺序，各条目 photos 张）。保存为检查中的检查（含结果与照片），完成检查在线"
        "进行。同一 client_id 再次提交返回已保存的检查（200）。离线准备后清单已变更为 409，"
        "accept_changes 为 true 时按现行清单保存。"
    ),
)
def sync_inspection(
    request,
    payload: Form[OfflineRecordForm],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    require(request.user, "fieldwork.use", "离线检查")
    data = _record(OfflineInspectionIn, payload.record)
    files = list(photos or [])
    if sum(a.photos for a in data.answers) != len(files):
        raise Refused("照片张数与记录不一致，请重新提交", 422)
    answers = []
    for row in data.answers:
        taken, files = files[: row.photos], files[row.photos :]
        answers.append(services.OfflineAnswer(row.item_id, row.result, row.note, taken))
    synced = services.sync_inspection(
        request.user,
        data.client_id,
        enterprise_id=data.enterprise_id,
        version=data.version,
        kind=data.kind,
        inspected_on=data.inspected_on,
        inspector_ids=data.inspector_ids,
        place=data.place,
        answers=answers,
        accept_changes=data.accept_changes,
    )
    url = reverse("enforcement:inspection", args=[synced.record.pk])
    return _out(synced, data.client_id, url, "检查已保存（检查中），请在线完成检查")


@router.post(
    "/hazards",
    response=SYNC_RESPONSES,
    summary="同步离线上报的隐患（幂等）",
    description=(
        "multipart/form-data：record（JSON，OfflineHazardIn 的字段）与 photos（照片）。"
        "同一 client_id 再次提交返回已登记的隐患（200）。"
    ),
)
def sync_hazard(
    request,
    payload: Form[OfflineRecordForm],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    require(request.user, "fieldwork.use", "离线检查")
    data = _record(OfflineHazardIn, payload.record)
    synced = services.sync_hazard(
        request.user,
        data.client_id,
        enterprise_id=data.enterprise_id,
        source=data.source,
        description=data.description,
        place=data.place,
        found_on=data.found_on,
        photos=list(photos or []),
    )
    url = reverse("hazards:detail", args=[synced.record.pk])
    return _out(synced, data.client_id, url, "隐患已登记")


@router.post(
    "/self-checks",
    response=SYNC_RESPONSES,
    summary="同步离线企业自查（幂等）",
    description="同一 client_id 再次提交返回已保存的自查（200）；自查条目已变更为 409。",
)
def sync_self_check(request, payload: OfflineSelfCheckIn):
    require(request.user, "fieldwork.use", "离线检查")
    synced = services.sync_self_check(
        request.user,
        payload.client_id,
        enterprise_id=payload.enterprise_id,
        version=payload.version,
        checked_on=payload.checked_on,
        led_by=payload.led_by,
        led_by_principal=payload.led_by_principal,
        note=payload.note,
        answers={a.criterion_id: (a.answer, a.note) for a in payload.answers},
        accept_changes=payload.accept_changes,
    )
    url = reverse("hazards:self_inspection", args=[synced.record.pk])
    return _out(synced, payload.client_id, url, "自查已保存")


# --- steps on an existing hazard ----------------------------------------------------------------


class OfflineStepIn(Schema):
    client_id: uuid.UUID
    version: Line(64) = Field(description="离线准备时隐患的 version")
    action: Line(20) = Field(description="start、submit、close、return")
    note: Text(2000) = Field("", description="说明：提交验收时为整改情况，退回时为理由（必填）")
    photos: int = Field(0, ge=0, le=MAX_PHOTOS_PER_ANSWER, description="照片张数")
    accept_changes: bool = False


class OfflineStepSyncedOut(Schema):
    client_id: uuid.UUID
    id: int
    created: bool = Field(description="true：本次办理；false：该编号的步骤已办理过，未重复")
    url: str
    detail: str
    hazard: OfflineHazardNowOut = Field(description="隐患现状")


@router.get(
    "/hazards/{hazard_id}",
    response={200: OfflineHazardNowOut, 404: ErrorOut},
    summary="隐患现状（离线办理冲突时核对）",
)
def hazard_now(request, hazard_id: Int64):
    require(request.user, "fieldwork.use", "离线检查")
    return services.current_hazard(request.user, hazard_id)


@router.post(
    "/hazards/{hazard_id}/steps",
    response={
        200: OfflineStepSyncedOut,
        201: OfflineStepSyncedOut,
        404: ErrorOut,
        413: ErrorOut,
    },
    summary="同步离线办理的隐患步骤（幂等）",
    description=(
        "multipart/form-data：record（JSON，OfflineStepIn 的字段）与 photos（照片）。按隐患的"
        "正常流程办理（记录与通知同在线办理）。同一 client_id 再次提交返回已办理的步骤（200）。"
        "离线准备后隐患已变更，或该步骤已不能办理，为 409（隐患现状见 GET /offline/hazards/{id}）；"
        "accept_changes 为 true 时按隐患现状办理（仍须该步骤可办理）。"
    ),
)
def sync_step(
    request,
    hazard_id: Int64,
    payload: Form[OfflineRecordForm],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    require(request.user, "fieldwork.use", "离线检查")
    services.require_hazard(request.user, hazard_id)
    data = _record(OfflineStepIn, payload.record)
    files = list(photos or [])
    if data.photos != len(files):
        raise Refused("照片张数与记录不一致，请重新提交", 422)
    synced = services.sync_step(
        request.user,
        data.client_id,
        hazard_id=hazard_id,
        version=data.version,
        action=data.action,
        note=data.note,
        photos=files,
        accept_changes=data.accept_changes,
    )
    step = synced.record
    if step.hazard_id != hazard_id:
        raise Refused("该离线记录的编号已用于另一条隐患，请放弃此记录", 409)
    label = services.OFFLINE_STEPS.get(step.action, step.action)
    body = {
        "client_id": data.client_id,
        "id": step.event_id,
        "created": synced.created,
        "url": reverse("hazards:detail", args=[step.hazard_id]),
        "detail": f"已办理：{label}" if synced.created else "该步骤已同步过，未重复办理",
        "hazard": services.step_hazard(request.user, step),
    }
    return Status(201 if synced.created else 200, body)
