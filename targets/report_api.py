"""/api/v1/targets/reports: the monthly and annual reports through the same services and
scoping as the pages: the list (filters: kind, state, year), one report with its content, a
new draft, an edit of a draft, the issue, the Word file. A role without the action gets a 403,
a report out of scope a 404, a refusal its status with the Chinese reason.

Mounted by the lead's targets API: `router.add_router("/reports", report_api.router)` (or
`api.add_router("/targets/reports", report_api.router)`)."""

from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.gate import get_for_user
from core.inputs import Line, Text
from targets import documents, reports
from targets.models import Report, ReportKind, ReportState

router = Router(tags=["治本攻坚报告"])


class TargetReportOut(Schema):
    id: int
    jurisdiction_id: int
    jurisdiction: str = Field(alias="jurisdiction.name")
    kind: str = Field(description="monthly / annual")
    state: str = Field(description="draft / issued")
    period_start: date
    period_end: date
    title: str
    number: str
    drafted_at: datetime
    issued_at: datetime | None


class TargetReportDetailOut(TargetReportOut):
    text: str
    content: dict[str, Any] = Field(
        description="期末指标（measures：本期、目标、状态、上期、变化及各下级区划的值）、"
        "逾期和挂牌督办隐患（hazards）、执法统计（enforcement）、报警（alarms）、月末走势（trend）"
    )


class TargetReportFilters(FilterSchema):
    kind: ReportKind | None = None
    state: ReportState | None = None
    year: int | None = Field(None, ge=2000, le=9999, description="统计期截止日期的年度")


class TargetReportDraftIn(Schema):
    kind: ReportKind = Field(description="monthly / annual")
    year: int = Field(ge=reports.FIRST_YEAR, le=9999)
    month: int | None = Field(None, ge=1, le=12, description="月度报告必填")
    jurisdiction_id: Int64 | None = Field(None, description="默认为本人所在区划")


class TargetReportEditIn(Schema):
    title: Line(reports.TITLE_MAX)
    text: Text(reports.TEXT_MAX)


def _report(request, report_id: int, action: str, label: str) -> Report:
    return get_for_user(
        Report.objects.select_related("jurisdiction"), request.user, action, label, pk=report_id
    )


@router.get("", response=list[TargetReportOut], summary="治本攻坚报告")
@paginate(Pagination)
def list_reports(request, filters: Query[TargetReportFilters]):
    require(request.user, "targets.view", "查看治本攻坚报告")
    found = Report.objects.for_user(request.user, "targets.view").select_related("jurisdiction")
    if filters.kind is not None:
        found = found.filter(kind=filters.kind)
    if filters.state is not None:
        found = found.filter(state=filters.state)
    if filters.year is not None:
        found = found.filter(period_end__year=filters.year)
    return found.order_by("-period_end", "-id")


@router.post("", response={201: TargetReportDetailOut}, summary="起草治本攻坚报告")
def draft_report(request, payload: TargetReportDraftIn):
    require(request.user, "targets.report", "起草治本攻坚报告")
    if payload.kind == ReportKind.MONTHLY and payload.month is None:
        raise HttpError(422, "月度报告请填写月份")
    report = reports.draft(
        request.user,
        payload.kind,
        node_id=payload.jurisdiction_id,
        year=payload.year,
        month=payload.month,
    )
    return Status(201, report)


@router.get("/{target_report_id}", response=TargetReportDetailOut, summary="治本攻坚报告详情")
def get_report(request, target_report_id: Int64):
    return _report(request, target_report_id, "targets.view", "查看治本攻坚报告")


@router.patch("/{target_report_id}", response=TargetReportDetailOut, summary="修改报告草稿")
def edit_report(request, target_report_id: Int64, payload: TargetReportEditIn):
    _report(request, target_report_id, "targets.report", "修改治本攻坚报告")
    return reports.edit(request.user, target_report_id, payload.title, payload.text)


@router.post("/{target_report_id}/issue", response=TargetReportDetailOut, summary="印发报告")
def issue_report(request, target_report_id: Int64):
    _report(request, target_report_id, "targets.report", "印发治本攻坚报告")
    return reports.issue(request.user, target_report_id)


@router.get("/{target_report_id}/word", summary="报告Word文件")
def report_word(request, target_report_id: Int64):
    report = _report(request, target_report_id, "targets.export", "下载治本攻坚报告")
    response = HttpResponse(documents.report_docx(report), content_type=documents.DOCX)
    name = quote(documents.filename(report, "docx"))
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
