"""The workbench (待办): what a user may act on now, counted per kind, each a link to the page
where they act, most urgent first; and, for county and town staff, where their jurisdiction
stands. Every count starts from the gate (`for_user(user, action)`), so a kind a role may not
act on is empty for it; a kind with nothing in it is not shown."""

import operator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from accident_warnings.models import AccidentWarning, WarningRecipient
from accident_warnings.reference import AckState
from accident_warnings.reference import WarningState as AccidentWarningState
from accounts.roles import Role, can
from campaigns import services as campaign_services
from campaigns.models import Campaign, CampaignTarget
from campaigns.models import State as CampaignState
from certificates import reference as certificate_reference
from certificates import services as certificate_services
from certificates.models import Certificate, RequiredOperation
from core import workdays
from enforcement.inspections import services as inspection_services
from enforcement.models import (
    DrawAssignment,
    Inspection,
    InspectionState,
    Penalty,
    PlanItem,
    PlanStatus,
    RemoteInspection,
    RemoteState,
)
from enforcement.penalties.services import PAYMENT_DAYS
from enterprises.choices import Status
from enterprises.models import Enterprise
from experts import services as expert_services
from experts.models import ExpertVisit
from experts.reference import Part, VisitState
from grading.models import GradeOverride, OverrideState
from hazards import duties
from hazards import services as hazard_services
from hazards.models import OPEN_STATES, Hazard, overdue_condition
from hazards.transitions import NEXT_STEP, TRANSITIONS
from monitoring import connect
from monitoring.models import Alarm, AlarmState, Point, PowerWarning, WarningState
from monitoring.services import ACTIONS as ALARM_ACTIONS
from projects.models import Project
from projects.states import State as ProjectState
from reporting.kinds import CommitmentKind
from reporting.models import SafetyCommitment
from rewards.models import Reward, RewardState
from risks import queries as risk_queries
from risks.models import CheckTask
from standardization.models import Rating
from standardization.rules import RENEWAL_WINDOW_DAYS
from standardization.states import PENDING as RATING_PENDING
from standardization.states import State as RatingState
from tips import services as tip_services
from tips.models import Tip
from training import services as training_services

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
    # One pass over the user's hazards in those states: each count is a filter of it (the
    # plain state list lets PostgreSQL read the partial index hazard_awaiting_review alone).
    mine = reduce(operator.or_, awaiting.values())
    counts = (
        Hazard.objects.for_user(user, "hazard.list")
        .filter(state__in=list(awaiting))
        .aggregate(
            overdue=Count("pk", filter=mine & overdue_condition(today)),
            due=Count("pk", filter=mine & Q(deadline__gte=today, deadline__lte=soon)),
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


def _month_end(today: date) -> date:
    return duties.period(today, 1)[1]


def draw_items(user, today: date) -> list[Item]:
    """Enterprises drawn for a random inspection (双随机) and not inspected yet: those drawn to
    the user; for who approves the plan (the bureau's supervisor), all of the area's. Past
    their planned date: overdue."""
    if not can(user, "draw.outcome"):
        return []
    pending = DrawAssignment.objects.for_user(user, "draw.outcome").filter(outcome="")
    if not can(user, "plan.approve"):
        pending = pending.filter(inspector_rows__inspector=user)
    counts = pending.aggregate(
        overdue=Count("pk", filter=Q(planned_date__lt=today), distinct=True),
        waiting=Count("pk", filter=~Q(planned_date__lt=today), distinct=True),
        draws=Count("draw", distinct=True),
    )
    if not (counts["overdue"] or counts["waiting"]):
        return []
    url = _url("enforcement:draws")
    if counts["draws"] == 1:
        url = reverse("enforcement:draw", args=[pending.values_list("draw_id", flat=True)[0]])
    items = []
    if counts["overdue"]:
        label = "逾期未检查的抽查企业"
        items.append(Item("draws_overdue", label, counts["overdue"], url, OVERDUE))
    if counts["waiting"]:
        items.append(Item("draws", "待检查的抽查企业", counts["waiting"], url))
    return items


def plan_items(user, today: date) -> list[Item]:
    """Key-list inspections of this year's approved plan (重点检查企业): an entry is due this
    month when the month is one of its months and its completed inspections this year are
    fewer than its months so far; overdue when they are fewer than its earlier months. The
    responsible inspectors see theirs; who approves the plan, all of the area's. The key list
    is a few hundred entries: its months are read and compared here, one query."""
    if not can(user, "plan.manage"):
        return []
    entries = PlanItem.objects.for_user(user, "plan.manage").filter(
        plan__year=today.year, plan__status=PlanStatus.APPROVED
    )
    if not can(user, "plan.approve"):
        entries = entries.filter(inspectors=user)
    rows = entries.annotate(
        done=Count(
            "inspections",
            filter=Q(
                inspections__state=InspectionState.COMPLETED,
                inspections__inspected_on__year=today.year,
            ),
            distinct=True,
        )
    ).values_list("plan_id", "months", "done")
    overdue, due, plans = 0, 0, set()
    for plan_id, months, done in rows:
        months = [int(m) for m in months or [] if str(m).isdigit()]
        earlier = sum(1 for m in months if m < today.month)
        if done < earlier:
            overdue += 1
        elif today.month in months and done < earlier + 1:
            due += 1
        else:
            continue
        plans.add(plan_id)
    if not plans:
        return []
    url = reverse("enforcement:plan", args=[plans.pop()]) if len(plans) == 1 else None
    url = url or _url("enforcement:plans")
    items = []
    if overdue:
        items.append(Item("plan_overdue", "计划检查逾期未完成", overdue, url, OVERDUE))
    if due:
        soon = workdays.add_workdays(today, DUE_WITHIN_WORKDAYS) >= _month_end(today)
        items.append(Item("plan_due", "本月计划检查未完成", due, url, DUE_SOON if soon else TO_ACT))
    return items


def duty_items(user, today: date) -> list[Item]:
    """The principal-led check of this period (seed task 5, hazards.duties): for an
    enterprise's managers, their own when not done (near the period's end: due soon); for the
    county's and towns' staff, how many operating enterprises of their scope have not had it
    (one query)."""
    items = []
    if user.enterprise_id and can(user, "self_inspection.record"):
        own = Enterprise.objects.for_user(user).filter(
            pk=user.enterprise_id, status=Status.OPERATING
        )
        for status in duties.statuses(own, today):
            if status.done:
                continue
            soon = workdays.add_workdays(today, DUE_WITHIN_WORKDAYS) >= status.period_end
            label = f"{duties.period_label(today, status.months)}主要负责人带队检查未开展"
            url = _url("hazards:self_inspection_new")
            items.append(Item("duty_own", label, 1, url, DUE_SOON if soon else TO_ACT))
    # The county's and the towns' staff who supervise the enterprises (and open the duty board).
    if can(user, "hazard.review") and can(user, "hazard.board"):
        operating = Enterprise.objects.for_user(user).filter(status=Status.OPERATING)
        count = jurisdiction_stat(
            user, "duty_missing", today, lambda: duties.missing(operating, today).count()
        )
        if count:
            label = "本期未开展主要负责人带队检查的企业"
            items.append(Item("duty_missing", label, count, _url("hazards:duties")))
    return items


# The penalty states whose next step is the bureau's (enforcement.penalties.services.NEXT_STEP):
# a decided case waits for the party, and is the bureau's again once the payment period passed.
PENALTY_LABELS = {
    "filed": "待告知的处罚案件",
    "notified": "待作出决定的处罚案件",
    "executed": "待结案的处罚案件",
}


def penalty_items(user, today: date) -> list[Item]:
    if not can(user, "penalty.manage"):
        return []
    unpaid_since = today - timedelta(days=PAYMENT_DAYS)
    counts = Penalty.objects.for_user(user, "penalty.manage").aggregate(
        unpaid=Count("pk", filter=Q(state_id="decided", decided_on__lt=unpaid_since)),
        **{state: Count("pk", filter=Q(state_id=state)) for state in PENALTY_LABELS},
    )
    items = []
    if counts["unpaid"]:
        label = f"决定后逾 {PAYMENT_DAYS} 日未执行完毕的处罚案件"
        url = _url("enforcement:penalties", state="decided")
        items.append(Item("penalties_unpaid", label, counts["unpaid"], url, OVERDUE))
    for state, label in PENALTY_LABELS.items():
        if counts[state]:
            url = _url("enforcement:penalties", state=state)
            items.append(Item(f"penalties_{state}", label, counts[state], url))
    return items


def recheck_items(user) -> list[Item]:
    """Inspections whose ordered rectification the enterprise submitted: the re-check (整改复查
    意见书) is the verification, for those who inspect."""
    if not can(user, "inspection.manage"):
        return []
    count = inspection_services.awaiting_recheck(
        Inspection.objects.for_user(user, "inspection.view")
    ).count()
    url = _url("enforcement:inspections", awaiting="recheck")
    return [Item("rechecks", "待整改复查的执法检查", count, url)] if count else []


# The rating states whose next step is the bureau's (standardization.transitions).
RATING_LABELS = {
    RatingState.APPLIED: "待组织评审的标准化定级申请",
    RatingState.REVIEWING: "待录入评审结论的标准化定级",
    RatingState.REVIEWED: "待公告的标准化定级",
    RatingState.ANNOUNCED: "待发证的标准化定级",
    RatingState.CHECKING: "待作出抽查/复核结论的标准化定级",
}


def rating_items(user, today: date) -> list[Item]:
    """Standardization: for the bureau, the ratings waiting for its next step; for an
    enterprise's managers, a certificate within its renewal window and not renewed yet."""
    items = []
    ratings = Rating.objects.for_user(user, "standardization.view")
    if can(user, "standardization.manage"):
        counts = ratings.aggregate(
            **{state: Count("pk", filter=Q(state=state)) for state in RATING_LABELS}
        )
        for state, label in RATING_LABELS.items():
            if counts[state]:
                url = _url("standardization:list", state=state)
                items.append(Item(f"ratings_{state}", label, counts[state], url))
    if can(user, "standardization.apply"):
        renewing = Rating.objects.filter(renews=OuterRef("pk"), state__in=RATING_PENDING)
        ending = (
            ratings.filter(
                state__in=(RatingState.VALID, RatingState.CHECKING),
                valid_until__lte=today + timedelta(days=RENEWAL_WINDOW_DAYS),
            )
            .exclude(Exists(renewing))
            .count()
        )
        if ending:
            label = f"{RENEWAL_WINDOW_DAYS} 天内到期、待延期换证的标准化证书"
            url = _url("standardization:list", state=RatingState.VALID)
            items.append(Item("ratings_renew", label, ending, url, DUE_SOON))
    return items


def project_items(user) -> list[Item]:
    """三同时: metal smelting designs waiting for the bureau's review; projects built without
    that review and still without their design diagnosis (seed task 2)."""
    if not can(user, "project.view"):
        return []
    counts = Project.objects.for_user(user).aggregate(
        review=Count("pk", filter=Q(state=ProjectState.UNDER_REVIEW)),
        diagnosis=Count("pk", filter=Q(unreviewed_construction=True, diagnosed_on__isnull=True)),
    )
    items = []
    if counts["diagnosis"] and can(user, "project.record"):
        label = "未经审查擅自建设、待设计诊断的建设项目"
        url = _url("projects:list", flagged="on")
        items.append(Item("projects_flagged", label, counts["diagnosis"], url, OVERDUE))
    if counts["review"] and can(user, "project.review"):
        label = "待审查的金属冶炼建设项目安全设施设计"
        url = _url("projects:list", state=ProjectState.UNDER_REVIEW)
        items.append(Item("projects_review", label, counts["review"], url))
    return items


def check_items(user, today: date) -> list[Item]:
    """An enterprise's routine checks (排查任务, seed task 12): those missed in the last
    risks.queries.MISSED_WINDOW_DAYS days, and those open now, for who answers them."""
    if not can(user, "risk.check"):
        return []
    counts = CheckTask.objects.for_user(user).aggregate(
        missed=Count(
            "pk",
            filter=Q(
                result="pending", due_on__lt=today, due_on__gte=risk_queries.missed_since(today)
            ),
        ),
        open=Count("pk", filter=Q(result="pending", due_on__gte=today, period_start__lte=today)),
    )
    items = []
    if counts["missed"]:
        url = _url("risks:checks", state="missed")
        items.append(
            Item("checks_missed", "漏检的风险管控排查任务", counts["missed"], url, OVERDUE)
        )
    if counts["open"]:
        items.append(
            Item("checks_open", "待填报的风险管控排查任务", counts["open"], _url("risks:checks"))
        )
    return items


def reward_items(user) -> list[Item]:
    """Employee report rewards (seed task 7) proposed when a report was verified, waiting for
    the enterprise's principal or safety officer to approve (not their own)."""
    if not can(user, "reward.approve") or not user.enterprise_id:
        return []
    count = (
        Reward.objects.for_user(user)
        .filter(state=RewardState.PROPOSED)
        .exclude(report__reporter=user)
        .count()
    )
    url = reverse("rewards:enterprise", args=[user.enterprise_id])
    return [Item("rewards_proposed", "奖励待审批", count, url)] if count else []


def certificate_items(user, today: date) -> list[Item]:
    """Special-operation certificates: those expired, lapsed or due for review or expiry within
    the review window (60 days), and the operations without enough valid holders (持证缺口),
    for who keeps them (the enterprise, the town, the county)."""
    if not (can(user, "certificate.record") or can(user, "certificate.raise_gap")):
        return []
    window = certificate_reference.REVIEW_WINDOW_DAYS.value
    certificates = Certificate.objects.for_user(user, "certificate.view")
    due = certificates.attention_within(today, window).count()
    items = []
    own = reverse("enterprises:detail", args=[user.enterprise_id]) if user.enterprise_id else ""
    if due:
        label = f"特种作业证即将到期/待复审（{window} 天内及已过期）"
        url = own or _url("certificates:list", within=window)
        items.append(Item("certificates_due", label, due, url, DUE_SOON))
    gaps = certificate_services.enterprises_with_gap(
        RequiredOperation.objects.for_user(user, "certificate.view"), today
    ).count()
    if gaps:
        label = "持证缺口（需持证作业缺少有效持证人）"
        items.append(
            Item("certificates_gap", label, gaps, own or _url("certificates:gaps"), OVERDUE)
        )
    return items


def training_items(user, today: date) -> list[Item]:
    """Training and drills (seed tasks 17, 18): for an enterprise's managers, this period's
    evacuation drill falling due (training.reference.DUE_SOON_DAYS) or the last period's
    missed; for the towns' staff, the principals of task 17's sectors not
    trained yet."""
    items = []
    if user.enterprise_id and can(user, "drill.record"):
        for state in training_services.drill_states(
            Enterprise.objects.for_user(user).filter(pk=user.enterprise_id), today
        ):
            url = reverse("training:drill_create", args=[state.enterprise.pk])
            if state.missed_previous and not state.done:
                items.append(Item("drill_overdue", "疏散逃生演练已逾期", 1, url, OVERDUE))
            elif state.due_soon:
                label = f"疏散逃生演练即将到期（{state.end:%m-%d}前）"
                items.append(Item("drill_due", label, 1, url, DUE_SOON))
    if can(user, "training.follow_up") and user.jurisdiction_id:
        missing = jurisdiction_stat(
            user,
            "principals_untrained",
            today,
            lambda: training_services.principals_missing(
                Enterprise.objects.for_user(user, "training.supervise")
            ).count(),
        )
        if missing:
            url = reverse("training:principals_missing")
            items.append(Item("principals_untrained", "主要负责人未培训", missing, url))
    return items


def campaign_items(user, today: date) -> list[Item]:
    """Campaigns (专项整治): an enterprise's self-checks to answer (overdue past the stage's
    deadline); a town's targets to check in the town-check stage; the campaigns a manager may
    close (close-out stage, every finding closed or carried over)."""
    items = []
    if can(user, "campaign.answer") and user.enterprise_id:
        waiting = CampaignTarget.objects.for_user(user).filter(
            campaign__state=CampaignState.SELF_CHECK, self_checked_at__isnull=True
        )
        counts = waiting.aggregate(
            late=Count("pk", filter=Q(campaign__self_check_ends_on__lt=today)), total=Count("pk")
        )
        url = _url("campaigns:list")
        if counts["late"]:
            items.append(
                Item(
                    "campaign_self_check_overdue",
                    "专项整治自查已逾期",
                    counts["late"],
                    url,
                    OVERDUE,
                )
            )
        if counts["total"] - counts["late"]:
            label = "专项整治待自查"
            items.append(
                Item("campaign_self_check", label, counts["total"] - counts["late"], url, DUE_SOON)
            )
    if can(user, "campaign.check") and user.jurisdiction_id:
        unchecked = (
            CampaignTarget.objects.for_user(user)
            .filter(campaign__state=CampaignState.TOWN_CHECK, town_checked_at__isnull=True)
            .count()
        )
        if unchecked:
            items.append(
                Item("campaign_town_check", "专项整治待镇街检查", unchecked, _url("campaigns:list"))
            )
    if can(user, "campaign.manage") and user.jurisdiction_id:
        ready = [
            campaign
            for campaign in Campaign.objects.for_user(user)
            .filter(
                state=CampaignState.CLOSE_OUT,
                jurisdiction__path__startswith=user.jurisdiction.path,
            )
            .select_related("jurisdiction")[:50]
            if not campaign_services.open_findings(campaign).exists()
        ]
        if ready:
            url = (
                reverse("campaigns:detail", args=[ready[0].pk])
                if len(ready) == 1
                else _url("campaigns:list")
            )
            items.append(Item("campaign_ready_to_close", "专项整治可结束销号", len(ready), url))
    return items


def expert_items(user, today: date) -> list[Item]:
    """Confined-space expert services (seed task 9): for an expert, the visits assigned to them
    still to be done (planned, in progress) and those whose feedback report is due (on-site
    diagnosis recorded, no report yet); for an enterprise's managers, the confined-space
    ledger not yet built although its profile or sector tag says it has confined spaces."""
    items = []
    if can(user, "expert_visit.diagnose") and user.role == Role.EXPERT:
        counts = (
            ExpertVisit.objects.for_user(user, "expert_visit.view")
            .filter(experts=user)
            .aggregate(
                to_do=Count("pk", filter=Q(state=VisitState.PLANNED), distinct=True),
                to_report=Count(
                    "pk",
                    filter=Q(state=VisitState.IN_PROGRESS, parts__part=Part.DIAGNOSE),
                    distinct=True,
                ),
                started=Count("pk", filter=Q(state=VisitState.IN_PROGRESS), distinct=True),
            )
        )
        if counts["to_do"]:
            url = _url("experts:list", state=VisitState.PLANNED)
            items.append(
                Item("expert_visits_planned", "待开展的有限空间专家会诊", counts["to_do"], url)
            )
        if counts["started"] - counts["to_report"]:
            url = _url("experts:list", state=VisitState.IN_PROGRESS)
            label = "进行中的专家会诊（待登记现场会诊）"
            items.append(
                Item("expert_visits_started", label, counts["started"] - counts["to_report"], url)
            )
        if counts["to_report"]:
            url = _url("experts:list", state=VisitState.IN_PROGRESS)
            label = "待出具的专家会诊反馈报告"
            items.append(Item("expert_reports_due", label, counts["to_report"], url, DUE_SOON))
    if user.enterprise_id and can(user, "confined_space.edit"):
        mine = Enterprise.objects.for_user(user).filter(pk=user.enterprise_id)
        if expert_services.ledger_missing(mine).exists():
            url = reverse("experts:ledger", args=[user.enterprise_id])
            items.append(Item("confined_ledger_missing", "有限空间台账未建立", 1, url))
    return items


def tip_items(user, today: date) -> list[Item]:
    """Public tips routed to the user's jurisdiction (举报, seed section 三(三)): past their
    acceptance or reply deadline, and waiting to be accepted (one query)."""
    if not can(user, "tip.handle"):
        return []
    counts = Tip.objects.for_user(user, "tip.view").aggregate(
        accept_overdue=Count("pk", filter=tip_services.accept_overdue_condition(today)),
        reply_overdue=Count("pk", filter=tip_services.reply_overdue_condition(today)),
        waiting=Count("pk", filter=Q(state="submitted", accept_due__gte=today)),
    )
    items = []
    if counts["accept_overdue"]:
        url = _url("tips:list", overdue="accept")
        label = "受理逾期的举报"
        items.append(Item("tips_accept_overdue", label, counts["accept_overdue"], url, OVERDUE))
    if counts["reply_overdue"]:
        url = _url("tips:list", overdue="reply")
        label = "答复逾期的举报"
        items.append(Item("tips_reply_overdue", label, counts["reply_overdue"], url, OVERDUE))
    if counts["waiting"]:
        url = _url("tips:list", state="submitted")
        items.append(Item("tips_waiting", "举报待受理", counts["waiting"], url))
    return items


def jurisdiction_stat(user, name: str, today: date, compute):
    """A figure of the user's jurisdiction (the same for everyone of their role there),
    counted at most once per settings.WORKBENCH_STATS_SECONDS: a county's take 50–100 ms each
    at 100,000 enterprises, and they change slowly; 0 seconds counts every time."""
    seconds = settings.WORKBENCH_STATS_SECONDS
    if not seconds:
        return compute()
    key = f"workbench:{name}:{user.role}:{user.jurisdiction_id}:{today.isoformat()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def accident_warning_items(user) -> list[Item]:
    """Accident warnings (seed task 21): for an enterprise's managers, each issued warning their
    enterprise has not acknowledged yet (its page answers 已阅 in one tap), the latest five; for
    the bureau, the drafts waiting to be issued."""
    items = []
    if user.enterprise_id and can(user, "accident_warning.acknowledge"):
        pending = (
            WarningRecipient.objects.for_user(user, "accident_warning.acknowledge")
            .issued()
            .filter(enterprise_id=user.enterprise_id, state=AckState.PENDING)
            .select_related("warning")
            .order_by("-warning__issued_at")
        )
        for recipient in pending[:5]:
            url = reverse("accident_warnings:detail", args=[recipient.warning_id])
            items.append(
                Item("accident_warning", f"事故警示待阅：{recipient.warning.title}", 1, url)
            )
    if can(user, "accident_warning.issue"):
        drafts = (
            AccidentWarning.objects.for_user(user)
            .filter(state=AccidentWarningState.DRAFT, created_by=user)
            .count()
        )
        if drafts:
            url = reverse("accident_warnings:index")
            items.append(Item("accident_warning_draft", "事故警示待下发", drafts, url))
    return items


def remote_items(user, today: date) -> list[Item]:
    """Remote (非现场) inspections (seed task 23): for an enterprise's managers, those awaiting
    their explanation (overdue ones apart); for staff who decide, those the enterprise answered
    and those past their deadline unanswered (one query each side)."""
    items = []
    if user.enterprise_id and can(user, "remote.answer"):
        counts = RemoteInspection.objects.for_user(user, "remote.view").aggregate(
            late=Count("pk", filter=Q(state=RemoteState.AWAITING, due_on__lt=today)),
            waiting=Count("pk", filter=Q(state=RemoteState.AWAITING, due_on__gte=today)),
        )
        url = _url("enforcement:remotes", state=RemoteState.AWAITING)
        if counts["late"]:
            items.append(Item("remote_late", "非现场执法说明已逾期", counts["late"], url, OVERDUE))
        if counts["waiting"]:
            items.append(Item("remote_explain", "非现场执法待说明", counts["waiting"], url))
    if can(user, "remote.manage") and user.jurisdiction_id:
        counts = RemoteInspection.objects.for_user(user, "remote.view").aggregate(
            answered=Count("pk", filter=Q(state=RemoteState.ANSWERED)),
            late=Count("pk", filter=Q(state=RemoteState.AWAITING, due_on__lt=today)),
        )
        if counts["answered"]:
            url = _url("enforcement:remotes", state=RemoteState.ANSWERED)
            items.append(
                Item("remote_answered", "非现场执法企业已说明待处理", counts["answered"], url)
            )
        if counts["late"]:
            url = _url("enforcement:remotes", state=RemoteState.AWAITING)
            items.append(
                Item("remote_unanswered", "非现场执法企业逾期未说明", counts["late"], url, OVERDUE)
            )
    return items


def items_for(user, today: date | None = None) -> list[Item]:
    today = today or timezone.localdate()
    items = [
        *hazard_items(user, today),
        *alarm_items(user),
        *warning_items(user),
        *override_items(user),
        *commitment_items(user, today),
        *draw_items(user, today),
        *plan_items(user, today),
        *duty_items(user, today),
        *penalty_items(user, today),
        *recheck_items(user),
        *rating_items(user, today),
        *project_items(user),
        *check_items(user, today),
        *reward_items(user),
        *certificate_items(user, today),
        *training_items(user, today),
        *expert_items(user, today),
        *tip_items(user, today),
        *campaign_items(user, today),
        *accident_warning_items(user),
        *remote_items(user, today),
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
    majors = jurisdiction_stat(
        user,
        "majors",
        today,
        lambda: (
            Hazard.objects.for_user(user)
            .filter(is_major=True, state__in=OPEN_STATES)
            .aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue_condition(today)))
        ),
    )
    since = timezone.now() - timedelta(hours=connect.CONNECTED_HOURS)
    reporting = Point.objects.filter(
        enterprise_id=OuterRef("pk"),
        kind__in=connect.SAFETY_DEVICE_KINDS,
        active=True,
        last_ts__gte=since,
    )
    must = jurisdiction_stat(
        user,
        "must_connect",
        today,
        lambda: connect.must_connect(Enterprise.objects.for_user(user), today).aggregate(
            total=Count("pk"), connected=Count("pk", filter=Q(Exists(reporting)))
        ),
    )
    return Overview(
        open_majors=majors["open"],
        overdue_majors=majors["overdue"],
        open_alarms=Alarm.objects.for_user(user, "monitoring.view").unfinished().count(),
        must_connect=must["total"],
        unconnected=must["total"] - must["connected"],
    )


@dataclass
class EnterpriseCard:
    """An enterprise's managers' one page (本企业): its grade, its duties, its open hazards."""

    enterprise: Enterprise
    grade: object | None  # grading.models.EnterpriseGrade
    duty: duties.DutyStatus | None
    duty_soon: bool
    commitment: SafetyCommitment | None
    must_connect: bool
    connected: bool
    open_majors: int
    open_general: int


def enterprise_card(user, today: date | None = None) -> EnterpriseCard | None:
    """For a user of an enterprise who reads its grade (principal, safety officer); None for
    the others. A fixed handful of queries whatever the enterprise holds."""
    if not user.enterprise_id or not can(user, "grade.view"):
        return None
    today = today or timezone.localdate()
    mine = Enterprise.objects.for_user(user).filter(pk=user.enterprise_id)
    enterprise = mine.select_related("grade").first()
    if enterprise is None:
        return None
    grade = getattr(enterprise, "grade", None)
    duty = None
    if enterprise.status == Status.OPERATING:
        duty = next(iter(duties.statuses(mine, today)), None)
    commitment = (
        SafetyCommitment.objects.for_user(user, "commitment.view")
        .with_status("active", today)
        .filter(enterprise=enterprise)
        .order_by(
            Case(
                When(kind=CommitmentKind.ZERO_OUT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-period_end",
        )
        .first()
    )
    # One row when the rules in force say it must connect, with its latest safety reading.
    readings = list(
        connect.with_connection(connect.must_connect(mine, today)).values_list(
            "last_reading_at", flat=True
        )[:1]
    )
    reading = readings[0] if readings else None
    hazards = (
        Hazard.objects.for_user(user, "hazard.list")
        .filter(enterprise=enterprise, state__in=OPEN_STATES)
        .aggregate(majors=Count("pk", filter=Q(is_major=True)), total=Count("pk"))
    )
    return EnterpriseCard(
        enterprise=enterprise,
        grade=grade,
        duty=duty,
        duty_soon=bool(
            duty
            and not duty.done
            and workdays.add_workdays(today, DUE_WITHIN_WORKDAYS) >= duty.period_end
        ),
        commitment=commitment,
        must_connect=bool(readings),
        connected=connect.is_connected(reading),
        open_majors=hazards["majors"],
        open_general=hazards["total"] - hazards["majors"],
    )
