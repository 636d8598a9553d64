"""The zero-out board (动态清零, seed task 6, hazards.transitions.ZERO_OUT): where the county and
each town stand with their major hazards, and what still stands between them and the 31 January
deadline: the open majors of the year being cleared and those carried over from earlier years,
which are overdue by the rule until they are closed."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q
from django.utils import timezone

from core.models import Jurisdiction
from hazards.models import OPEN_STATES, Hazard, State, overdue_condition
from hazards.transitions import ZERO_OUT

# The most urgent blockers the page lists; the count says how many there are in all, and the
# ledger lists every one (a province's board rendered 200 rows in about 100 ms).
BLOCKER_LIMIT = 100


def target_year(today: date) -> int:
    return ZERO_OUT.target_year(today)


def deadline_for(year: int) -> date:
    return ZERO_OUT.deadline_for(year)


@dataclass
class Row:
    name: str
    jurisdiction_id: int | None
    open_majors: int = 0
    overdue: int = 0
    closed_this_year: int = 0
    listed: int = 0
    blocking: int = 0  # open majors found in the target year or before
    carried_over: int = 0  # of those, found before the target year: overdue by the rule


@dataclass
class Board:
    today: date
    year: int
    deadline: date
    days_left: int
    total: Row
    towns: list[Row] = field(default_factory=list)
    # What a row of `towns` is: a town, or for a user above the county the nodes right below
    # theirs (a province's cities, a city's counties): a province's 1,700 towns in one table
    # would say little.
    row_label: str = "镇街"
    blockers: list = field(default_factory=list)


def _counts(today: date, year: int):
    open_major = Q(is_major=True, state__in=OPEN_STATES)
    return {
        "open_majors": Count("pk", filter=open_major),
        "overdue": Count("pk", filter=open_major & overdue_condition(today)),
        "closed_this_year": Count(
            "pk", filter=Q(is_major=True, state=State.CLOSED, closed_at__year=today.year)
        ),
        "listed": Count("pk", filter=open_major & ~Q(listed_level="")),
        "blocking": Count("pk", filter=open_major & Q(found_on__lt=date(year + 1, 1, 1))),
        "carried_over": Count("pk", filter=open_major & Q(found_on__lt=date(year, 1, 1))),
    }


def build(user, today: date | None = None, blocker_limit: int | None = None) -> Board:
    today = today or timezone.localdate()
    blocker_limit = blocker_limit or BLOCKER_LIMIT
    year = target_year(today)
    deadline = deadline_for(year)
    hazards = Hazard.objects.for_user(user).filter(is_major=True)
    counts = _counts(today, year)
    # Every count is of open majors or of those closed this year: the rest is not read.
    counted = hazards.filter(
        Q(state__in=OPEN_STATES) | Q(state=State.CLOSED, closed_at__year=today.year)
    )
    by_town = {
        row.pop("enterprise__jurisdiction"): row
        for row in counted.values("enterprise__jurisdiction").annotate(**counts).order_by()
    }
    # Every hazard falls in one group, so the total is the groups' sum: one pass, not two.
    total = Row("合计", None, **{key: sum(row[key] for row in by_town.values()) for key in counts})
    node = user.jurisdiction if user.jurisdiction_id else None
    row_label = "镇街"
    if node is not None and node.is_above_county:
        towns, row_label = _rows_below(node, by_town, counts), "下级区划"
    else:
        towns = [
            Row(town.name, town.pk, **by_town.get(town.pk, {}))
            for town in Jurisdiction.objects.for_user(user)
            .town_level()
            .order_by("sort_order", "name")
        ]
    # Those carried over from earlier years first (overdue by the rule), then the target year's,
    # each by deadline: two walks of the open majors' deadline index that stop at the limit,
    # where one order over both would sort every open major.
    open_majors = hazards.filter(state__in=OPEN_STATES).select_related(
        "enterprise", "enterprise__jurisdiction", "criterion"
    )
    by_deadline = (F("deadline").asc(nulls_last=True), "found_on", "pk")
    blockers = list(
        open_majors.filter(found_on__lt=date(year, 1, 1)).order_by(*by_deadline)[:blocker_limit]
    )
    if len(blockers) < blocker_limit:
        blockers += open_majors.filter(
            found_on__gte=date(year, 1, 1), found_on__lt=date(year + 1, 1, 1)
        ).order_by(*by_deadline)[: blocker_limit - len(blockers)]
    return Board(
        today=today,
        year=year,
        deadline=deadline,
        days_left=(deadline - today).days,
        total=total,
        towns=towns,
        blockers=blockers,
        row_label=row_label,
    )


def _rows_below(node, by_town: dict, counts: dict) -> list[Row]:
    """The towns' figures summed per node right below `node` (a city or a county)."""
    depth = len(node.path.strip("/").split("/"))
    children = list(Jurisdiction.objects.filter(parent=node).order_by("sort_order", "name"))
    sums = {child.pk: dict.fromkeys(counts, 0) for child in children}
    paths = Jurisdiction.objects.filter(pk__in=list(by_town)).values_list("pk", "path")
    for town_id, path in paths:
        child_id = int(path.strip("/").split("/")[depth])
        if child_id in sums:
            for key in counts:
                sums[child_id][key] += by_town[town_id][key]
    return [Row(child.name, child.pk, **sums[child.pk]) for child in children]
