"""The monthly and annual reports (issue 17): drafted from the period-end figures, edited by
the bureau, issued with a number, never changed after.

- `draft(user, kind, node_id, year, month)`: gathers the period's figures into `Report.content`
  (JSON-safe; the tables of the Word and Excel files): per measure the node's value, goal,
  light and the change since the previous period end, each child node's value (the month-end
  or year-end snapshots; a measure without a stored figure is computed now through
  `measures` and marked so), the overdue major hazards and the listed (挂牌督办) hazards open at
  the period end (counts and the first LIST_LIMIT), the period's enforcement statistics and
  alarms per town (grouped queries, one per table, whatever the number of enterprises), the
  node's month-end trend; and drafts the title and a few paragraphs of text.
- `edit(user, report_id, title, text)`: while a draft.
- `issue(user, report_id)`: the number (enforcement.inspections.numbering, per issuing body,
  kind and year of issue) allocated in the transaction, who and when stored; issued is final.

Every step records a TargetEvent; refusals are TargetsRefused with a Chinese reason."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from core import events
from core.gate import check
from core.inputs import text_problem
from core.models import Jurisdiction, JurisdictionKind
from enforcement.inspections import numbering
from enforcement.models import DocumentKind
from enforcement.penalties import statistics
from hazards.models import Hazard
from hazards.states import State
from monitoring.models import Alarm
from targets import measures
from targets.measures import MEASURES, Figure
from targets.models import (
    EventAction,
    Period,
    Report,
    ReportKind,
    ReportState,
    Snapshot,
    TargetEvent,
)
from targets.services import TargetsRefused, cell, month_end, node_for, own_goals

if TYPE_CHECKING:
    from accounts.models import User

LIST_LIMIT = 50  # hazards listed by name in a report (the counts are complete)
TITLE_MAX = 120
TEXT_MAX = 20_000
FIRST_YEAR = 2020
# The measures drawn as charts and summed up first in the text.
KEY_MEASURES = ("connect", "standardization", "principal_training", "majors_closed")
NO_DATA = "无数据"  # a goal, nothing to measure at the period end
ESCALATIONS = {0: "未升级", 1: "升级至镇街", 2: "升级至县局"}
DOCUMENT_KINDS = {
    ReportKind.MONTHLY: DocumentKind.MONTHLY_REPORT,
    ReportKind.ANNUAL: DocumentKind.ANNUAL_REPORT,
}


# --- periods ------------------------------------------------------------------------------------


def _int(value: Any, label: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TargetsRefused(f"{label}应为整数", 422) from None


def period_of(kind: str, year: Any, month: Any = None) -> tuple[date, date, date]:
    """(first day, last day, the previous period's last day) of the report's period."""
    if kind not in ReportKind.values:
        raise TargetsRefused("报告类型应为月度报告或年度报告", 422)
    year = _int(year, "年度")
    if not FIRST_YEAR <= year <= 9999:
        raise TargetsRefused(f"年度应在{FIRST_YEAR}年之后", 422)
    if kind == ReportKind.ANNUAL:
        return date(year, 1, 1), date(year, 12, 31), date(year - 1, 12, 31)
    month = _int(month, "月份")
    if not 1 <= month <= 12:
        raise TargetsRefused("月份应为1至12", 422)
    start = date(year, month, 1)
    return start, month_end(start), start - timedelta(days=1)


def period_label(kind: str, end: date) -> str:
    if kind == ReportKind.ANNUAL:
        return f"{end.year}年度"
    return f"{end.year}年{end.month}月"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


# --- the content --------------------------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _children(node: Jurisdiction) -> list[Jurisdiction]:
    return list(
        Jurisdiction.objects.filter(parent=node)
        .exclude(kind=JurisdictionKind.GRID)
        .order_by("sort_order", "path")
    )


def _towns_under(node: Jurisdiction, children: list[Jurisdiction]) -> dict[int, int]:
    """{town id: the child node it sums into} for every town under the node (a town node
    itself sums into itself)."""
    towns = Jurisdiction.objects.filter(path__startswith=node.path).town_level()
    mapping = {}
    for pk, path in towns.values_list("pk", "path"):
        owner = next((c.pk for c in children if path.startswith(c.path)), node.pk)
        mapping[pk] = owner
    return mapping


def _stored(nodes: list[Jurisdiction], period: str, end: date) -> dict[tuple[int, str], Snapshot]:
    rows = Snapshot.objects.filter(jurisdiction__in=nodes, period=period, period_end=end)
    return {(r.jurisdiction_id, r.measure): r for r in rows}


def _live(measure, end: date, node: Jurisdiction, towns: dict[int, int]) -> dict[int, Figure]:
    """A measure computed now as of the period end, summed per child node and for the node."""
    summed: dict[int, list] = defaultdict(lambda: [0, None])
    for town, (numerator, denominator) in measure.compute(end).items():
        if town not in towns:
            continue
        for target in {towns[town], node.pk}:
            summed[target][0] += numerator
            if denominator is not None:
                summed[target][1] = (summed[target][1] or 0) + denominator
    return {pk: Figure(n, d, measure.unit) for pk, (n, d) in summed.items()}


def _empty(measure) -> Figure:
    return Figure(0, 0 if measure.unit == measures.PERCENT else None, measure.unit)


def _change(measure, now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or before is None:
        return None
    return now - before


def figures(node: Jurisdiction, kind: str, end: date, previous_end: date) -> dict:
    """Per measure the node's figure at the period end with goal, light and change, and each
    child node's value."""
    period = Period.YEAR if kind == ReportKind.ANNUAL else Period.MONTH
    children = _children(node)
    nodes = [node, *children]
    now = _stored(nodes, period, end)
    before = _stored([node], period, previous_end)
    own = own_goals(nodes, end.year)
    towns: dict[int, int] | None = None
    lines, live_labels = [], []
    for measure in MEASURES:
        stored = (node.pk, measure.key) in now
        if stored:
            found = {
                n.pk: Figure(r.numerator, r.denominator, measure.unit)
                for n in nodes
                if (r := now.get((n.pk, measure.key))) is not None
            }
        else:
            if towns is None:
                towns = _towns_under(node, children)
            found = _live(measure, end, node, towns)
            live_labels.append(measure.label)
        figure = found.get(node.pk, _empty(measure))
        here = cell(measure, figure, end.year, own.get((node.pk, measure.key)))
        previous_row = before.get((node.pk, measure.key))
        previous = (
            Figure(previous_row.numerator, previous_row.denominator, measure.unit).value
            if previous_row
            else None
        )
        child_values = {}
        for child in children:
            child_figure = found.get(child.pk, _empty(measure))
            child_cell = cell(measure, child_figure, end.year, own.get((child.pk, measure.key)))
            child_values[str(child.pk)] = {
                "value": _text(child_figure.value),
                "light": child_cell.light,
            }
        lines.append(
            {
                "key": measure.key,
                "label": measure.label,
                "task": measure.task,
                "unit": measure.unit,
                "better": measure.better,
                "numerator": figure.numerator,
                "denominator": figure.denominator,
                "value": _text(figure.value),
                "goal": _text(here.goal),
                "light": here.light,
                "light_label": NO_DATA
                if figure.value is None and here.goal is not None
                else here.light_label,
                "previous": _text(previous),
                "change": _text(_change(measure, figure.value, previous)),
                "stored": stored,
                "children": child_values,
            }
        )
    return {
        "children": [{"id": c.pk, "name": c.name} for c in children],
        "measures": lines,
        "live": live_labels,
    }


def _hazard_row(hazard: Hazard) -> dict:
    return {
        "id": hazard.pk,
        "enterprise": hazard.enterprise.name,
        "town": hazard.enterprise.jurisdiction.name,
        "description": hazard.description[:80],
        "found_on": hazard.found_on.isoformat(),
        "deadline": hazard.deadline.isoformat() if hazard.deadline else "",
        "state": hazard.get_state_display(),
        "listed": hazard.get_listed_level_display() if hazard.listed_level else "",
        "major": hazard.is_major,
    }


def hazards(node: Jurisdiction, end: date) -> dict:
    """The overdue major hazards (past the 31 January of their year, open at the period end)
    and the listed hazards open at the period end: counts and the first LIST_LIMIT of each,
    oldest first. The state shown is the hazard's present one."""
    here = Q(enterprise__scope_path__startswith=node.path)
    overdue = measures._overdue(end).filter(here)
    listed = (
        Hazard.objects.exclude(listed_level="")
        .exclude(state=State.REJECTED)
        .filter(measures._open_on(end), here)
    )

    def first(queryset):
        rows = queryset.select_related("enterprise__jurisdiction").order_by("found_on", "pk")
        return [_hazard_row(h) for h in rows[:LIST_LIMIT]]

    return {
        "overdue_total": overdue.count(),
        "overdue": first(overdue),
        "listed_total": listed.count(),
        "listed": first(listed),
        "limit": LIST_LIMIT,
    }


def enforcement(user: "User", node: Jurisdiction, kind: str, end: date, children: list) -> dict:
    """The period's inspections, the hazards they found, penalties and amounts per child node
    (enforcement.penalties.statistics: grouped per town and month, in the user's scope)."""
    owners = _owner_map(node, children)
    fields = statistics.MEASURES
    zeroes = {**dict.fromkeys(fields, 0), "amount": Decimal(0)}
    per: dict[int, dict] = {c["id"]: dict(zeroes) for c in children}
    total = dict(zeroes)
    for row in statistics.by_town(user, end.year):
        owner = owners.get(row.town.pk)
        if owner is None:
            continue
        values = row.month(end.month) if kind == ReportKind.MONTHLY else row.totals
        for field in fields:
            if owner in per:
                per[owner][field] += values[field]
            total[field] += values[field]
    zero = [c["name"] for c in children if per[c["id"]]["penalties"] == 0]
    return {
        "towns": [
            {"id": c["id"], "name": c["name"], **_json_numbers(per[c["id"]])} for c in children
        ],
        "total": _json_numbers(total),
        "zero_penalty": zero,
    }


def _json_numbers(values: dict) -> dict:
    """Amounts as text with two decimals (JSON has no decimal)."""
    return {
        k: str(Decimal(v).quantize(Decimal("0.01"))) if isinstance(v, Decimal) else v
        for k, v in values.items()
    }


def _owner_map(node: Jurisdiction, children: list[dict]) -> dict[int, int]:
    """{town id: the child's id it sums into}, children given as content rows."""
    paths = dict(
        Jurisdiction.objects.filter(pk__in=[c["id"] for c in children]).values_list("pk", "path")
    )
    mapping = {}
    towns = Jurisdiction.objects.filter(path__startswith=node.path).town_level()
    for pk, path in towns.values_list("pk", "path"):
        owner = next((c for c, p in paths.items() if path.startswith(p)), node.pk)
        mapping[pk] = owner
    return mapping


def alarms(node: Jurisdiction, start: date, end: date, children: list[dict]) -> dict:
    """The period's alarms per child node: raised (and by escalation), closed in the period,
    still open (not closed) at its end: one grouped query."""
    begin, finish = _aware(start), _aware(end + timedelta(days=1))
    raised = Q(raised_at__gte=begin, raised_at__lt=finish)
    rows = (
        Alarm.objects.filter(enterprise__scope_path__startswith=node.path, raised_at__lt=finish)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=begin))
        .values("enterprise__jurisdiction_id")
        .annotate(
            raised=Count("pk", filter=raised),
            level0=Count("pk", filter=raised & Q(escalation=0)),
            level1=Count("pk", filter=raised & Q(escalation=1)),
            level2=Count("pk", filter=raised & Q(escalation__gte=2)),
            closed=Count("pk", filter=Q(closed_at__gte=begin, closed_at__lt=finish)),
            open=Count("pk", filter=Q(closed_at__isnull=True) | Q(closed_at__gte=finish)),
        )
        .order_by()
    )
    fields = ("raised", "level0", "level1", "level2", "closed", "open")
    owners = _owner_map(node, children)
    per: dict[int, dict] = {c["id"]: dict.fromkeys(fields, 0) for c in children}
    total = dict.fromkeys(fields, 0)
    for row in rows:
        owner = owners.get(row["enterprise__jurisdiction_id"])
        if owner is None:
            continue
        for field in fields:
            if owner in per:
                per[owner][field] += row[field]
            total[field] += row[field]
    return {
        "towns": [{"id": c["id"], "name": c["name"], **per[c["id"]]} for c in children],
        "total": total,
        "levels": ESCALATIONS,
    }


