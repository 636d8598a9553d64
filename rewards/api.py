"""/api/v1/reports: employee hazard reports and their rewards, through the same services and
scoping as the pages. The list (filters: enterprise, state; paginated) and one report with its
reward; a report by a logged-in person of the enterprise (JSON, no photos: the phone form takes
those); an enterprise's reward rules (the versions, newest first) and a new version; a reward's
approval and payment. An employee sees only their own reports; a row out of scope is a 404; a
refusal (anjian/api.py) answers its status with the Chinese reason in `detail`."""

from datetime import date, datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDate, Text
from enterprises.models import Enterprise
from rewards import services
from rewards.models import EmployeeReport, Reward, RewardRule
from rewards.services import PAY_METHODS

router = Router(tags=["员工隐患报告奖励"])

MAX_ID = 2**63 - 1


class RewardOut(Schema):
    id: int
    rule_id: int
    amount: Decimal
    basis: str
    state: str = Field(description="proposed / approved / paid")
    proposed_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None
    paid_on: date | None
    pay_method: str
    pay_note: str

    @staticmethod
    def resolve_approved_by(obj):
        return obj.approved_by.display_name if obj.approved_by_id else None


class ReportOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    hazard_id: int
    description: str = Field(alias="hazard.description")
    place: str = Field(alias="hazard.place")
    is_major: bool = Field(alias="hazard.is_major")
    reporter_id: int | None
    reporter_name: str
    within_duty: bool = Field(description="属于报告人本人岗位职责范围")
    state: str = Field(description="pending / verified / not_verified")
    decided_at: datetime | None
    created_at: datetime
    reward: RewardOut | None = None

    @staticmethod
    def resolve_reward(obj):
        return getattr(obj, "reward", None)


class ReportFilters(Schema):
    enterprise: Int64 | None = Field(None, description="企业ID")
    state: str | None = Field(None, description="pending / verified / not_verified")


class EmployeeReportIn(Schema):
    enterprise_id: int = Field(ge=1, le=MAX_ID)
    description: Text(5000)
    place: Line(100) = ""
    within_duty: bool = Field(description="是否属于本人岗位职责范围")


class RuleIn(Schema):
    within_duty: Decimal = Field(description="岗位职责内 · 一般隐患（元）")
    outside_duty: Decimal = Field(description="岗位职责外 · 一般隐患（元），须高于岗位职责内")
    major_within_duty: Decimal
    major_outside_duty: Decimal
    per_report_cap: Decimal | None = None
    monthly_cap: Decimal | None = None
    allow_by_name: bool = False
    note: Line(200) = ""


class RuleOut(Schema):
    id: int
    enterprise_id: int
    within_duty: Decimal
    outside_duty: Decimal
    major_within_duty: Decimal
    major_outside_duty: Decimal
    per_report_cap: Decimal | None
    monthly_cap: Decimal | None
    allow_by_name: bool
    note: str
    created_at: datetime


class PayIn(Schema):
    paid_on: PlausibleDate
    method: Line(40) = Field(description="、".join(PAY_METHODS))
    note: Line(200) = ""


def _reports(request):
    require(request.user, "report.view", "查看隐患报告")
    return EmployeeReport.objects.for_user(request.user).select_related(
        "enterprise", "hazard", "reward", "reward__approved_by"
    )


@router.get("", response=list[ReportOut], summary="员工隐患报告列表")
@paginate(Pagination)
def list_reports(request, filters: Query[ReportFilters]):
    reports = _reports(request)
    if filters.enterprise is not None:
        reports = reports.filter(enterprise_id=filters.enterprise)
    if filters.state is not None:
        reports = reports.filter(state=filters.state)
    return reports.order_by("-created_at", "-id")


@router.get("/{report_id}", response=ReportOut, summary="员工隐患报告详情")
def get_report(request, report_id: Int64):
    return get_object_or_404(_reports(request), pk=report_id)


@router.post("", response={201: ReportOut}, summary="报告隐患（本企业人员）")
def create_report(request, payload: EmployeeReportIn):
    require(request.user, "report.submit", "报告隐患")
    report = services.report_as_user(
        request.user,
        payload.enterprise_id,
        description=payload.description,
        place=payload.place,
        within_duty=payload.within_duty,
    )
    return Status(201, _reports(request).get(pk=report.pk))


def _enterprise(request, enterprise_id: int, action: str, label: str):
    require(request.user, action, label)
    return get_object_or_404(Enterprise.objects.for_user(request.user), pk=enterprise_id)


@router.get(
    "/rules/{enterprise_id}", response=list[RuleOut], summary="企业奖励标准（各版本，新者在前）"
)
def list_rules(request, enterprise_id: Int64):
    enterprise = _enterprise(request, enterprise_id, "report.view_all", "查看奖励标准")
    return list(RewardRule.objects.filter(enterprise=enterprise).order_by("-created_at", "-id"))


@router.post("/rules/{enterprise_id}", response={201: RuleOut}, summary="制定奖励标准（新版本）")
def create_rule(request, enterprise_id: Int64, payload: RuleIn):
    enterprise = _enterprise(request, enterprise_id, "reward.manage", "制定奖励标准")
    rule = services.set_rule(request.user, enterprise.pk, **payload.dict())
    return Status(201, RewardRule.objects.get(pk=rule.pk))


def _reward(request, reward_id: int, action: str, label: str):
    require(request.user, action, label)
    return get_object_or_404(Reward.objects.for_user(request.user), pk=reward_id)


@router.post("/rewards/{reward_id}/approve", response=ReportOut, summary="审批奖励")
def approve_reward(request, reward_id: Int64):
    reward = _reward(request, reward_id, "reward.approve", "审批奖励")
    services.approve(request.user, reward.pk)
    return _reports(request).get(pk=reward.report_id)


@router.post("/rewards/{reward_id}/pay", response=ReportOut, summary="登记奖励发放")
def pay_reward(request, reward_id: Int64, payload: PayIn):
    reward = _reward(request, reward_id, "reward.pay", "登记奖励发放")
    services.pay(
        request.user, reward.pk, paid_on=payload.paid_on, method=payload.method, note=payload.note
    )
    return _reports(request).get(pk=reward.report_id)
