"""The large screen (大屏) for the duty room: 1920 × 1080, dark, no scrolling. For the user's node
(their own by default, `?node=<id>` within their scope, else 404): the measures' live values and
lights (services.board), the child nodes' lights, two trend charts (static/js/charts.js, dark
theme), the live alarms (unfinished, newest first, at most ALARMS) and today's overdue items
(open hazards past their deadline or the zero-out day, remote inspections past their
explanation deadline, campaign self-checks past theirs), with when the figures were computed.

The page loads static/js/screen.js, which fetches `screen/data.json` (the same figures, scoped
the same) every REFRESH_SECONDS and updates the numbers and lists; nothing runs inline."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.roles import require
from campaigns.models import CampaignTarget
from campaigns.models import State as CampaignState
from enforcement.models import RemoteInspection, RemoteState
from hazards.models import Hazard
from monitoring.models import Alarm, AlarmState
from targets import measures, services

if TYPE_CHECKING:
    from accounts.models import User
    from core.models import Jurisdiction

ALARMS = 20  # the live alarms listed
OVERDUE = 8  # the overdue items of each kind listed
REFRESH_SECONDS = 60

# The percentages drawn in the trend chart.
TREND = ("connect", "standardization", "majors_closed", "principal_training", "drills")


def _value(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _local(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(pattern) if moment else ""


def _measures(board: services.Board) -> list[dict[str, Any]]:
    return [
        {
            "key": line.measure.key,
            "label": line.measure.label,
            "short": line.measure.short,
            "task": line.measure.task,
            "unit": "%" if line.measure.unit == measures.PERCENT else "",
            "value": _value(line.now.value),
            "goal": _value(line.now.goal),
            "light": line.now.light,
            "light_label": line.now.light_label,
        }
        for line in board.lines
    ]


def _children(board: services.Board) -> list[dict[str, Any]]:
    rows = []
    for index, child in enumerate(board.children):
        lights = [line.children[index][1].light for line in board.lines]
        rows.append(
            {
                "id": child.pk,
                "name": child.name,
                "lights": lights,
                "green": lights.count(measures.GREEN),
                "yellow": lights.count(measures.YELLOW),
                "red": lights.count(measures.RED),
            }
        )
    return rows


def _alarms(user: "User", node: "Jurisdiction") -> tuple[list[dict[str, Any]], int, int]:
    alarms = (
        Alarm.objects.for_user(user, "monitoring.view")
        .unfinished()
        .filter(enterprise__scope_path__startswith=node.path)
    )
    listed = alarms.select_related("enterprise", "point").order_by("-raised_at", "-id")[:ALARMS]
    rows = [
        {
            "id": alarm.pk,
            "enterprise": alarm.enterprise.name,
            "point": alarm.point.equipment,
            "condition": alarm.get_condition_display(),
            "state": alarm.state,
            "state_label": alarm.get_state_display(),
            "raised_at": _local(alarm.raised_at),
            "escalation": alarm.escalation,
            "cleared": alarm.cleared_at is not None,
        }
        for alarm in listed
    ]
    return rows, alarms.count(), alarms.filter(state=AlarmState.OPEN).count()


def _overdue(user: "User", node: "Jurisdiction", today) -> dict[str, Any]:
    under = {"enterprise__scope_path__startswith": node.path}
    hazards = Hazard.objects.for_user(user, "hazard.list").overdue(today).filter(**under)
    hazard_rows = (
        hazards.select_related("enterprise")
        .order_by(F("deadline").asc(nulls_first=True), "found_on", "pk")
        .only("pk", "description", "deadline", "found_on", "is_major", "enterprise__name")
    )[:OVERDUE]
    remotes = RemoteInspection.objects.for_user(user, "remote.view").filter(
        state=RemoteState.AWAITING, due_on__lt=today, **under
    )
    remote_rows = remotes.select_related("enterprise").order_by("due_on", "pk")[:OVERDUE]
    self_checks = CampaignTarget.objects.for_user(user, "campaign.view").filter(
        campaign__state=CampaignState.SELF_CHECK,
        campaign__self_check_ends_on__lt=today,
        self_checked_at__isnull=True,
        **under,
    )
    check_rows = self_checks.select_related("enterprise", "campaign").order_by(
        "campaign__self_check_ends_on", "pk"
    )[:OVERDUE]
    return {
        "hazards": {
            "count": hazards.count(),
            "majors": hazards.filter(is_major=True).count(),
            "items": [
                {
                    "id": h.pk,
                    "enterprise": h.enterprise.name,
                    "text": h.description[:40],
                    "major": h.is_major,
                    "due": h.deadline.isoformat() if h.deadline else "",
                }
                for h in hazard_rows
            ],
        },
        "remote": {
            "count": remotes.count(),
            "items": [
                {"id": r.pk, "enterprise": r.enterprise.name, "due": r.due_on.isoformat()}
                for r in remote_rows
            ],
        },
        "self_checks": {
            "count": self_checks.count(),
            "items": [
                {
                    "id": t.pk,
                    "enterprise": t.enterprise.name,
                    "campaign": t.campaign.name,
                    "due": t.campaign.self_check_ends_on.isoformat()
                    if t.campaign.self_check_ends_on
                    else "",
                }
                for t in check_rows
            ],
        },
    }


def trend_data(board: services.Board, keys: tuple[str, ...] = TREND) -> dict[str, Any]:
    """The measures' months of the year (and today's live value), aligned on one axis: the key
    percentages on the dashboard and the screen, one measure (a count too) on its own page."""
    lines = [line for line in board.lines if line.measure.key in keys]
    days = sorted({day for line in lines for day, _ in line.trend})
    live = board.run.period_end if board.run else None
    labels = ["当前" if day == live else f"{day.month}月" for day in days]
    series = []
    for line in lines:
        values = dict(line.trend)
        series.append(
            {
                "name": line.measure.short,
                "data": [_float(values.get(day)) for day in days],
            }
        )
    percent = all(line.measure.unit == measures.PERCENT for line in lines)
    data: dict[str, Any] = {"labels": labels, "series": series, "percent": percent}
    if len(lines) == 1:
        data["title"] = f"{lines[0].measure.label}走势{'（%）' if percent else ''}"
    return data


def _float(value) -> float | None:
    return None if value is None else float(value)


def screen_payload(user: "User", node: "Jurisdiction") -> dict[str, Any]:
    """Everything the screen shows, as JSON-ready data."""
    board = services.board(node)
    today = timezone.localdate()
    alarms, alarm_count, alarm_open = _alarms(user, node)
    run = board.run
    children = _children(board)
    return {
        "node": {"id": node.pk, "name": node.name},
        "year": board.year,
        "now": _local(timezone.now(), "%Y-%m-%d %H:%M:%S"),
        "computed": {
            "at": _local(run.started_at, "%Y-%m-%d %H:%M") if run else "",
            "ms": run.duration_ms if run else None,
        },
        "measures": _measures(board),
        "children": children,
        "alarms": {"count": alarm_count, "open": alarm_open, "items": alarms},
        "overdue": _overdue(user, node, today),
        "charts": {
            "trend": trend_data(board),
            "towns": {
                "names": [c["name"] for c in children],
                "green": [c["green"] for c in children],
                "yellow": [c["yellow"] for c in children],
                "red": [c["red"] for c in children],
            },
        },
    }


def _node(request):
    require(request.user, "targets.view", "查看治本攻坚大屏")
    return services.node_for(request.user, request.GET.get("node"))


@login_required
def screen(request):
    node = _node(request)
    data = screen_payload(request.user, node)
    url = reverse("targets:screen_data")
    if request.GET.get("node"):
        url += f"?node={node.pk}"
    return render(
        request,
        "targets/screen.html",
        {
            "data": data,
            "node": node,
            "data_url": url,
            "refresh": REFRESH_SECONDS,
        },
    )


@login_required
def screen_data(request):
    node = _node(request)
    return JsonResponse(
        screen_payload(request.user, node), json_dumps_params={"ensure_ascii": False}
    )
