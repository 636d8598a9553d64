"""The targets' figures: computed for every town, summed up the tree, stored as snapshots, and
read back per node for the dashboard, the API, the reports and the large screen.

- `refresh_live(today)`: the live figures, replaced (nightly, and on the bureau's request).
- `freeze(period, period_end)`: a month's or year's figures, written once; asked again, it
  keeps what it wrote (a snapshot never changes once stored).
- `board(node, year)`: one node's measures with the node's value, its goal and light, the year
  ends, the monthly trend and its child nodes' values: a handful of indexed reads, whatever the
  size of the tree below (the summing is done when the snapshot is written).
- `gap_enterprises(user, node, measure, today)`: the drill-down, live."""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import events
from core.errors import Refused
from core.models import Jurisdiction, JurisdictionKind
from core.scoping import ancestor_paths
from targets import measures
from targets.measures import MEASURES, Figure, Measure
from targets.models import EventAction, Period, Snapshot, SnapshotRun, TargetEvent, TownTarget

if TYPE_CHECKING:
    from accounts.models import User


class TargetsRefused(Refused):
    pass


def month_end(day: date) -> date:
    first_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def previous_month_end(day: date) -> date:
    return date(day.year, day.month, 1) - timedelta(days=1)


# --- computing and storing ----------------------------------------------------------------------


def compute(as_of: date, only_dated: bool = False) -> dict[str, measures.Figures]:
    """Every measure's figures per town as of the day."""
    return {
        measure.key: measure.compute(as_of)
        for measure in MEASURES
        if measure.dated or not only_dated
    }


def _summed_up(figures: measures.Figures, paths: dict[int, str], ids: dict[str, int]) -> dict:
    """Each town's figure added to every node above it (and itself): {node id: [num, den]}."""
    nodes: dict[int, list] = defaultdict(lambda: [0, None])
    for town, (numerator, denominator) in figures.items():
        path = paths.get(town)
        if path is None:
            continue
        for ancestor in ancestor_paths(path):
            node = nodes[ids[ancestor]]
            node[0] += numerator
            if denominator is not None:
                node[1] = (node[1] or 0) + denominator
    return nodes


def _write(period: str, period_end: date, backfilled: bool, only_dated: bool) -> SnapshotRun:
    started = time.monotonic()
    run = SnapshotRun.objects.create(
        period=period, period_end=period_end, backfilled=backfilled, started_at=timezone.now()
    )
    figures = compute(period_end, only_dated=only_dated)
    tree = list(Jurisdiction.objects.exclude(kind=JurisdictionKind.GRID).values_list("pk", "path"))
    paths = dict(tree)
    ids = {path: pk for pk, path in tree}
    rows = []
    for key, per_town in figures.items():
        # Every node gets a row, zero where nothing was found: "none" is a figure too.
        empty = None if measures.BY_KEY[key].unit == measures.COUNT else 0
        summed = _summed_up(per_town, paths, ids)
        for node in paths:
            numerator, denominator = summed.get(node, (0, empty))
            rows.append(
                Snapshot(
                    jurisdiction_id=node,
                    measure=key,
                    period=period,
                    period_end=period_end,
                    numerator=numerator,
                    denominator=denominator,
                    run=run,
                )
            )
    Snapshot.objects.bulk_create(rows, batch_size=2000)
    run.rows = len(rows)
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["rows", "duration_ms"])
    return run


def refresh_live(today: date | None = None) -> SnapshotRun:
    """Replace the live figures with today's."""
    today = today or timezone.localdate()
    with transaction.atomic():
        Snapshot.objects.filter(period=Period.LIVE).delete()
        return _write(Period.LIVE, today, backfilled=False, only_dated=False)


def freeze(period: str, period_end: date, today: date | None = None) -> SnapshotRun | None:
    """Store a month's or a year's figures once. A period already stored is kept as it is
    (None). Computed more than a week after the period ended, the run is marked backfilled
    and only the measures read by their records' dates are stored."""
    today = today or timezone.localdate()
    if period not in (Period.MONTH, Period.YEAR):
        raise TargetsRefused("只能冻结月末或年末指标")
    if period_end > today:
        raise TargetsRefused("期末尚未到，不能冻结")
    with transaction.atomic():
        if SnapshotRun.objects.filter(period=period, period_end=period_end).exists():
            return None
        late = (today - period_end).days > 7
        return _write(period, period_end, backfilled=late, only_dated=late)


