"""A town's implementation plan (seed 三(一): 结合本辖区实际制定实施方案，明确治本攻坚年度目标、
任务分工和保障措施): its yearly goals per measure, no laxer than the county's; the division of
work and safeguards; dated progress notes.

- `save_plan(user, town, ...)`: a town supervisor (targets.plan) for their own town, all or
  nothing: every goal a known measure, one of the plan's years, a number in the measure's range
  and no laxer than the county's goal (measures.stricter); otherwise a PlanRefused naming the
  measure and both goals, and nothing is stored. The targets given are the plan's whole set
  (a goal left out, or empty, falls back to the county's).
- `add_note(user, town, written_on, text)`: a progress note, dated no later than today.
- `plan_message(event)`: who hears of a plan's events (the county's supervisors), for
  targets/notifications.py to call.

The county's staff read every town's plan (targets.view, TownPlan's NodeQuerySet); a town
supervisor reads and keeps their own; a town outside the user's scope is not found (404)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from core import events
from core.errors import Refused
from core.gate import check
from core.inputs import TEXT_MAX, text_problem
from core.models import Jurisdiction
from core.scoping import ancestor_paths
from enterprises.people import COUNTY, Audience
from targets import measures
from targets.measures import MEASURES, YEARS, Measure
from targets.models import EventAction, PlanNote, TargetEvent, TownPlan, TownTarget

if TYPE_CHECKING:
    from accounts.models import User

TITLE_MAX = TownPlan._meta.get_field("title").max_length or 120
# The goal column: nine digits, two after the point.
GOAL_MAX = Decimal("9999999.99")
FIRST_DAY = date(YEARS[0], 1, 1)


class PlanRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


def goal_field(key: str, year: int) -> str:
    """The form field (and refusal field) of one goal cell."""
    return f"goal_{key}_{year}"


# --- scope --------------------------------------------------------------------------------------


def towns_for(user: "User"):
    """The towns (zones, streets) in the user's scope, in the tree's order."""
    return Jurisdiction.objects.for_user(user).town_level().order_by("path", "sort_order")


def town_for(user: "User", town_id: Any) -> Jurisdiction:
    """A town in the user's scope; anything else (another town, the county, a grid, nothing)
    is not found."""
    try:
        pk = int(town_id)
    except (TypeError, ValueError) as exc:
        raise PlanRefused("未找到该镇街", 404) from exc
    town = towns_for(user).filter(pk=pk).first()
    if town is None:
        raise PlanRefused("未找到该镇街", 404)
    return town


def plan_of(town: Jurisdiction) -> TownPlan | None:
    return TownPlan.objects.filter(jurisdiction=town).first()


# --- goals --------------------------------------------------------------------------------------


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "无"
    return format(value.normalize(), "f")


def parse_goal(measure: Measure, year: int, raw: Any) -> Decimal | None:
    """A goal as typed (text, number) checked against the measure: None for empty; else a
    Decimal, or a PlanRefused naming the measure, the year and what is wrong."""
    field = goal_field(measure.key, year)
    where = f"“{measure.label}”{year}年目标"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise PlanRefused(f"{where}不是数字", field=field)
    try:
        goal = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        shown = str(raw)[:20]
        raise PlanRefused(f"{where}不是数字：{shown}", field=field) from exc
    if not goal.is_finite():
        raise PlanRefused(f"{where}不是数字", field=field)
    if goal < 0:
        raise PlanRefused(f"{where}不能为负数：{_fmt(goal)}", field=field)
    if measure.unit == measures.PERCENT and goal > 100:
        raise PlanRefused(f"{where}是百分比，应在0到100之间：{_fmt(goal)}", field=field)
    if measure.unit == measures.COUNT and goal != goal.to_integral():
        raise PlanRefused(f"{where}是数量，应为整数：{_fmt(goal)}", field=field)
    if goal > GOAL_MAX:
        raise PlanRefused(f"{where}过大：{_fmt(goal)}", field=field)
    if goal != goal.quantize(Decimal("0.01")):
        raise PlanRefused(f"{where}最多保留两位小数：{_fmt(goal)}", field=field)
    county_goal = measure.goal(year)
    if not measures.stricter(measure, goal, county_goal):
        bound = "不得低于" if measure.better == measures.HIGHER else "不得高于"
        raise PlanRefused(
            f"{where}{_fmt(goal)}宽于县级目标{_fmt(county_goal)}：镇街目标{bound}县级目标",
            field=field,
        )
    return goal.quantize(Decimal("0.01"))


def check_goals(targets: dict) -> dict[tuple[str, int], Decimal]:
    """Every (measure key, year) → goal given, checked; the empty ones dropped. The first
    problem found is refused (422), naming its measure."""
    checked: dict[tuple[str, int], Decimal] = {}
    for item, raw in targets.items():
        try:
            key, year = item
        except (TypeError, ValueError) as exc:
            raise PlanRefused(f"目标格式不正确：{str(item)[:40]}") from exc
        measure = measures.get(str(key))
        if measure is None:
            raise PlanRefused(f"未知的指标：{str(key)[:40]}")
        if not isinstance(year, int) or isinstance(year, bool) or year not in YEARS:
            raise PlanRefused(
                f"“{measure.label}”的年度{str(year)[:10]}不在实施方案年度"
                f"（{YEARS[0]}—{YEARS[-1]}年）内"
            )
        goal = parse_goal(measure, year, raw)
        if goal is not None:
            checked[(measure.key, year)] = goal
    return checked


def _line(value: str, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PlanRefused(f"请填写{label}", field="title")
    if len(value) > limit:
        raise PlanRefused(f"{label}不能超过{limit}个字")
    problem = text_problem(value, multiline=limit > TITLE_MAX)
    if problem:
        raise PlanRefused(f"{label}{problem}")
    return value


# --- changes ------------------------------------------------------------------------------------


def save_plan(
    user: "User",
    town: Jurisdiction,
    title: str,
    division_of_work: str = "",
    safeguards: str = "",
    targets: dict | None = None,
) -> TownPlan:
    """Store the town's plan and its goals as given (all or nothing); PLAN_SAVED names the
    goals that changed."""
    check(user, "targets.plan", "填报镇街实施方案", PlanRefused)
    town = town_for(user, getattr(town, "pk", town))
    title = _line(title, "方案名称", TITLE_MAX, required=True)
    division_of_work = _line(division_of_work, "任务分工", TEXT_MAX)
    safeguards = _line(safeguards, "保障措施", TEXT_MAX)
    goals = check_goals(targets or {})
    with transaction.atomic():
        Jurisdiction.objects.select_for_update().filter(pk=town.pk).first()
        plan = TownPlan.objects.filter(jurisdiction=town).first()
        created = plan is None
        if plan is None:
            plan = TownPlan(jurisdiction=town, created_by=user)
        plan.title, plan.division_of_work, plan.safeguards = title, division_of_work, safeguards
        plan.save()
        old = {(t.measure, t.year): t for t in plan.targets.all()}
        changed = []
        for item in sorted(set(old) | set(goals)):
            before = old[item].goal if item in old else None
            after = goals.get(item)
            if before == after:
                continue
            changed.append(
                {
                    "measure": item[0],
                    "year": item[1],
                    "from": None if before is None else str(before),
                    "to": None if after is None else str(after),
                }
            )
            if after is None:
                old[item].delete()
            elif item in old:
                old[item].goal = after
                old[item].save(update_fields=["goal"])
            else:
                TownTarget.objects.create(plan=plan, measure=item[0], year=item[1], goal=after)
        events.record(
            TargetEvent,
            actor=user,
            jurisdiction=town,
            plan=plan,
            action=EventAction.PLAN_SAVED,
            note=title,
            payload={"created": created, "changed": changed},
        )
    return plan


def add_note(user: "User", town: Jurisdiction, written_on: date, text: str) -> PlanNote:
    """A progress note on the town's plan, dated between the plan's first day and today."""
    check(user, "targets.plan", "填报实施方案推进情况", PlanRefused)
    town = town_for(user, getattr(town, "pk", town))
    today = timezone.localdate()
    if not isinstance(written_on, date):
        raise PlanRefused("请填写日期", field="written_on")
    if written_on > today:
        raise PlanRefused(f"日期不能晚于今天（{today:%Y-%m-%d}）", field="written_on")
    if written_on < FIRST_DAY:
        raise PlanRefused(f"日期不能早于实施方案起始日（{FIRST_DAY:%Y-%m-%d}）", field="written_on")
    text = (text or "").strip()
    if not text:
        raise PlanRefused("请填写推进情况", field="text")
    if len(text) > TEXT_MAX:
        raise PlanRefused(f"推进情况不能超过{TEXT_MAX}个字", field="text")
    problem = text_problem(text, multiline=True)
    if problem:
        raise PlanRefused(f"推进情况{problem}", field="text")
    with transaction.atomic():
        plan = TownPlan.objects.select_for_update().filter(jurisdiction=town).first()
        if plan is None:
            raise PlanRefused("本镇街尚未填报实施方案，请先填报方案", 409)
        note = PlanNote.objects.create(plan=plan, written_on=written_on, text=text, author=user)
        events.record(
            TargetEvent,
            actor=user,
            jurisdiction=town,
            plan=plan,
            action=EventAction.PLAN_NOTE,
            note=text[:200],
            payload={"note": note.pk, "written_on": written_on.isoformat()},
        )
    return note


# --- reading ------------------------------------------------------------------------------------


@dataclass
class GoalCell:
    year: int
    county: Decimal | None
    own: Decimal | None

    @property
    def goal(self) -> Decimal | None:
        return self.own if self.own is not None else self.county


@dataclass
class GoalRow:
    measure: Measure
    cells: list[GoalCell]


def goal_rows(plan: TownPlan | None) -> list[GoalRow]:
    """Every measure with, per plan year, the county's goal and the town's own."""
    own: dict[tuple[str, int], Decimal] = {}
    if plan is not None:
        own = {(t.measure, t.year): t.goal for t in plan.targets.all()}
    return [
        GoalRow(m, [GoalCell(y, m.goal(y), own.get((m.key, y))) for y in YEARS]) for m in MEASURES
    ]


# --- notification -------------------------------------------------------------------------------

# Who hears of a plan's events (for the 通知规则 page's table, as enterprises.people reads
# them): the county's supervisors over the town, who follow the towns' plans.
PLAN_RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    EventAction.PLAN_SAVED: (Audience(COUNTY, (Role.SUPERVISOR,)),),
    EventAction.PLAN_NOTE: (Audience(COUNTY, (Role.SUPERVISOR,)),),
}
PLAN_KINDS = {
    EventAction.PLAN_SAVED: "镇街填报或修改治本攻坚实施方案",
    EventAction.PLAN_NOTE: "镇街填报实施方案推进情况",
}


def plan_recipients(event: TargetEvent) -> list:
    """The active supervisors at the nodes above the plan's town (its county), not the actor."""
    from accounts.models import User

    town = event.jurisdiction
    above = ancestor_paths(town.path)[:-1]
    found = User.objects.filter(is_active=True, role=Role.SUPERVISOR, jurisdiction__path__in=above)
    if event.actor_id is not None:
        found = found.exclude(pk=event.actor_id)
    return list(found.order_by("pk"))


def plan_message(event: TargetEvent) -> events.Message | None:
    """A plan saved or a progress note: the county's supervisors. None for the other events
    (the reports', the snapshots')."""
    if event.action not in PLAN_RECIPIENTS or event.plan_id is None:
        return None
    town = event.jurisdiction
    if event.action == EventAction.PLAN_SAVED:
        changed = len((event.payload or {}).get("changed", []))
        title = f"【实施方案】{town.name}填报了治本攻坚实施方案"
        body = f"{event.note}；调整目标{changed}项" if changed else event.note
    else:
        title = f"【实施方案】{town.name}填报了推进情况"
        body = event.note
    return events.Message(plan_recipients(event), title, body, f"/targets/plans/{town.pk}/")
