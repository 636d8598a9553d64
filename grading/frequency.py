"""Supervision frequency (差异化监管): how often the bureau inspects an enterprise, from its
grade (SupervisionFrequency) and, for a standardized enterprise, reduced as task 13 promises
(FrequencyReduction). A standardized enterprise with an open major hazard keeps its grade's
frequency: task 12 makes a major hazard a veto (一票否决) on standardization."""

from dataclasses import dataclass
from decimal import Decimal

from grading.models import FrequencyReduction, SupervisionFrequency

VETO = "存在未销号重大事故隐患，标准化不予减少检查频次（任务12 重大事故隐患一票否决）"
NAMED = {12: "每月1次", 6: "每两个月1次", 4: "每季度1次", 3: "每四个月1次", 2: "每半年1次"}


@dataclass
class Frequency:
    per_year: Decimal
    label: str
    base_label: str
    base_source: str
    reduction: str = ""  # what reduced it, with its source
    note: str = ""


def describe(per_year: Decimal) -> str:
    if per_year <= 0:
        return "不安排检查"
    if per_year == per_year.to_integral_value():
        count = int(per_year)
        return NAMED.get(count, "每年1次" if count == 1 else f"每年{count}次")
    months = round(12 / float(per_year))
    if months % 12 == 0:
        return f"每{months // 12}年1次"
    return f"每{months}个月1次"


class Table:
    """The frequency data, read once (a page or an export asks for many enterprises)."""

    def __init__(self):
        self.base = {row.level: row for row in SupervisionFrequency.objects.all()}
        self.reductions = {row.standardization: row for row in FrequencyReduction.objects.all()}

    def for_grade(self, level: str, standardization: str, open_majors: int = 0):
        base = self.base.get(level)
        if base is None:
            return None
        result = Frequency(base.per_year, base.label, base.label, base.source)
        reduction = self.reductions.get(standardization)
        if reduction is None:
            return result
        if open_majors:
            result.note = VETO
            return result
        per_year = (base.per_year * reduction.multiplier).quantize(Decimal("0.01"))
        result.per_year = per_year
        result.label = describe(per_year)
        result.reduction = (
            f"{reduction.get_standardization_display()}：×{reduction.multiplier:g}"
            f"（{reduction.source}）"
        )
        return result


def open_majors(grade) -> int:
    for row in grade.explanation.get("factors", ()):
        if row[0] == "open_major_hazards":
            return row[1] or 0
    return 0


def for_enterprise_grade(grade, table: Table | None = None):
    table = table or Table()
    return table.for_grade(grade.level, grade.enterprise.standardization, open_majors(grade))
