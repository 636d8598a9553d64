"""/api/v1/targets/plans: the towns' implementation plans through the same service and scoping as
the pages (targets.plans). The towns in scope with whether each has filed a plan; one town's
plan with its goals beside the county's and its progress notes; the plan saved whole (a town
supervisor, their own town: the goals given replace the plan's, none laxer than the county's,
all or nothing); a progress note. A role without the action is a 403, a town out of scope a
404, a refusal its status with the Chinese reason and, where one goal is at fault, `errors`
naming it."""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import TEXT_MAX, Line, PlausibleDate, Text
from targets import plans
from targets.measures import MEASURES, YEARS
from targets.models import PlanNote

router = Router(tags=["镇街实施方案"])

MAX_GOALS = len(MEASURES) * len(YEARS)


class _Refused(HttpError):
    def __init__(self, exc: plans.PlanRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            self.errors = {exc.field: [str(exc)]}


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except plans.PlanRefused as exc:
        raise _Refused(exc) from None


class TownPlanListOut(Schema):
    """One town in scope (a Jurisdiction annotated by list_plans)."""

    town_id: int = Field(alias="pk")
    town_name: str = Field(alias="name")
    filed: bool = Field(description="已填报实施方案")
    title: str
    own_goals: int = Field(description="自定年度目标数")
    last_note_on: date | None = Field(alias="last_note", description="最近一次推进情况的日期")
    updated_at: datetime | None

    @staticmethod
    def _plan(obj):
        return getattr(obj, "target_plan", None)

    @staticmethod
    def resolve_filed(obj):
        return TownPlanListOut._plan(obj) is not None

    @staticmethod
    def resolve_title(obj):
        plan = TownPlanListOut._plan(obj)
        return plan.title if plan else ""

    @staticmethod
    def resolve_updated_at(obj):
        plan = TownPlanListOut._plan(obj)
        return plan.updated_at if plan else None


class TownPlanGoalOut(Schema):
    measure: str
    label: str
    year: int
    county_goal: Decimal | None = Field(description="县级目标（无则为空）")
    own_goal: Decimal | None = Field(description="镇街自定目标（未定则按县级目标）")


class TownPlanNoteOut(Schema):
    id: int
    written_on: date
    text: str
    author: str
    created_at: datetime


class TownPlanOut(Schema):
    town_id: int
    town_name: str
    filed: bool
    title: str
    division_of_work: str
    safeguards: str
    updated_at: datetime | None
    goals: list[TownPlanGoalOut]
    notes: list[TownPlanNoteOut]


class TownPlanGoalIn(Schema):
    measure: Line(40) = Field(description="指标代码，如 connect")
    year: int = Field(description=f"{YEARS[0]}—{YEARS[-1]}")
    goal: Decimal = Field(description="百分比0–100，数量为非负整数；不得宽于县级目标")


class TownPlanIn(Schema):
    title: Line(plans.TITLE_MAX)
    division_of_work: Text(TEXT_MAX) = ""
    safeguards: Text(TEXT_MAX) = ""
    goals: list[TownPlanGoalIn] = Field(default_factory=list, max_length=MAX_GOALS)


class TownPlanNoteIn(Schema):
    written_on: PlausibleDate
    text: Text(TEXT_MAX)


def _note_out(note: PlanNote) -> dict:
    return {
        "id": note.pk,
        "written_on": note.written_on,
        "text": note.text,
        "author": note.author.display_name,
        "created_at": note.created_at,
    }


def _plan_out(town) -> dict:
    plan = plans.plan_of(town)
    goals = [
        {
            "measure": row.measure.key,
            "label": row.measure.label,
            "year": cell.year,
            "county_goal": cell.county,
            "own_goal": cell.own,
        }
        for row in plans.goal_rows(plan)
        for cell in row.cells
    ]
    notes = plan.notes.select_related("author")[:100] if plan else []
    return {
        "town_id": town.pk,
        "town_name": town.name,
        "filed": plan is not None,
        "title": plan.title if plan else "",
        "division_of_work": plan.division_of_work if plan else "",
        "safeguards": plan.safeguards if plan else "",
        "updated_at": plan.updated_at if plan else None,
        "goals": goals,
        "notes": [_note_out(n) for n in notes],
    }


@router.get("", response=list[TownPlanListOut], summary="镇街实施方案填报情况")
@paginate(Pagination)
def list_plans(request):
    require(request.user, "targets.view", "查看镇街实施方案")
    last_note = PlanNote.objects.filter(plan__jurisdiction=OuterRef("pk")).order_by(
        "-written_on", "-id"
    )
    return (
        plans.towns_for(request.user)
        .select_related("target_plan")
        .annotate(
            last_note=Subquery(last_note.values("written_on")[:1]),
            own_goals=Count("target_plan__targets"),
        )
    )


@router.get("/{town_id}", response=TownPlanOut, summary="镇街实施方案")
def get_plan(request, town_id: Int64):
    require(request.user, "targets.view", "查看镇街实施方案")
    return _plan_out(_call(plans.town_for, request.user, town_id))


@router.put("/{town_id}", response=TownPlanOut, summary="填报或修改本镇街实施方案")
def save_plan(request, town_id: Int64, payload: TownPlanIn):
    require(request.user, "targets.plan", "填报镇街实施方案")
    town = _call(plans.town_for, request.user, town_id)
    targets: dict = {}
    for goal in payload.goals:
        item = (goal.measure, goal.year)
        if item in targets:
            raise HttpError(422, f"指标{goal.measure}的{goal.year}年目标重复")
        targets[item] = goal.goal
    _call(
        plans.save_plan,
        request.user,
        town,
        title=payload.title,
        division_of_work=payload.division_of_work,
        safeguards=payload.safeguards,
        targets=targets,
    )
    return _plan_out(town)


@router.post("/{town_id}/notes", response={201: TownPlanNoteOut}, summary="填报实施方案推进情况")
def add_note(request, town_id: Int64, payload: TownPlanNoteIn):
    require(request.user, "targets.plan", "填报实施方案推进情况")
    town = _call(plans.town_for, request.user, town_id)
    note = _call(plans.add_note, request.user, town, payload.written_on, payload.text)
    return Status(201, _note_out(note))
