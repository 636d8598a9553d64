"""Enforcement statistics per town and month (seed task 24): completed inspections, hazards
they found, the major ones, penalty cases filed and their amounts. Towns with no penalty case
in the year (零处罚) and towns that inspected but filed no case (只检查不处罚) are flagged:
the plan targets them for assistance (执法指导帮扶).

Everything is counted inside the user's scope (the scoping gate), by the town of the
enterprise (Enterprise.jurisdiction), by month of the inspection date and of the filing date.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from core.models import Jurisdiction
from core.xlsx import BOLD, Workbook
from enforcement.models import (
    Inspection,
    InspectionAnswer,
    Penalty,
    RemoteInspection,
    RemoteOutcome,
    RemoteState,
)

FLAG_SOURCE = "治本攻坚方案 任务24：选取“零处罚”“只检查不处罚”等工作不力的辖区开展执法指导帮扶"
ZERO_PENALTY = "零处罚"
CHECK_ONLY = "只检查不处罚"
MEASURES = ("inspections", "hazards", "majors", "penalties", "amount")


@dataclass
class TownStats:
    town: Jurisdiction
    months: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def total(self, measure):
        start = Decimal(0) if measure == "amount" else 0
        return sum((m[measure] for m in self.months.values()), start)

    @property
    def totals(self) -> dict:
        return {measure: self.total(measure) for measure in MEASURES}

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.total("penalties") == 0:
            flags.append(ZERO_PENALTY)
            if self.total("inspections") > 0:
                flags.append(CHECK_ONLY)
        return flags

    def month(self, number) -> dict:
        row = self.months.get(number, {})
        return {measure: row.get(measure, 0) for measure in MEASURES}


def towns_for(user):
    """The town-level jurisdictions a user's statistics are about."""
    if not user.jurisdiction_id:
        return Jurisdiction.objects.none()
    node = user.jurisdiction
    town = node.town()
    if town is not None:
        return Jurisdiction.objects.filter(pk=town.pk)
    return Jurisdiction.objects.filter(path__startswith=node.path).town_level()


def by_town(user, year: int) -> list[TownStats]:
    towns = list(towns_for(user).order_by("sort_order", "path"))
    stats = {t.pk: TownStats(t) for t in towns}

    inspections = Inspection.objects.for_user(user).completed().filter(inspected_on__year=year)
    for town_id, month, count in (
        inspections.annotate(month=ExtractMonth("inspected_on"))
        .values("enterprise__jurisdiction_id", "month")
        .annotate(n=Count("id"))
        .values_list("enterprise__jurisdiction_id", "month", "n")
    ):
        if town_id in stats:
            stats[town_id].months[month]["inspections"] += count

    answers = InspectionAnswer.objects.filter(
        inspection__in=inspections.values("pk"), hazard__isnull=False
    )
    for town_id, month, count, majors in (
        answers.annotate(month=ExtractMonth("inspection__inspected_on"))
        .values("inspection__enterprise__jurisdiction_id", "month")
        .annotate(n=Count("id"), majors=Count("id", filter=Q(hazard__is_major=True)))
        .values_list("inspection__enterprise__jurisdiction_id", "month", "n", "majors")
    ):
        if town_id in stats:
            stats[town_id].months[month]["hazards"] += count
            stats[town_id].months[month]["majors"] += majors

    penalties = Penalty.objects.for_user(user).filter(filed_on__year=year)
    for town_id, month, count, amount in (
        penalties.annotate(month=ExtractMonth("filed_on"))
        .values("enterprise__jurisdiction_id", "month")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .values_list("enterprise__jurisdiction_id", "month", "n", "amount")
    ):
        if town_id in stats:
            stats[town_id].months[month]["penalties"] += count
            stats[town_id].months[month]["amount"] += Decimal(amount or 0)
    return [stats[t.pk] for t in towns]


# --- per town -----------------------------------------------------------------------------------


@dataclass
class TownRemote:
    town: Jurisdiction
    opened: int = 0
    closed: int = 0
    awaiting: int = 0
    overdue: int = 0
    outcomes: dict | None = None

    @property
    def able(self) -> bool:
        """The town handled at least one remote case this year (每个镇街都能开展非现场执法)."""
        return self.closed > 0


def remote_by_town(user, year: int, today: date | None = None) -> list[TownRemote]:
    """Per town of the user's statistics (by the enterprise's town): remote inspections opened
    in the year, closed (decided) in the year with their outcomes, and those still awaiting an
    explanation, overdue among them."""
    today = today or timezone.localdate()
    towns = list(towns_for(user).order_by("sort_order", "path"))
    rows = {t.pk: TownRemote(t, outcomes={o: 0 for o in RemoteOutcome.values}) for t in towns}
    scoped = RemoteInspection.objects.for_user(user, "remote.view")
    for town_id, count in (
        scoped.filter(opened_on__year=year)
        .values("enterprise__jurisdiction_id")
        .annotate(n=Count("pk"))
        .values_list("enterprise__jurisdiction_id", "n")
    ):
        if town_id in rows:
            rows[town_id].opened += count
    for town_id, outcome, count in (
        scoped.filter(state=RemoteState.DECIDED, decided_on__year=year)
        .values("enterprise__jurisdiction_id", "outcome")
        .annotate(n=Count("pk"))
        .values_list("enterprise__jurisdiction_id", "outcome", "n")
    ):
        if town_id in rows:
            rows[town_id].closed += count
            rows[town_id].outcomes[outcome] += count
    for town_id, awaiting, overdue in (
        scoped.filter(state=RemoteState.AWAITING)
        .values("enterprise__jurisdiction_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
        .values_list("enterprise__jurisdiction_id", "n", "late")
    ):
        if town_id in rows:
            rows[town_id].awaiting += awaiting
            rows[town_id].overdue += overdue
    return [rows[t.pk] for t in towns]


def by_month(rows: list[TownStats]) -> list[dict]:
    """The towns' figures added up per month (1–12)."""
    result = []
    for month in range(1, 13):
        total = {measure: 0 for measure in MEASURES}
        total["amount"] = Decimal(0)
        for row in rows:
            for measure, value in row.month(month).items():
                total[measure] += value
        result.append({"month": month, **total})
    return result


def workbook(rows: list[TownStats], year: int) -> Workbook:
    book = Workbook()
    sheet = book.sheet("按镇街", widths=[18, None, None, None, None, None, 24])
    headers = ["镇街", "检查（次）", "发现隐患", "其中重大", "处罚（件）", "罚款（元）", "提示"]
    sheet.append([f"{year}年执法检查统计（按镇街）"])
    sheet.append(headers, style=BOLD)
    for row in rows:
        totals = row.totals
        sheet.append(
            [
                row.town.name,
                totals["inspections"],
                totals["hazards"],
                totals["majors"],
                totals["penalties"],
                float(totals["amount"]),
                "、".join(row.flags),
            ]
        )
    sheet.append([])
    sheet.append([FLAG_SOURCE])

    monthly = book.sheet(
        "按镇街按月",
        ["镇街", "月份", "检查（次）", "发现隐患", "其中重大", "处罚（件）", "罚款（元）"],
        widths=[18],
        header_style=BOLD,
    )
    for row in rows:
        for month in range(1, 13):
            figures = row.month(month)
            monthly.append(
                [
                    row.town.name,
                    f"{month}月",
                    figures["inspections"],
                    figures["hazards"],
                    figures["majors"],
                    figures["penalties"],
                    float(figures["amount"]),
                ]
            )
    return book
