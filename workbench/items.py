"""The workbench (待办): what a user may act on now, counted per kind, each a link to the page
where they act, most urgent first; and, for county and town staff, where their jurisdiction
stands. Every count starts from the gate (`for_user(user, action)`), so a kind a role may not
act on is empty for it; a kind with nothing in it is not shown."""

import operator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import can
from core import workdays
from enterprises.models import Enterprise
from grading.models import GradeOverride, OverrideState
from hazards import services as hazard_services
from hazards.models import OPEN_STATES, Hazard, overdue_condition
from hazards.transitions import NEXT_STEP, TRANSITIONS
from monitoring import connect
from monitoring.models import Alarm, AlarmState, PowerWarning, WarningState
from monitoring.services import ACTIONS as ALARM_ACTIONS
from reporting.models import SafetyCommitment

OVERDUE, DUE_SOON, TO_ACT = 0, 1, 2  # urgency, most urgent first
URGENCY_LABELS = {OVERDUE: "已逾期", DUE_SOON: "临近期限", TO_ACT: "待办理"}
DUE_WITHIN_WORKDAYS = 3
RENEW_WITHIN_DAYS = 30


@dataclass
class Item:
    key: str
    label: str
    count: int
    url: str
    urgency: int = TO_ACT

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABELS[self.urgency]


def _url(name: str, **query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def hazard_items(user, today: date) -> list[Item]:
    awaiting = hazard_services.awaiting(user)
    if not awaiting:
        return []
    soon = workdays.add_workdays(today, DUE_WITHIN_WORKDAYS)
    # One pass over the user's hazards awaiting them: each count is a filter of it.
    counts = (
        Hazard.objects.for_user(user, "hazard.list")
        .filter(reduce(operator.or_, awaiting.values()))
        .aggregate(
            overdue=Count("pk", filter=overdue_condition(today)),
            due=Count("pk", filter=Q(deadline__gte=today, deadline__lte=soon)),
            **{state: Count("pk", filter=condition) for state, condition in awaiting.items()},
        )
    )
    states = list(awaiting)
    items = []
    if counts["overdue"]:
        url = _url("hazards:ledger", overdue="on")
        items.append(Item("hazards_overdue", "逾期未办结的隐患", counts["overdue"], url, OVERDUE))
    if counts["due"]:
        label = f"{DUE_WITHIN_WORKDAYS} 个工作日内到期的隐患"
        items.append(Item("hazards_due", label, counts["due"], _url("hazards:ledger"), DUE_SOON))
    for state in states:
        if counts[state]:
            step = TRANSITIONS[NEXT_STEP[state]].label.removesuffix("隐患")  # 确认隐患 → 确认
            label = f"待{step}的隐患"
            url = _url("hazards:ledger", state=state)
            items.append(Item(f"hazards_{state}", label, counts[state], url))
    return items


def alarm_items(user) -> list[Item]:
    """Open alarms to acknowledge or handle, handled ones to close, by the role's actions."""
    states = {
        state
        for _label, sources, _target, permission in ALARM_ACTIONS.values()
        if can(user, permission)
        for state in sources
    }
    if not states:
        return []
    counts = dict(
        Alarm.objects.for_user(user, "monitoring.view")
        .filter(state__in=states)
        # A handled alarm whose condition still holds cannot be closed yet: not a to-do.
        .exclude(state=AlarmState.HANDLED, cleared_at__isnull=True)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    labels = {
        AlarmState.OPEN: ("待确认的报警", OVERDUE),
        AlarmState.ACKNOWLEDGED: ("待处置的报警", OVERDUE),
        AlarmState.HANDLED: ("待关闭的报警", TO_ACT),
    }
    return [
        Item(
            f"alarms_{state}", label, counts[state], _url("monitoring:alarms", state=state), urgency
        )
        for state, (label, urgency) in labels.items()
        if counts.get(state)
    ]


def warning_items(user) -> list[Item]:
    if not can(user, "warning.review"):
        return []
    count = (
        PowerWarning.objects.for_user(user, "monitoring.view")
        .filter(state=WarningState.OPEN)
        .count()
    )
    url = _url("monitoring:warnings", state=WarningState.OPEN)
    return [Item("warnings", "待研判的电力预警", count, url)] if count else []


def override_items(user) -> list[Item]:
    """Grade overrides waiting for approval by someone other than who asked."""
    if not can(user, "grade.approve"):
        return []
    pending = (
        GradeOverride.objects.for_user(user, "grade.view")
        .filter(state=OverrideState.PENDING)
        .exclude(requested_by=user)
    )
    count = pending.count()
    if not count:
        return []
    first = pending.order_by("pk").values_list("enterprise_id", flat=True).first()
    url = reverse("grading:detail", args=[first]) if count == 1 else _url("grading:list")
    return [Item("overrides", "待审批的分级调整", count, url)]


def commitment_items(user, today: date) -> list[Item]:
    """Commitments in force that end within RENEW_WITHIN_DAYS: to renew."""
    if not can(user, "commitment.record"):
        return []
    ending = (
        SafetyCommitment.objects.for_user(user, "commitment.view")
        .with_status("active", today)
        .filter(period_end__lte=today + timedelta(days=RENEW_WITHIN_DAYS))
        .count()
    )
    url = _url("reporting:commitments", status="active")
    label = f"{RENEW_WITHIN_DAYS} 天内到期、需续签的安全承诺"
    return [Item("commitments", label, ending, url, DUE_SOON)] if ending else []


def items_for(user, today: date | None = None) -> list[Item]:
    today = today or timezone.localdate()
    items = [
        *hazard_items(user, today),
        *alarm_items(user),
        *warning_items(user),
        *override_items(user),
        *commitment_items(user, today),
    ]
    return sorted(items, key=lambda item: item.urgency)


@dataclass
class Overview:
    open_majors: int
    overdue_majors: int
    open_alarms: int
    must_connect: int
    unconnected: int


def overview(user, today: date | None = None) -> Overview | None:
    """Where a county's or a town's staff stand: majors, alarms, connection of the enterprises
    that must connect (seed tasks 6 and 14). None for a role without the zero-out board."""
    if not can(user, "hazard.board"):
        return None
    today = today or timezone.localdate()
    majors = (
        Hazard.objects.for_user(user)
        .filter(is_major=True, state__in=OPEN_STATES)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue_condition(today)))
    )
    must = connect.must_connect(Enterprise.objects.for_user(user), today).values("pk")
    since = timezone.now() - timedelta(hours=connect.CONNECTED_HOURS)
    connected = must.filter(
        monitoring_points__kind__in=connect.SAFETY_DEVICE_KINDS,
        monitoring_points__active=True,
        monitoring_points__last_ts__gte=since,
    )
    must_count = must.count()
    return Overview(
        open_majors=majors["open"],
        overdue_majors=majors["overdue"],
        open_alarms=Alarm.objects.for_user(user, "monitoring.view").unfinished().count(),
        must_connect=must_count,
        unconnected=must_count - connected.count(),
    )
