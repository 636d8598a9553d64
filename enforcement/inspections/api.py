"""/api/v1/inspections: the same services and scoping as the pages. A refusal answers its
status (403, 404, 409, 422) with the Chinese reason."""

from datetime import date, datetime

from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import ErrorOut, Int64, Pagination
from core.inputs import Line, PlausibleDate, Text
from enforcement.inspections import documents, services
from enforcement.models import Inspection, InspectionDocument, Penalty
from enforcement.plans.api import InspectorOut

router = Router(tags=["执法检查"])

# --- inspections --------------------------------------------------------------------------------


class InspectionBase(Schema):
    id: int
    enterprise_id: int
    kind: str
    state: str
    inspected_on: date
    place: str
    assignment_id: int | None
    plan_item_id: int | None
    rectify_deadline: date | None
    completed_at: datetime | None


class InspectionOut(InspectionBase):
    enterprise_name: str = Field(alias="enterprise.name")
    kind_name: str

    @staticmethod
    def resolve_kind_name(obj):
        return obj.get_kind_display()


class ChecklistRowOut(Schema):
    index: int
    item_id: int
    text: str
    legal_basis: str
    criterion_id: int | None
    result: str | None
    note: str
    hazard_id: int | None
    photos: list[str]


class DocumentOut(Schema):
    id: int
    kind: str
    kind_name: str
    number: str
    issued_at: datetime
    url: str = Field(description="下载 Word 文件（令牌认证）")


class InspectionDetailOut(InspectionBase):
    enterprise_name: str
    kind_name: str
    findings: str
    inspectors: list[InspectorOut]
    checklist: list[ChecklistRowOut]
    documents: list[DocumentOut]
    penalty_ids: list[int]
    evidence_alarm_ids: list[int]
    evidence_warning_ids: list[int]


class InspectionIn(Schema):
    enterprise_id: Int64
    kind: Line(20) = Field(
        description="on_site（现场检查）、unannounced（暗查暗访）、remote（非现场执法）"
    )
    inspected_on: PlausibleDate | None = None
    inspector_ids: list[int] = Field(
        default_factory=list, description="空且关联抽查任务时取抽中人员"
    )
    assignment_id: Int64 | None = None
    plan_item_id: Int64 | None = None
    place: Line(200) = ""


class AnswerIn(Schema):
    item_id: Int64
    result: Line(20) = Field(description="compliant、not_compliant、not_applicable")
    note: Line(500) = ""


class AnswerOut(Schema):
    item_id: int
    result: str
    note: str


class PhotoAnswerIn(Schema):
    result: Line(20) = Field(
        "",
        description="compliant、not_compliant、not_applicable；空则保留已填写的结果，只添加照片",
    )
    note: Line(500) = Field("", description="情况说明，与 result 一同填写（不符合时必填）")


class AnswerPhotosOut(AnswerOut):
    photos: list[str] = Field(description="该条目的全部照片（登录后可查看）")


class CompleteIn(Schema):
    findings: Text(5000) = ""
    rectify_deadline: PlausibleDate | None = None


class EvidenceIn(Schema):
    alarm_ids: list[Int64] = Field(default_factory=list)
    warning_ids: list[Int64] = Field(default_factory=list)


class RecheckIn(Schema):
    rechecked_on: PlausibleDate
    opinion: Text(2000)


class RecheckOut(Schema):
    id: int
    rechecked_on: date
    opinion: str
    hazard_states: list[dict]
    document: DocumentOut


class InspectionFilters(Schema):
    state: str | None = None
    kind: str | None = None
    enterprise: Int64 | None = None


def _document_out(document) -> dict:
    return {
        "id": document.pk,
        "kind": document.kind,
        "kind_name": document.get_kind_display(),
        "number": document.number,
        "issued_at": document.issued_at,
        "url": f"/api/v1/inspections/{document.inspection_id}/documents/{document.pk}",
    }


