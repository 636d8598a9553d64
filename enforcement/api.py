"""/api/v1/draws, /api/v1/plans, /api/v1/penalties, /api/v1/inspections and
/api/v1/inspection-statistics: the same services and scoping as the pages. A refusal answers
its status (403, 404, 409, 422) with the Chinese reason."""

from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import ErrorOut, Int64
from core.inputs import Line, PlausibleDate, Text
from enforcement import documents, inspections, services, statistics
from enforcement.models import (
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Inspection,
    InspectionDocument,
    Penalty,
)
from enterprises.api import Pagination

router = Router(tags=["执法检查"])


# --- draws --------------------------------------------------------------------------------------


class InspectorOut(Schema):
    id: int
    name: str = Field(alias="display_name")
    badge_number: str


class AssignmentOut(Schema):
    id: int
    position: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    planned_date: date | None
    outcome: str
    completed_on: date | None
    inspectors: list[InspectorOut]

    @staticmethod
    def resolve_inspectors(obj):
        return [row.inspector for row in obj.inspector_rows.all()]


class DrawOut(Schema):
    id: int
    name: str
    jurisdiction_id: int
    plan_id: int | None
    filters: dict
    enterprise_count: int
    inspectors_per_enterprise: int
    avoid_repeat: bool
    seed: str
    seed_generated: bool
    algorithm: str
    pool_size: int
    inspector_count: int
    inputs_hash: str
    result_hash: str
    drawn_at: datetime
    published: bool
    planned_from: date | None
    planned_to: date | None

    @staticmethod
    def resolve_inspector_count(obj):
        return len(obj.inspector_ids)


class DrawDetailOut(DrawOut):
    assignments: list[AssignmentOut] = Field(description="本人范围内的抽中企业")


class DrawIn(Schema):
    name: Line(100)
    enterprise_count: int = Field(ge=1, le=100000)
    inspectors_per_enterprise: int = Field(2, ge=1, le=10)
    avoid_repeat: bool = True
    filters: dict = Field(
        default_factory=dict,
        description="town（镇街ID）、industry、sector_tags、grade（代码列表）、"
        "exclude_key_list（布尔）、exclude_recent_months（月数）",
    )
    seed: Line(64) = Field("", description="空则由系统生成")
    plan_id: Int64 | None = None
    planned_from: PlausibleDate | None = None
    planned_to: PlausibleDate | None = None


class VerifyOut(Schema):
    ok: bool
    problems: list[str]


def _draw(user, draw_id) -> Draw:
    require(user, "draw.view", "查看双随机抽查")
    draw = Draw.objects.for_user(user).filter(pk=draw_id).first()
    if draw is None:
        raise HttpError(404, "抽查不存在")
    return draw


def _detail(user, draw):
    draw.assignments_in_scope = (
        DrawAssignment.objects.for_user(user)
        .filter(draw=draw)
        .select_related("enterprise")
        .prefetch_related("inspector_rows__inspector")
    )
    return draw


class DrawDetail(DrawDetailOut):
    @staticmethod
    def resolve_assignments(obj):
        return list(obj.assignments_in_scope)


@router.get("/draws", response=list[DrawOut], summary="双随机抽查列表")
@paginate(Pagination)
def list_draws(request):
    require(request.user, "draw.view", "查看双随机抽查")
    return Draw.objects.for_user(request.user).order_by("-drawn_at", "-id")


@router.post("/draws", response={201: DrawDetail}, summary="抽取")
def create_draw(request, payload: DrawIn):
    draw = services.create_draw(request.user, services.DrawRequest(**payload.dict()))
    return Status(201, _detail(request.user, draw))


@router.get("/draws/{draw_id}", response={200: DrawDetail}, summary="抽查详情")
def get_draw(request, draw_id: int):
    return _detail(request.user, _draw(request.user, draw_id))


@router.post("/draws/{draw_id}/verify", response={200: VerifyOut}, summary="重新验证")
def verify_draw(request, draw_id: int):
    result = services.verify(_draw(request.user, draw_id))
    return {"ok": result.ok, "problems": result.problems}


