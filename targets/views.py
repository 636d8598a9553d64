"""The targets dashboard (三年目标): a node's measures with their goals and lights, the year
ends and the trend, the child nodes' lights; the drill-down to the enterprises that keep a node
from a target; the Excel export of the tables; the bureau's recompute."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.http import xlsx_response
from core.xlsx import Workbook
from targets import measures, screen_views, services
from targets.measures import PERCENT


def _year(request, today) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in measures.YEARS and int(raw) <= today.year:
        return int(raw)
    return today.year


def _shown(value) -> str:
    return "—" if value is None else f"{value}"


def dashboard(request):
    require(request.user, "targets.view", "查看三年目标")
    node = services.node_for(request.user, request.GET.get("node"))
    today = timezone.localdate()
    year = _year(request, today)
    board = services.board(node, year)
    ancestors = [
        a for a in services.ancestors_of(node) if a.path.startswith(request.user.jurisdiction.path)
    ]
    return render(
        request,
        "targets/dashboard.html",
        {
            "board": board,
            "node": node,
            "year": year,
            "years": [y for y in measures.YEARS if y <= today.year],
            "ancestors": ancestors,
            "chart": screen_views.trend_data(board),
            "can_refresh": can(request.user, "targets.refresh"),
            "can_export": can(request.user, "targets.export"),
        },
    )


def gaps(request, measure: str):
    """One measure at a node: its trend over the year's month ends, and the enterprises under
    the node that keep it from the target."""
    require(request.user, "targets.view", "查看三年目标")
    found = measures.get(measure)
    if found is None:
        raise Http404
    node = services.node_for(request.user, request.GET.get("node"))
    board = services.board(node, with_children=False)
    enterprises = services.gap_enterprises(node, found)
    page = None
    if enterprises is not None:
        enterprises = enterprises.select_related("jurisdiction").order_by(
            "jurisdiction__sort_order", "jurisdiction__name", "name_initials", "pk"
        )
        page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "targets/gaps.html",
        {
            "measure": found,
            "node": node,
            "page": page,
            "line": next(line for line in board.lines if line.measure.key == found.key),
            "chart": screen_views.trend_data(board, keys=(found.key,)),
        },
    )


@require_POST
def refresh(request):
    """立即重算: the live figures now."""
    require(request.user, "targets.refresh", "重新计算目标指标")
    run = services.recompute(request.user)
    messages.success(request, f"已重新计算：{run.rows} 条，用时 {run.duration_ms / 1000:.1f} 秒")
    return redirect(reverse("targets:dashboard"))


def export(request):
    """Every table of the dashboard in one workbook: the measures, the child nodes per measure,
    the year ends."""
    require(request.user, "targets.export", "导出三年目标")
    node = services.node_for(request.user, request.GET.get("node"))
    today = timezone.localdate()
    year = _year(request, today)
    board = services.board(node, year)
    workbook = Workbook()
    sheet = workbook.sheet(
        f"{node.name}{year}年指标",
        ["指标", "依据", "当前值", "单位", "目标值", "县级目标", "状态", "说明"],
        freeze=True,
    )
    for line in board.lines:
        m = line.measure
        sheet.append(
            [
                m.label,
                m.task,
                line.now.value if line.now.value is not None else "",
                "%" if m.unit == PERCENT else "个",
                line.now.goal if line.now.goal is not None else "",
                line.now.county_goal if line.now.county_goal is not None else "",
                line.now.light_label,
                m.note + ("（目标值为本平台设定）" if m.drafted else ""),
            ]
        )
    if board.children:
        headers = ["下级区划"] + [m.label for m in measures.MEASURES]
        columns = [[cell for _child, cell in line.children] for line in board.lines]
        # A sheet is written through before the next is opened (core.xlsx streams them).
        values = workbook.sheet("下级区划指标", headers, freeze=True)
        for index, child in enumerate(board.children):
            values.append(
                [child.name] + ["" if c[index].value is None else c[index].value for c in columns]
            )
        lights = workbook.sheet("下级区划状态", headers, freeze=True)
        for index, child in enumerate(board.children):
            lights.append([child.name] + [c[index].light_label for c in columns])
    ends = workbook.sheet(
        "年末指标",
        ["指标"] + [f"{y}年末" for y in measures.YEARS],
        freeze=True,
    )
    for line in board.lines:
        ends.append(
            [line.measure.label]
            + [
                (f.value if f.value is not None else "") if f is not None else "未记录"
                for f in line.year_ends.values()
            ]
        )
    return xlsx_response(workbook, f"三年目标-{node.name}-{today:%Y%m%d}.xlsx")
