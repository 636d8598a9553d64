"""/api/v1/grades: the grades in the caller's scope, and one enterprise's grade with every
factor's contribution, its supervision frequency and its history."""

from datetime import date, datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from enterprises.models import Enterprise
from grading import explain, frequency
from grading.forms import GradeFilterForm
from grading.models import EnterpriseGrade, RiskLevel

router = Router(tags=["分类分级"])


class GradeOut(Schema):
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    level: str
    level_label: str
    computed_level: str
    score: Decimal
    overridden: bool
    scored_at: datetime
    level_since: datetime

    @staticmethod
    def resolve_level_label(obj):
        return RiskLevel(obj.level).label

    @staticmethod
    def resolve_overridden(obj):
        return obj.override_id is not None


class FactorOut(Schema):
    code: str
    label: str
    group: str
    value: int | float | str | None
    value_display: str
    points: float
    weight: Decimal | None
    contribution: float
    source: str


class FrequencyOut(Schema):
    per_year: Decimal
    label: str
    reduction: str
    note: str


class ChangeOut(Schema):
    kind: str
    from_level: str = Field(alias="from_state")
    to_level: str = Field(alias="to_state")
    from_score: Decimal | None
    to_score: Decimal | None
    reason: str = Field(alias="note")
    actor: str | None = Field(None, alias="actor.display_name")
    approver: str | None = Field(None, alias="approver.display_name")
    at: datetime


class OverrideOut(Schema):
    id: int
    level: str
    reason: str
    state: str
    expires_on: date | None
    requested_by: str = Field(alias="requested_by.display_name")
    decided_by: str | None = Field(None, alias="decided_by.display_name")


class GradeDetailOut(GradeOut):
    by_score: str
    floor: list[str] | None
    factors: list[FactorOut]
    frequency: FrequencyOut | None
    history: list[ChangeOut]
    override: OverrideOut | None = None

    @staticmethod
    def resolve_by_score(obj):
        return obj.explanation.get("by_score", "")

    @staticmethod
    def resolve_floor(obj):
        return obj.explanation.get("floor")

    @staticmethod
    def resolve_factors(obj):
        return explain.rows(obj)

    @staticmethod
    def resolve_frequency(obj):
        return frequency.for_enterprise_grade(obj)

    @staticmethod
    def resolve_history(obj):
        return list(obj.enterprise.grade_changes.select_related("actor", "approver")[:50])


class GradeFilters(FilterSchema):
    q: str | None = None
    town: Int64 | None = Field(None, description="镇街ID")
    level: str | None = Field(None, description="red / orange / yellow / blue")
    changed: str | None = Field(None, description="7 或 30：近 N 天定级变化")
    overridden: bool | None = None


@router.get("", response=list[GradeOut], summary="企业风险等级")
@paginate(Pagination)
def list_grades(request, filters: Query[GradeFilters]):
    require(request.user, "grade.view", "查看风险等级")
    data = filters.dict(exclude_none=True)
    if data.get("overridden") is not None:
        data["overridden"] = "on" if data["overridden"] else ""
    queryset = EnterpriseGrade.objects.for_user(request.user).select_related("enterprise")
    return GradeFilterForm(request.user, data).apply(queryset).order_by("-score", "enterprise_id")


@router.get("/{enterprise_id}", response=GradeDetailOut, summary="企业风险等级与各因素贡献")
def get_grade(request, enterprise_id: int):
    require(request.user, "grade.view", "查看风险等级")
    enterprise = get_object_or_404(Enterprise.objects.for_user(request.user), pk=enterprise_id)
    return get_object_or_404(
        EnterpriseGrade.objects.for_user(request.user).select_related(
            "enterprise", "override__requested_by", "override__decided_by"
        ),
        enterprise=enterprise,
    )