@router.post("/draws/{draw_id}/publish", response={200: DrawOut}, summary="公开结果")
def publish_draw(request, draw_id: int):
    return services.publish_draw(request.user, draw_id)


# --- plans --------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    year: int
    jurisdiction_id: int
    title: str
    status: str
    random_by_month: dict
    random_target: int
    key_list_source: str
    approved_at: datetime | None


class PlanItemOut(Schema):
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    reason: str
    visits: int
    months: list[int]


class ProgressOut(Schema):
    month: int
    planned_key: int
    done_key: int
    planned_random: int
    drawn_random: int
    done_random: int


class PlanDetailOut(PlanOut):
    totals: dict
    progress: list[ProgressOut]
    items: list[PlanItemOut] = Field(description="本人范围内的重点检查企业")


class EnforcementPlanIn(Schema):
    year: int = Field(ge=2000, le=2100)
    title: Line(100) = ""
    random_by_month: dict[str, int] = Field(default_factory=dict, description='{"3": 20, ...}')
    note: Text(2000) = ""


def _plan_detail(user, plan):
    from enforcement.models import PlanItem

    totals = services.plan_totals(plan)
    totals["random_share"] = float(totals["random_share"])
    plan.totals = totals
    plan.progress = services.plan_progress(plan, user)
    plan.items_in_scope = list(
        PlanItem.objects.for_user(user).filter(plan=plan).select_related("enterprise")
    )
    return plan


class PlanDetail(PlanDetailOut):
    @staticmethod
    def resolve_items(obj):
        return obj.items_in_scope


@router.get("/plans", response=list[PlanOut], summary="年度执法计划列表")
@paginate(Pagination)
def list_plans(request):
    require(request.user, "plan.view", "查看执法计划")
    return EnforcementPlan.objects.for_user(request.user)


@router.post("/plans", response={201: PlanDetail}, summary="编制年度执法计划")
def create_plan(request, payload: EnforcementPlanIn):
    plan = services.create_plan(
        request.user,
        payload.year,
        payload.title,
        payload.random_by_month,
        payload.note,
    )
    return Status(201, _plan_detail(request.user, plan))


def _plan(user, plan_id):
    require(user, "plan.view", "查看执法计划")
    plan = EnforcementPlan.objects.for_user(user).filter(pk=plan_id).first()
    if plan is None:
        raise HttpError(404, "执法计划不存在")
    return plan


@router.get("/plans/{plan_id}", response={200: PlanDetail}, summary="计划详情与进度")
def get_plan(request, plan_id: int):
    return _plan_detail(request.user, _plan(request.user, plan_id))


@router.post("/plans/{plan_id}/approve", response={200: PlanOut}, summary="批准计划")
def approve_plan(request, plan_id: int):
    return services.approve_plan(request.user, plan_id)


# --- penalties ----------------------------------------------------------------------------------


class PenaltyOut(Schema):
    id: int
    case_number: str
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    year: int
    violation: str
    legal_basis: str
    amount: Decimal
    state: str = Field(alias="state_id")
    state_name: str = Field(alias="state.name")
    filed_on: date
    decided_on: date | None
    closed_on: date | None
    inspection_id: int | None = Field(description="来源检查")


class PenaltyIn(Schema):
    enterprise_id: Int64
    violation: Text(5000)
    legal_basis: Text(2000)
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    filed_on: PlausibleDate | None = None
    inspection_id: Int64 | None = None


class AdvanceIn(Schema):
    to_state: Line(20)
    note: Line(300) = ""
    decided_on: PlausibleDate | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class PenaltyFilters(Schema):
    state: str | None = None
    enterprise: Int64 | None = None
    year: Int64 | None = None


