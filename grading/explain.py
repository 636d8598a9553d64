"""A grade's explanation as rows a person reads: each factor's label, value, points,
contribution and source. The stored explanation keeps the numbers as they were computed; the
labels and sources come from the factor rows."""

from decimal import Decimal

from enterprises.choices import Industry, Standardization
from grading.measures import MEASURES
from grading.models import FactorGroup, GradingFactor

YES_NO_MEASURES = {"sector_tag", "above_scale", "not_connected"}
CATEGORY_LABELS = {
    "industry": dict(Industry.choices),
    "standardization": dict(Standardization.choices),
}


def value_display(factor, value) -> str:
    if value is None:  # an explanation stored before the factor had data
        return "—"
    if factor is None:
        return str(value)
    if factor.measure in CATEGORY_LABELS:
        return str(CATEGORY_LABELS[factor.measure].get(value, value or "—"))
    if factor.measure in YES_NO_MEASURES:
        return "是" if value else "否"
    measure = MEASURES.get(factor.measure)
    unit = measure.unit if measure else ""
    return f"{value}{unit}"


def rows(grade, factors: dict | None = None) -> list[dict]:
    if factors is None:
        factors = {factor.code: factor for factor in GradingFactor.objects.all()}
    groups = dict(FactorGroup.choices)
    result = []
    for code, value, points, contribution in grade.explanation.get("factors", ()):
        factor = factors.get(code)
        result.append(
            {
                "code": code,
                "label": factor.label if factor else code,
                "group": groups.get(factor.group, "") if factor else "",
                "value": value,
                "value_display": value_display(factor, value),
                "points": points,
                "weight": factor.weight if factor else None,
                "contribution": contribution,
                "source": factor.source if factor else "",
                "note": factor.note if factor else "",
                "floor": bool(grade.explanation.get("floor"))
                and grade.explanation["floor"][0] == code,
            }
        )
    return result


def total(explained: list[dict]) -> Decimal:
    return sum((Decimal(str(row["contribution"])) for row in explained), Decimal(0))