def nightly(today: date | None = None) -> list[SnapshotRun]:
    """The night's work: the month just ended (and the year, on 1 January) frozen, then the
    live figures refreshed."""
    today = today or timezone.localdate()
    runs = []
    if today.day == 1:
        ended = previous_month_end(today)
        runs.append(freeze(Period.MONTH, ended, today))
        if ended.month == 12:
            runs.append(freeze(Period.YEAR, ended, today))
    runs.append(refresh_live(today))
    return [run for run in runs if run is not None]


def backfill(first_year: int, today: date | None = None) -> list[SnapshotRun]:
    """The year ends and month ends from `first_year` to last month, where not yet stored."""
    today = today or timezone.localdate()
    runs = []
    day = month_end(date(first_year, 1, 1))
    while day < today:
        runs.append(freeze(Period.MONTH, day, today))
        if day.month == 12:
            runs.append(freeze(Period.YEAR, day, today))
        day = month_end(day + timedelta(days=1))
    return [run for run in runs if run is not None]


def record_snapshot_event(actor, run: SnapshotRun, node: Jurisdiction) -> TargetEvent:
    return events.record(
        TargetEvent,
        actor=actor,
        jurisdiction=node,
        action=EventAction.SNAPSHOT,
        note=f"{run.get_period_display()} {run.period_end}",
        payload={"run": run.pk, "rows": run.rows, "ms": run.duration_ms},
    )


def recompute(user: "User") -> SnapshotRun:
    """The bureau's 立即重算: the live figures now (the page says how long it took)."""
    from core.gate import check

    check(user, "targets.refresh", "重新计算目标指标")
    node = user.jurisdiction
    if node is None:  # a role with targets.refresh sits at a node (accounts.models.User.clean)
        raise TargetsRefused("只有所属区划的人员可以重新计算")
    run = refresh_live()
    with transaction.atomic():
        record_snapshot_event(user, run, node)
    return run


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Cell:
    """A measure at a node: its figure, goal and light."""

    figure: Figure
    goal: Decimal | None
    county_goal: Decimal | None
    light: str

    @property
    def value(self) -> Decimal | None:
        return self.figure.value

    @property
    def light_label(self) -> str:
        return measures.LIGHT_LABELS[self.light]


@dataclass
class Line:
    """One measure on a node's board."""

    measure: Measure
    now: Cell
    year_ends: dict[int, Figure | None] = field(default_factory=dict)
    trend: list[tuple[date, Decimal | None]] = field(default_factory=list)
    children: list[tuple[Jurisdiction, Cell]] = field(default_factory=list)


@dataclass
class Board:
    node: Jurisdiction
    year: int
    run: SnapshotRun | None
    lines: list[Line]
    children: list[Jurisdiction]

    @property
    def rows(self) -> list[tuple[Jurisdiction, list[Cell]]]:
        """The child nodes, each with its cell per measure (the table's rows)."""
        columns = [[c for _node, c in line.children] for line in self.lines]
        return [
            (child, [column[index] for column in columns])
            for index, child in enumerate(self.children)
        ]


def nodes_for(user: "User"):
    """The nodes a user may open a board for: their own and everything below but grids."""
    return (
        Jurisdiction.objects.for_user(user)
        .exclude(kind=JurisdictionKind.GRID)
        .order_by("path", "sort_order")
    )


def own_goals(nodes: list[Jurisdiction], year: int) -> dict[tuple[int, str], Decimal]:
    """The goals towns set themselves in their plans for the year: {(town, measure): goal}."""
    rows = TownTarget.objects.filter(plan__jurisdiction__in=nodes, year=year).values_list(
        "plan__jurisdiction_id", "measure", "goal"
    )
    return {(town, key): goal for town, key, goal in rows}


