"""/api/v1/targets: the dashboard's figures for other platforms. One node (the user's own by
default, any node in scope with `node`) and year: per measure its source, unit, value now (or
at the year end, for a past year), goal, light, the year ends, and the child nodes' values and
lights. Out of scope, a node is a 404."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from accounts.roles import require
from core.api_schemas import ErrorOut, Int64
from targets import services

router = Router(tags=["三年目标"])


class TargetFilters(Schema):
    node: Int64 | None = Field(None, description="区划编号，缺省为本人所属区划")
    year: int | None = Field(None, ge=2024, le=2026, description="年度（2024—2026）")


class TargetFigureOut(Schema):
    numerator: int
    denominator: int | None
    value: float | None


class TargetChildOut(Schema):
    node: int
    name: str
    value: float | None
    goal: float | None
    light: str


class TargetMeasureOut(Schema):
    key: str
    label: str
    task: str
    source: str
    unit: str = Field(description="percent：百分比；count：数量")
    better: str = Field(description="higher：越高越好；lower：越低越好")
    drafted: bool = Field(description="目标值为本平台设定（方案原文未给出数值）")
    value: float | None
    numerator: int
    denominator: int | None
    goal: float | None
    county_goal: float | None
    light: str = Field(description="green 达标 / yellow 接近 / red 未达标 / grey 无目标")
    year_ends: dict[str, TargetFigureOut | None]
    children: list[TargetChildOut]


class TargetBoardOut(Schema):
    node: int
    name: str
    kind: str
    year: int
    computed_at: datetime | None
    computed_ms: int | None
    as_of: date | None
    measures: list[TargetMeasureOut]


def _float(value):
    return None if value is None else float(value)


@router.get(
    "", response={200: TargetBoardOut, 404: ErrorOut}, summary="三年目标指标（本区划及下级）"
)
def targets(request, filters: Query[TargetFilters]):
    require(request.user, "targets.view", "查看三年目标")
    node = services.node_for(request.user, filters.node)
    today = timezone.localdate()
    year = filters.year if filters.year and filters.year <= today.year else today.year
    board = services.board(node, year)
    out = []
    for line in board.lines:
        m = line.measure
        out.append(
            {
                "key": m.key,
                "label": m.label,
                "task": m.task,
                "source": m.source,
                "unit": m.unit,
                "better": m.better,
                "drafted": m.drafted,
                "value": _float(line.now.value),
                "numerator": line.now.figure.numerator,
                "denominator": line.now.figure.denominator,
                "goal": _float(line.now.goal),
                "county_goal": _float(line.now.county_goal),
                "light": line.now.light,
                "year_ends": {
                    str(y): None
                    if f is None
                    else {
                        "numerator": f.numerator,
                        "denominator": f.denominator,
                        "value": _float(f.value),
                    }
                    for y, f in line.year_ends.items()
                },
                "children": [
                    {
                        "node": child.pk,
                        "name": child.name,
                        "value": _float(c.value),
                        "goal": _float(c.goal),
                        "light": c.light,
                    }
                    for child, c in line.children
                ],
            }
        )
    run = board.run
    return {
        "node": node.pk,
        "name": node.name,
        "kind": node.kind,
        "year": year,
        "computed_at": run.started_at if run else None,
        "computed_ms": run.duration_ms if run else None,
        "as_of": run.period_end if run else None,
        "measures": out,
    }