def trend(node: Jurisdiction, end: date) -> dict[str, list]:
    """The node's month-end values of the key measures through the period's year."""
    rows = Snapshot.objects.filter(
        jurisdiction=node,
        period=Period.MONTH,
        measure__in=KEY_MEASURES,
        period_end__year=end.year,
        period_end__lte=end,
    ).order_by("period_end")
    found: dict[str, list] = {key: [] for key in KEY_MEASURES}
    for r in rows:
        unit = measures.BY_KEY[r.measure].unit
        found[r.measure].append(
            [r.period_end.isoformat(), _text(Figure(r.numerator, r.denominator, unit).value)]
        )
    return found


def content(user: "User", node: Jurisdiction, kind: str, start: date, end: date) -> dict:
    previous_end = start - timedelta(days=1)
    figured = figures(node, kind, end, previous_end)
    children = figured["children"]
    return {
        "node": {"id": node.pk, "name": node.name},
        "kind": kind,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "previous_end": previous_end.isoformat(),
        **figured,
        "hazards": hazards(node, end),
        "enforcement": enforcement(user, node, kind, end, children),
        "alarms": alarms(node, start, end, children),
        "trend": trend(node, end),
    }


# --- the drafted text ---------------------------------------------------------------------------


def _number(value: str | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value}%" if unit == measures.PERCENT else value