def _figure(measure: Measure, row: Snapshot | None) -> Figure:
    if row is None:
        return Figure(0, 0 if measure.unit == measures.PERCENT else None, measure.unit)
    return Figure(row.numerator, row.denominator, measure.unit)


def cell(measure: Measure, figure: Figure, year: int, own: Decimal | None = None) -> Cell:
    county_goal = measure.goal(year)
    goal = own if own is not None else county_goal
    return Cell(figure, goal, county_goal, measures.light(measure, figure.value, goal))


def latest_run() -> SnapshotRun | None:
    return SnapshotRun.objects.filter(period=Period.LIVE).order_by("-started_at").first()


def board(node: Jurisdiction, year: int | None = None, with_children: bool = True) -> Board:
    """The node's board: live figures (or the year's end, for a past year), the year ends of
    the plan's years, the months of the year for the trend, and the child nodes' cells."""
    run = latest_run()
    today = run.period_end if run else timezone.localdate()
    year = year or today.year
    children = (
        list(
            Jurisdiction.objects.filter(parent=node)
            .exclude(kind=JurisdictionKind.GRID)
            .order_by("sort_order", "path")
        )
        if with_children
        else []
    )
    past = year < today.year
    current = Q(period=Period.LIVE)
    if past:
        current = Q(period=Period.YEAR, period_end=date(year, 12, 31))
    rows = list(Snapshot.objects.filter(Q(jurisdiction__in=[node, *children]) & current))
    history = list(
        Snapshot.objects.filter(jurisdiction=node).filter(
            Q(period=Period.YEAR, period_end__year__in=measures.YEARS)
            | Q(period=Period.MONTH, period_end__year=year)
        )
    )
    now = {(r.jurisdiction_id, r.measure): r for r in rows}
    ends: dict[tuple[str, int], Snapshot] = {}
    months: dict[str, list[Snapshot]] = defaultdict(list)
    for r in history:
        if r.period == Period.YEAR:
            ends[(r.measure, r.period_end.year)] = r
        else:
            months[r.measure].append(r)
    own = own_goals([node, *children], year)
    lines = []
    for measure in MEASURES:
        figure = _figure(measure, now.get((node.pk, measure.key)))
        line = Line(measure, cell(measure, figure, year, own.get((node.pk, measure.key))))
        for y in measures.YEARS:
            r = ends.get((measure.key, y))
            line.year_ends[y] = _figure(measure, r) if r else None
        for r in sorted(months[measure.key], key=lambda r: r.period_end):
            line.trend.append((r.period_end, _figure(measure, r).value))
        if not past:
            line.trend.append((today, figure.value))
        for child in children:
            child_figure = _figure(measure, now.get((child.pk, measure.key)))
            line.children.append(
                (child, cell(measure, child_figure, year, own.get((child.pk, measure.key))))
            )
        lines.append(line)
    return Board(node=node, year=year, run=run, lines=lines, children=children)


def node_for(user: "User", node_id: Any = None) -> Jurisdiction:
    """The node a user asks for (their own by default); outside their scope it is not found."""
    from django.http import Http404

    nodes = nodes_for(user)
    if node_id in (None, ""):
        node = user.jurisdiction
        if node is None or node.kind == JurisdictionKind.GRID:
            raise Http404
        return node
    try:
        return nodes.get(pk=int(node_id))
    except (ValueError, TypeError, Jurisdiction.DoesNotExist) as exc:
        raise Http404 from exc


def gap_enterprises(node: Jurisdiction, measure: Measure, today: date | None = None):
    """The enterprises under the node that keep it from the measure's target, live; None for
    a measure about towns."""
    from enterprises.models import Enterprise

    if measure.gaps is None:
        return None
    today = today or timezone.localdate()
    enterprises = Enterprise.objects.filter(scope_path__startswith=node.path)
    return measure.gaps(enterprises, today)


def ancestors_of(node: Jurisdiction) -> list[Jurisdiction]:
    paths = ancestor_paths(node.path)[:-1]
    return list(Jurisdiction.objects.filter(path__in=paths).order_by("path"))