def _inspection(user, inspection_id) -> Inspection:
    require(user, "inspection.view", "查看执法检查")
    inspection = (
        Inspection.objects.for_user(user)
        .select_related("enterprise")
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        raise HttpError(404, "执法检查不存在")
    return inspection


def _answer_out(row) -> dict:
    return {"item_id": row.item_id, "result": row.result, "note": row.note}


def _inspection_detail(user, inspection) -> dict:
    data = {
        field: getattr(inspection, field)
        for field in (
            "id",
            "enterprise_id",
            "kind",
            "state",
            "inspected_on",
            "place",
            "assignment_id",
            "plan_item_id",
            "rectify_deadline",
            "completed_at",
            "findings",
        )
    }
    data["enterprise_name"] = inspection.enterprise.name
    data["kind_name"] = inspection.get_kind_display()
    data["inspectors"] = list(inspection.inspectors.order_by("id"))
    data["checklist"] = [
        {
            "index": row["index"],
            "item_id": row["item"].pk,
            "text": row["item"].text,
            "legal_basis": row["item"].legal_basis,
            "criterion_id": row["item"].criterion_id,
            "result": row["answer"].result if row["answer"] else None,
            "note": row["answer"].note if row["answer"] else "",
            "hazard_id": row["answer"].hazard_id if row["answer"] else None,
            "photos": [
                reverse("enforcement:inspection_photo", args=[p.pk])
                for p in (row["answer"].photos.all() if row["answer"] else [])
            ],
        }
        for row in services.checklist_rows(inspection)
    ]
    data["documents"] = [
        _document_out(d)
        for d in InspectionDocument.objects.for_user(user).filter(inspection=inspection)
    ]
    data["penalty_ids"] = list(
        Penalty.objects.for_user(user).filter(inspection=inspection).values_list("pk", flat=True)
    )
    data["evidence_alarm_ids"] = list(inspection.evidence_alarms.values_list("pk", flat=True))
    data["evidence_warning_ids"] = list(inspection.evidence_warnings.values_list("pk", flat=True))
    return data


@router.get("/inspections", response=list[InspectionOut], summary="执法检查列表")
@paginate(Pagination)
def list_inspections(request, filters: Query[InspectionFilters]):
    require(request.user, "inspection.view", "查看执法检查")
    rows = Inspection.objects.for_user(request.user).select_related("enterprise")
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.enterprise:
        rows = rows.filter(enterprise_id=filters.enterprise)
    return rows


@router.post("/inspections", response={201: InspectionDetailOut}, summary="开始执法检查")
def create_inspection(request, payload: InspectionIn):
    inspection = services.create_inspection(
        request.user,
        payload.enterprise_id,
        payload.kind,
        payload.inspected_on,
        payload.inspector_ids,
        assignment_id=payload.assignment_id,
        plan_item_id=payload.plan_item_id,
        place=payload.place,
    )
    return Status(201, _inspection_detail(request.user, inspection))


@router.get(
    "/inspections/{inspection_id}",
    response={200: InspectionDetailOut},
    summary="检查详情（清单、结果、文书）",
)
def get_inspection(request, inspection_id: int):
    return _inspection_detail(request.user, _inspection(request.user, inspection_id))


@router.post(
    "/inspections/{inspection_id}/answers",
    response={200: AnswerOut},
    summary="填写一个条目的检查结果",
)
def answer_item(request, inspection_id: int, payload: AnswerIn):
    row = services.answer(
        request.user, inspection_id, payload.item_id, payload.result, payload.note
    )
    return _answer_out(row)


@router.post(
    "/inspections/{inspection_id}/items/{item_id}/photos",
    response={200: AnswerPhotosOut, 413: ErrorOut},
    summary="上传条目照片（可同时填写检查结果）",
    description=(
        "multipart/form-data：photos（一张或多张图片，每张不超过 HAZARD_PHOTO_MAX_BYTES，"
        f"每个条目合计不超过 {services.MAX_PHOTOS_PER_ANSWER} 张），可选 result、note。"
        "不填 result 时照片加入该条目已有的检查结果；仅限检查中的检查。"
    ),
)
def answer_item_photos(
    request,
    inspection_id: int,
    item_id: int,
    photos: File[list[UploadedFile]],
    payload: Form[PhotoAnswerIn],
):
    row = services.answer(
        request.user, inspection_id, item_id, payload.result or None, payload.note, photos
    )
    return {
        **_answer_out(row),
        "photos": [
            reverse("enforcement:inspection_photo", args=[p.pk]) for p in row.photos.order_by("pk")
        ],
    }


@router.post(
    "/inspections/{inspection_id}/evidence",
    response={200: InspectionDetailOut},
    summary="引用监测预警证据",
)
def set_evidence(request, inspection_id: int, payload: EvidenceIn):
    inspection = services.set_evidence(
        request.user, inspection_id, payload.alarm_ids, payload.warning_ids
    )
    return _inspection_detail(request.user, inspection)


@router.post(
    "/inspections/{inspection_id}/complete",
    response={200: InspectionDetailOut},
    summary="完成检查（登记隐患、生成文书）",
)
def complete_inspection(request, inspection_id: int, payload: CompleteIn):
    inspection = services.complete(
        request.user, inspection_id, payload.findings, payload.rectify_deadline
    )
    return _inspection_detail(request.user, inspection)


@router.post(
    "/inspections/{inspection_id}/rechecks",
    response={201: RecheckOut},
    summary="整改复查",
)
def recheck_inspection(request, inspection_id: int, payload: RecheckIn):
    done = services.recheck(request.user, inspection_id, payload.rechecked_on, payload.opinion)
    return Status(
        201,
        {
            "id": done.pk,
            "rechecked_on": done.rechecked_on,
            "opinion": done.opinion,
            "hazard_states": done.hazard_states,
            "document": _document_out(done.document),
        },
    )


@router.get(
    "/inspections/{inspection_id}/documents/{document_id}",
    response={200: None},
    summary="下载执法文书（Word）",
)
def download_document(request, inspection_id: int, document_id: int):
    inspection = _inspection(request.user, inspection_id)
    document = (
        InspectionDocument.objects.for_user(request.user)
        .filter(inspection=inspection, pk=document_id)
        .first()
    )
    if document is None:
        raise HttpError(404, "文书不存在")
    return documents.response(document)