def _movement(line: dict, kind: str) -> str:
    if line["change"] is None:
        return ""
    since = "较上年末" if kind == ReportKind.ANNUAL else "较上月"
    change = Decimal(line["change"])
    if change == 0:
        return f"，{since}持平"
    word = "上升" if change > 0 else "下降"
    amount = abs(change)
    unit = "个百分点" if line["unit"] == measures.PERCENT else ""
    return f"，{since}{word}{amount}{unit}"


def title_for(node: Jurisdiction, kind: str, end: date) -> str:
    when = f"{end.year}年度" if kind == ReportKind.ANNUAL else f"{end.year}年{end.month}月"
    return f"{node.name}工贸行业安全生产治本攻坚{when}工作报告"[:TITLE_MAX]


def draft_text(data: dict) -> str:
    """A few paragraphs drafted from the figures, for the bureau to edit."""
    kind = data["kind"]
    end = date.fromisoformat(data["period_end"])
    name = data["node"]["name"]
    by_key = {line["key"]: line for line in data["measures"]}
    parts = []
    for key in KEY_MEASURES:
        line = by_key.get(key)
        if line is None or line["value"] is None:
            continue
        goal = f"（目标{_number(line['goal'], line['unit'])}）" if line["goal"] else ""
        parts.append(
            f"{line['label']}{_number(line['value'], line['unit'])}{goal}{_movement(line, kind)}"
        )
    paragraphs = []
    if parts:
        paragraphs.append(f"截至{chinese_date(end)}，{name}" + "；".join(parts) + "。")
    # The towns behind each measure with a goal (a measure about the towns themselves, such as
    # 零处罚, is in the tables and the enforcement paragraph).
    behind = []
    names = {str(c["id"]): c["name"] for c in data["children"]}
    for line in data["measures"]:
        red = [names[pk] for pk, v in line["children"].items() if v["light"] == measures.RED]
        if red and line["goal"] is not None and not measures.BY_KEY[line["key"]].per_town:
            behind.append(f"{line['label']}未达标的有{'、'.join(red)}")
    if behind:
        paragraphs.append("；".join(behind) + "。")
    hazards_part = data["hazards"]
    paragraphs.append(
        f"期末超过1月31日未整改的重大事故隐患{hazards_part['overdue_total']}项，"
        f"挂牌督办未销号隐患{hazards_part['listed_total']}项。"
    )
    period = "本年度" if kind == ReportKind.ANNUAL else "本月"
    total = data["enforcement"]["total"]
    sentence = (
        f"{period}完成执法检查{total['inspections']}次，发现隐患{total['hazards']}项"
        f"（其中重大事故隐患{total['majors']}项），立案处罚{total['penalties']}件，"
        f"罚款{total['amount']}元。"
    )
    if data["enforcement"]["zero_penalty"]:
        sentence += f"{period}“零处罚”的有{'、'.join(data['enforcement']['zero_penalty'])}。"
    paragraphs.append(sentence)
    alarm_total = data["alarms"]["total"]
    paragraphs.append(
        f"{period}监测预警系统产生报警{alarm_total['raised']}次，关闭{alarm_total['closed']}次，"
        f"期末仍未关闭{alarm_total['open']}次。"
    )
    if data["live"]:
        paragraphs.append(
            f"（说明：{'、'.join(data['live'])}无期末冻结数据，为起草时按期末日期计算。）"
        )
    return "\n\n".join(paragraphs)