@router.get("/penalties", response=list[PenaltyOut], summary="行政处罚列表")
@paginate(Pagination)
def list_penalties(request, filters: Query[PenaltyFilters]):
    require(request.user, "penalty.view", "查看行政处罚")
    rows = Penalty.objects.for_user(request.user).select_related("enterprise", "state")
    if filters.state:
        rows = rows.filter(state_id=filters.state)
    if filters.enterprise:
        rows = rows.filter(enterprise_id=filters.enterprise)
    if filters.year:
        rows = rows.filter(year=filters.year)
    return rows


@router.post("/penalties", response={201: PenaltyOut}, summary="立案")
def create_penalty(request, payload: PenaltyIn):
    penalty = services.file_penalty(
        request.user,
        payload.enterprise_id,
        payload.violation,
        payload.legal_basis,
        payload.amount,
        payload.filed_on,
        inspection_id=payload.inspection_id,
    )
    return Status(201, penalty)


@router.get("/penalties/{penalty_id}", response={200: PenaltyOut}, summary="案件详情")
def get_penalty(request, penalty_id: int):
    require(request.user, "penalty.view", "查看行政处罚")
    penalty = (
        Penalty.objects.for_user(request.user)
        .select_related("enterprise", "state")
        .filter(pk=penalty_id)
        .first()
    )
    if penalty is None:
        raise HttpError(404, "处罚案件不存在")
    return penalty


@router.post("/penalties/{penalty_id}/advance", response={200: PenaltyOut}, summary="办理")
def advance_penalty(request, penalty_id: int, payload: AdvanceIn):
    penalty = services.advance_penalty(
        request.user,
        penalty_id,
        payload.to_state,
        payload.note,
        payload.decided_on,
        payload.amount,
    )
    return Penalty.objects.select_related("enterprise", "state").get(pk=penalty.pk)


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
        for row in inspections.checklist_rows(inspection)
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
    inspection = inspections.create_inspection(
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
    row = inspections.answer(
        request.user, inspection_id, payload.item_id, payload.result, payload.note
    )
    return _answer_out(row)


@router.post(
    "/inspections/{inspection_id}/items/{item_id}/photos",
    response={200: AnswerPhotosOut, 413: ErrorOut},
    summary="上传条目照片（可同时填写检查结果）",
    description=(
        "multipart/form-data：photos（一张或多张图片，每张不超过 HAZARD_PHOTO_MAX_BYTES，"
        f"每个条目合计不超过 {inspections.MAX_PHOTOS_PER_ANSWER} 张），可选 result、note。"
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
    row = inspections.answer(
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
    inspection = inspections.set_evidence(
        request.user, inspection_id, payload.alarm_ids, payload.warning_ids
    )
    return _inspection_detail(request.user, inspection)


@router.post(
    "/inspections/{inspection_id}/complete",
    response={200: InspectionDetailOut},
    summary="完成检查（登记隐患、生成文书）",
)
def complete_inspection(request, inspection_id: int, payload: CompleteIn):
    inspection = inspections.complete(
        request.user, inspection_id, payload.findings, payload.rectify_deadline
    )
    return _inspection_detail(request.user, inspection)


@router.post(
    "/inspections/{inspection_id}/rechecks",
    response={201: RecheckOut},
    summary="整改复查",
)
def recheck_inspection(request, inspection_id: int, payload: RecheckIn):
    done = inspections.recheck(request.user, inspection_id, payload.rechecked_on, payload.opinion)
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


class TownStatsOut(Schema):
    town_id: int
    town: str
    inspections: int
    hazards: int
    majors: int
    penalties: int
    amount: Decimal
    flags: list[str]
    months: list[dict]


@router.get(
    "/inspection-statistics",
    response={200: list[TownStatsOut]},
    summary="执法统计（按镇街、按月）",
)
def inspection_statistics(request, year: int = Query(..., ge=2000, le=2100)):
    require(request.user, "inspection.stats", "查看执法统计")
    return [
        {
            "town_id": row.town.pk,
            "town": row.town.name,
            **row.totals,
            "flags": row.flags,
            "months": [{"month": m, **row.month(m)} for m in range(1, 13)],
        }
        for row in statistics.by_town(request.user, year)
    ]
