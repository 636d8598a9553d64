"""Read-only counts of the register: an enterprise's summary (units by the colour of their
highest risk, risks by colour, the red ones), and the four-colour distribution of a
jurisdiction (counts by colour and by accident type), each a few aggregate queries."""

from django.db.models import Count, Exists, Min, OuterRef, Q

from accidents.reference import CATEGORY_CHOICES
from risks.models import Measure, Risk, RiskUnit
from risks.reference import COLOUR_HEX, COLOUR_ORDER, ControlLevel

RANK_COLOUR = {index + 1: colour for index, colour in enumerate(COLOUR_ORDER)}


def company_controlled():
    """An active company-level measure of the outer risk."""
    return Exists(
        Measure.objects.filter(
            risk=OuterRef("pk"), withdrawn_at__isnull=True, control_level=ControlLevel.COMPANY
        )
    )


def colour_rows(counts: dict) -> list[dict]:
    """[{colour, label, hex, count}] in the order red → blue."""
    return [
        {"colour": str(c), "label": c.label, "hex": COLOUR_HEX[c], "count": counts.get(c, 0)}
        for c in COLOUR_ORDER
    ]


def enterprise_summary(enterprise) -> dict:
    risks = Risk.objects.current().filter(enterprise=enterprise)
    by_colour = dict(risks.values_list("colour").annotate(n=Count("id")).order_by())
    units = (
        RiskUnit.objects.filter(enterprise=enterprise)
        .annotate(top=Min("points__risks__rank", filter=Q(points__risks__retired_at=None)))
        .values_list("top", flat=True)
    )
    unit_counts: dict = {}
    unassessed = 0
    for top in units:
        if top is None:
            unassessed += 1
        else:
            unit_counts[RANK_COLOUR[top]] = unit_counts.get(RANK_COLOUR[top], 0) + 1
    red = list(
        risks.filter(colour="red")
        .annotate(controlled=company_controlled())
        .select_related("point", "point__unit", "current")
        .order_by("id")
    )
    return {
        "risk_colours": colour_rows(by_colour),
        "unit_colours": colour_rows(unit_counts),
        "unassessed_units": unassessed,
        "red_risks": red,
        "risk_total": sum(by_colour.values()),
    }


def distribution(risks) -> dict:
    """Counts of the given (scoped) current risks by colour and by accident type, and the
    enterprises with a red risk."""
    by_colour = dict(risks.values_list("colour").annotate(n=Count("id")).order_by())
    labels = dict(CATEGORY_CHOICES)
    by_type = [
        {"type": labels.get(t, t), "count": n}
        for t, n in risks.values_list("accident_type")
        .annotate(n=Count("id"))
        .order_by("-n", "accident_type")
    ]
    return {
        "colours": colour_rows(by_colour),
        "types": by_type,
        "total": sum(by_colour.values()),
    }


# How far back missed checks count towards "not running" (真建、真用, seed task 12), and for
# grading: the last 30 days.
MISSED_WINDOW_DAYS = 30


def missed_since(today):
    from datetime import timedelta

    return today - timedelta(days=MISSED_WINDOW_DAYS)


def not_running(enterprises, today):
    """The operating enterprises (of the given scoped queryset) whose dual-prevention system is
    not running: no active control measure at all (not built), or routine checks missed in the
    last MISSED_WINDOW_DAYS days (not used); most missed first."""
    from django.db.models import IntegerField, Subquery, Value
    from django.db.models.functions import Coalesce

    from enterprises.choices import Status
    from risks.models import CheckResult, CheckTask

    missed = (
        CheckTask.objects.filter(
            enterprise=OuterRef("pk"),
            result=CheckResult.PENDING,
            due_on__lt=today,
            due_on__gte=missed_since(today),
        )
        .order_by()
        .values("enterprise")
        .annotate(n=Count("id"))
        .values("n")
    )
    built = Measure.objects.filter(enterprise=OuterRef("pk"), withdrawn_at__isnull=True)
    return (
        enterprises.filter(status=Status.OPERATING)
        .annotate(
            missed=Coalesce(Subquery(missed, output_field=IntegerField()), Value(0)),
            built=Exists(built),
        )
        .filter(Q(missed__gt=0) | Q(built=False))
        .order_by("-missed", "name", "pk")
    )


RED_LIST_LIMIT = 50


def area_distribution(user, town=None) -> dict:
    """The four-colour distribution of the user's area (or one town of it): risks by colour,
    by accident type, and per town by colour; and its red risks (the first RED_LIST_LIMIT,
    those without company-level control first), which stay on the page while red."""
    from core.models import Jurisdiction

    risks = Risk.objects.for_user(user).current()
    if town is not None:
        risks = risks.filter(enterprise__scope_path__startswith=town.path)
    found = distribution(risks)
    rows = (
        risks.values_list("enterprise__jurisdiction", "colour").annotate(n=Count("id")).order_by()
    )
    per_town: dict = {}
    for town_id, colour, n in rows:
        per_town.setdefault(town_id, {})[colour] = n
    towns = Jurisdiction.objects.for_user(user).town_level().order_by("sort_order", "name")
    if town is not None:
        towns = towns.filter(pk=town.pk)
    towns = [t for t in towns if t.pk in per_town]
    found["towns"] = {
        "names": [t.name for t in towns],
        **{str(c): [per_town[t.pk].get(c, 0) for t in towns] for c in COLOUR_ORDER},
    }
    found["red"] = list(
        risks.filter(colour="red")
        .annotate(controlled=company_controlled())
        .select_related("enterprise", "point", "point__unit", "current")
        .order_by("controlled", "-id")[:RED_LIST_LIMIT]
    )
    found["red_total"] = next(r["count"] for r in found["colours"] if r["colour"] == "red")
    return found


def plan_marks(enterprise) -> list[dict]:
    """The units placed on the site plan, each in the colour of its highest current risk."""
    units = (
        RiskUnit.objects.filter(enterprise=enterprise, plan_x__isnull=False)
        .annotate(top=Min("points__risks__rank", filter=Q(points__risks__retired_at=None)))
        .order_by("name")
    )
    return [
        {
            "name": unit.name,
            "x": format(unit.plan_x, "f"),
            "y": format(unit.plan_y, "f"),
            "colour": str(RANK_COLOUR[unit.top]) if unit.top else "none",
        }
        for unit in units
    ]