# --- the changes --------------------------------------------------------------------------------


def draft(
    user: "User",
    kind: str,
    node_id: Any = None,
    year: Any = None,
    month: Any = None,
    today: date | None = None,
) -> Report:
    check(user, "targets.report", "起草治本攻坚报告", TargetsRefused)
    try:
        node = node_for(user, node_id)
    except Http404:
        raise TargetsRefused("区划不存在或不在您的辖区内", 404) from None
    start, end, _previous = period_of(kind, year, month)
    today = today or timezone.localdate()
    if end >= today:
        raise TargetsRefused(f"{period_label(kind, end)}尚未结束，不能起草报告", 409)
    with transaction.atomic():
        # One drafter at a time per node: the duplicate check below holds.
        Jurisdiction.objects.select_for_update().filter(pk=node.pk).first()
        same = Report.objects.filter(jurisdiction=node, kind=kind, period_end=end)
        existing = same.order_by("-pk").first()
        if existing is not None and existing.state == ReportState.DRAFT:
            raise TargetsRefused(f"{period_label(kind, end)}的报告已有草稿，请打开草稿修改", 409)
        if existing is not None:
            raise TargetsRefused(
                f"{period_label(kind, end)}的报告已印发（{existing.number}），不能重复起草", 409
            )
        data = content(user, node, kind, start, end)
        report = Report.objects.create(
            jurisdiction=node,
            kind=kind,
            period_start=start,
            period_end=end,
            title=title_for(node, kind, end),
            text=draft_text(data),
            content=data,
            drafted_by=user,
        )
        events.record(
            TargetEvent,
            actor=user,
            jurisdiction=node,
            report=report,
            action=EventAction.REPORT_DRAFTED,
            to_state=ReportState.DRAFT,
            note=report.title,
        )
    return report


def _locked(user: "User", report_id: Any) -> Report:
    try:
        pk = int(report_id)
    except (TypeError, ValueError):
        raise TargetsRefused("报告不存在", 404) from None
    report = (
        Report.objects.for_user(user, "targets.view")
        .select_for_update()
        .filter(pk=pk)
        .select_related("jurisdiction")
        .first()
    )
    if report is None:
        raise TargetsRefused("报告不存在", 404)
    return report


def edit(user: "User", report_id: Any, title: Any, text: Any) -> Report:
    check(user, "targets.report", "修改治本攻坚报告", TargetsRefused)
    title = str(title or "").strip()
    text = str(text or "").strip()
    if not title:
        raise TargetsRefused("标题不能为空", 422)
    if len(title) > TITLE_MAX:
        raise TargetsRefused(f"标题不能超过{TITLE_MAX}字", 422)
    if len(text) > TEXT_MAX:
        raise TargetsRefused(f"正文不能超过{TEXT_MAX}字", 422)
    problem = text_problem(title, multiline=False) or text_problem(text, multiline=True)
    if problem:
        raise TargetsRefused(problem, 422)
    with transaction.atomic():
        report = _locked(user, report_id)
        if report.state != ReportState.DRAFT:
            raise TargetsRefused("报告已印发，不能修改", 409)
        report.title = title
        report.text = text
        report.save(update_fields=["title", "text"])
        events.record(
            TargetEvent,
            actor=user,
            jurisdiction=report.jurisdiction,
            report=report,
            action=EventAction.REPORT_EDITED,
            from_state=ReportState.DRAFT,
            to_state=ReportState.DRAFT,
            note=title,
        )
    return report


def issue(user: "User", report_id: Any) -> Report:
    check(user, "targets.report", "印发治本攻坚报告", TargetsRefused)
    with transaction.atomic():
        report = _locked(user, report_id)
        if report.state != ReportState.DRAFT:
            raise TargetsRefused(f"报告已印发（{report.number}），不能重复印发", 409)
        if not report.text.strip():
            raise TargetsRefused("正文为空，不能印发", 422)
        now = timezone.now()
        _serial, number = numbering.allocate(
            report.jurisdiction, DOCUMENT_KINDS[ReportKind(report.kind)], timezone.localdate().year
        )
        report.number = number
        report.state = ReportState.ISSUED
        report.issued_by = user
        report.issued_at = now
        report.save(update_fields=["number", "state", "issued_by", "issued_at"])
        events.record(
            TargetEvent,
            actor=user,
            jurisdiction=report.jurisdiction,
            report=report,
            action=EventAction.REPORT_ISSUED,
            from_state=ReportState.DRAFT,
            to_state=ReportState.ISSUED,
            note=number,
        )
    return report


def actions(user: "User", report: Report) -> dict[str, bool]:
    """What the user may do with the report now (the page's buttons)."""
    from accounts.roles import can

    draft_state = report.state == ReportState.DRAFT
    may = can(user, "targets.report")
    return {"edit": may and draft_state, "issue": may and draft_state}
