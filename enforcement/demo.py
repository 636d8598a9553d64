"""Demo enforcement for `manage.py load_demo`: the year's plan, a published random draw, a
couple of checklist inspections with their documents, and penalty cases, so every enforcement
page has something to show at once. Synthetic, like the enterprises.

Everything goes through the app's own services (enforcement.{plans,inspections,penalties}.services),
so the key list comes from the grades, the draw's seed and inputs are recorded and it verifies,
inspections found wanting put hazards in the ledger and issue the 责令限期整改指令书, and cases
are numbered. Only the timestamps the services set to "now" are moved back afterwards, so the
story runs over the current year, before today.

What happens, for the current year (area: the supervisor's, the county):
- one declared conflict (回避) of an officer with an enterprise the draw then picks;
- the annual plan (key list from the grades), its random inspections spread over the months to
  meet the 70 % share, approved;
- one published draw of DRAW_SIZE enterprises, two inspectors each, with a fixed seed;
- the first two enterprises drawn inspected against their checklists: one with items not
  compliant (hazards, a major one where the checklist allows, and the 责令限期整改指令书),
  one compliant;
- a penalty case from the inspection found wanting, at 告知, and an earlier one closed (结案);
- a remote (非现场) inspection from a demo alarm awaiting the enterprise's explanation, one
  answered and decided with a hazard; an assistance record (帮扶) for the first flagged town;
  a second closed case, and both closed cases published as typical cases (曝光).

Running it again creates nothing: the plan is found by (area, year), the draw by name, the
conflict by (officer, reason), inspections by their draw assignment, cases by violation text.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.roles import Role
from core.errors import Refused
from enforcement.inspections import services as inspections
from enforcement.models import (
    AssistanceRecord,
    Conflict,
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Inspection,
    InspectionDocument,
    InspectionEvent,
    Penalty,
    PenaltyEvent,
    PlanStatus,
    PublicCase,
    RemoteInspection,
    Result,
)
from enforcement.penalties import services as penalty_services
from enforcement.plans import draw as algorithm
from enforcement.plans import services
from enterprises.choices import Status
from enterprises.models import Enterprise

DRAW_SIZE = 10
INSPECTORS_PER_ENTERPRISE = 2
CONFLICT_REASON = "配偶在该企业任财务负责人（演示数据）"
WANTING_NOTE = "现场检查发现该项不符合要求，企业未能提供相关记录（演示数据）"
FINDINGS_WANTING = "检查发现 {n} 项不符合要求，已当场告知企业主要负责人，责令限期整改。"
FINDINGS_CLEAN = "按检查清单逐项检查，未发现不符合项。"
# The case filed from the inspection found wanting, whose items found wanting are the second
# common item (第二十四条, safety management staff) and a major hazard of the standard:
# 第九十七条（一） ("未按照规定设置安全生产管理机构或者配备安全生产管理人员") and 第一百零二条
# ("未采取措施消除事故隐患"), both read in the 2021 text on 2026-11-29
# (enforcement.inspections.checklists).
PENALTY_OPEN = (
    "未按照规定配备安全生产管理人员，未采取措施消除检查发现的事故隐患（演示数据）",
    "《中华人民共和国安全生产法》第九十七条第（一）项、第一百零二条",
    30000,
)
# Until 2026-11-29 the open case cited 第一百零二条 for not investigating hazards, which that
# article does not cover; a demo database made before is corrected in place.
PENALTY_OPEN_BEFORE = "未如实记录安全生产教育和培训情况，未按规定对除尘系统开展隐患排查（演示数据）"
PENALTY_CLOSED = (
    "特种作业人员未按照规定经专门的安全作业培训并取得相应资格上岗作业（演示数据）",
    "《中华人民共和国安全生产法》第九十七条第（七）项",
    20000,
)


def _seed(year: int) -> str:
    return f"gaotang-demo-{year}"


def _draw_name(year: int) -> str:
    return f"{year}年工贸行业“双随机、一公开”抽查（演示）"


class Calendar:
    """Days of the current year before today: `ago(n)` is n days back, never before 1 January
    (on 1 January itself everything falls on today)."""

    def __init__(self, today: date):
        self.today = today
        self.first = date(today.year, 1, 1)

    def ago(self, days: int) -> date:
        return max(self.first, self.today - timedelta(days=days))

    def day(self, month: int, day: int) -> date:
        return min(date(self.today.year, month, day), self.ago(1))

    @staticmethod
    def at(day: date, hour: int = 10) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour)))


def load(supervisor, officers) -> dict:
    """`supervisor` plans and draws, `officers` (enforcement officers with badge numbers, four
    or more) inspect and handle the cases. Returns what was created."""
    everyone = list(officers)
    officers = sorted(
        (o for o in officers if o.role == Role.ENFORCEMENT_OFFICER and o.badge_number),
        key=lambda o: o.pk,
    )
    if len(officers) < INSPECTORS_PER_ENTERPRISE + 1:
        raise ValueError("the enforcement demo needs three enforcement officers or more")
    cal = Calendar(timezone.localdate())
    area = supervisor.jurisdiction
    created = {"plans": 0, "conflicts": 0, "draws": 0, "inspections": 0, "penalties": 0}
    plan = EnforcementPlan.objects.filter(jurisdiction=area, year=cal.today.year).first()
    if plan is None:
        plan = _plan(supervisor, cal)
        created["plans"] = 1
    draw = Draw.objects.filter(jurisdiction=area, name=_draw_name(cal.today.year)).first()
    if draw is None:
        created["conflicts"] = _conflict(supervisor, officers[-1], plan, cal)
        draw = _draw(supervisor, plan, cal)
        created["draws"] = 1
    wanting, created["inspections"] = _inspections(draw, officers, cal)
    created["penalties"] = _penalties(officers[0], wanting, cal)
    if any(created.values()):
        _regrade(draw)
    created.update(_remote(supervisor, officers[0], everyone, cal))
    return created


def _regrade(draw) -> None:
    """The hazards and cases just made are factors of their enterprises' grades: grade them now
    rather than at the next sweep (a second run then finds every grade current)."""
    from grading import engine

    ids = set(
        Inspection.objects.filter(assignment__draw=draw).values_list("enterprise_id", flat=True)
    )
    ids.update(
        Penalty.objects.filter(violation__in=[PENALTY_OPEN[0], PENALTY_CLOSED[0]]).values_list(
            "enterprise_id", flat=True
        )
    )
    if ids:
        engine.run(sorted(ids), trigger="演示数据")


# --- plan ---------------------------------------------------------------------------------------


def _plan(supervisor, cal: Calendar) -> EnforcementPlan:
    plan = services.create_plan(
        supervisor, cal.today.year, note="按风险等级确定重点检查企业，其余企业纳入双随机抽查。"
    )
    needed = max(12, services.plan_totals(plan)["random_needed"])
    # The random inspections spread over the twelve months (the earlier months one more).
    months = {str(m): needed // 12 + (1 if m <= needed % 12 else 0) for m in range(1, 13)}
    services.update_plan(supervisor, plan.pk, random_by_month=months)
    services.approve_plan(supervisor, plan.pk)
    EnforcementPlan.objects.filter(pk=plan.pk).update(
        created_at=cal.at(cal.day(1, 10)), approved_at=cal.at(cal.day(1, 15), 15)
    )
    return plan


# --- conflict and draw --------------------------------------------------------------------------


def _filters(plan) -> dict:
    # The key list is inspected anyway: the random part draws from the rest.
    return {"exclude_key_list": True} if plan.status == PlanStatus.APPROVED else {}


def _conflict(supervisor, officer, plan, cal: Calendar) -> int:
    """An officer declares a conflict with the first enterprise the draw will pick (the draw is
    deterministic given its seed and pool), so the published draw shows the recusal at work."""
    if Conflict.objects.filter(inspector=officer, reason=CONFLICT_REASON).exists():
        return 0
    pool = list(
        services.pool_queryset(supervisor.jurisdiction, _filters(plan), plan).values_list(
            "pk", flat=True
        )
    )
    if len(pool) < DRAW_SIZE:
        return 0
    first = algorithm.sample_enterprises(algorithm.rng_for(_seed(cal.today.year)), pool, DRAW_SIZE)[
        0
    ]
    conflict = services.declare_conflict(officer, officer.pk, first, CONFLICT_REASON)
    Conflict.objects.filter(pk=conflict.pk).update(declared_at=cal.at(cal.ago(60)))
    return 1


def _draw(supervisor, plan, cal: Calendar) -> Draw:
    year = cal.today.year
    drawn_on = cal.ago(45)
    draw = services.create_draw(
        supervisor,
        services.DrawRequest(
            name=_draw_name(year),
            enterprise_count=DRAW_SIZE,
            inspectors_per_enterprise=INSPECTORS_PER_ENTERPRISE,
            filters=_filters(plan),
            seed=_seed(year),
            plan_id=plan.pk,
            planned_from=cal.ago(40),
            planned_to=cal.ago(5),
        ),
    )
    services.publish_draw(supervisor, draw.pk)
    Draw.objects.filter(pk=draw.pk).update(
        drawn_at=cal.at(drawn_on, 9), published_at=cal.at(drawn_on, 16)
    )
    draw.refresh_from_db()
    return draw


# --- inspections --------------------------------------------------------------------------------


def _inspections(draw: Draw, officers, cal: Calendar) -> tuple[Inspection | None, int]:
    """The first two assignments inspected: the first found wanting (a major hazard among the
    items where its checklist has a criterion item), the second compliant. Returns (the
    inspection found wanting, how many were created)."""
    by_id = {o.pk: o for o in officers}
    assignments = list(draw.assignments.select_related("enterprise").order_by("position")[:2])
    done = {
        i.assignment_id: i
        for i in Inspection.objects.filter(assignment__in=assignments).select_related("enterprise")
    }
    created = 0
    wanting = next((i for i in done.values() if i.rectify_deadline), None)
    for assignment in assignments:
        if assignment.pk in done:
            continue
        inspectors = list(
            assignment.inspector_rows.order_by("position").values_list("inspector_id", flat=True)
        )
        officer = by_id.get(inspectors[0]) if inspectors else None
        if officer is None or assignment.outcome:
            continue
        inspection = _inspect(officer, assignment, want=wanting is None, cal=cal)
        if inspection.rectify_deadline:
            wanting = inspection
        created += 1
    return wanting, created


def _inspect(officer, assignment: DrawAssignment, *, want: bool, cal: Calendar) -> Inspection:
    inspected_on = min(assignment.planned_date or cal.ago(30), cal.ago(1))
    enterprise = assignment.enterprise
    inspection = inspections.create_inspection(
        officer,
        enterprise.pk,
        "on_site",
        inspected_on=inspected_on,
        assignment_id=assignment.pk,
        place="生产车间、配电室、危险作业场所",
    )
    items = [row["item"] for row in inspections.checklist_rows(inspection)]
    bad = set()
    if want:
        major = next((i for i in items if i.criterion_id), None)
        general = [i for i in items if not i.criterion_id]
        bad = {i.pk for i in ([major] if major else []) + general[1:2]}
    for item in items:
        result = Result.NOT_COMPLIANT if item.pk in bad else Result.COMPLIANT
        note = WANTING_NOTE if item.pk in bad else ""
        inspections.answer(officer, inspection.pk, item.pk, result, note)
    inspection = inspections.complete(
        officer,
        inspection.pk,
        findings=FINDINGS_WANTING.format(n=len(bad)) if bad else FINDINGS_CLEAN,
        rectify_deadline=inspected_on + timedelta(days=30) if bad else None,
    )
    moment = cal.at(inspected_on, 11)
    Inspection.objects.filter(pk=inspection.pk).update(
        created_at=cal.at(inspected_on, 9), completed_at=moment
    )
    InspectionEvent.objects.filter(inspection=inspection).update(at=moment)
    InspectionDocument.objects.filter(inspection=inspection).update(issued_at=moment)
    inspection.refresh_from_db()
    return inspection


# --- penalties ----------------------------------------------------------------------------------


def _penalties(officer, wanting: Inspection | None, cal: Calendar) -> int:
    created = 0
    Penalty.objects.filter(violation=PENALTY_OPEN_BEFORE).update(
        violation=PENALTY_OPEN[0], legal_basis=PENALTY_OPEN[1]
    )
    if wanting is not None and not Penalty.objects.filter(violation=PENALTY_OPEN[0]).exists():
        filed_on = min(wanting.inspected_on + timedelta(days=3), cal.ago(1))
        penalty = _case(officer, wanting.enterprise_id, PENALTY_OPEN, filed_on, wanting.pk)
        _advance(officer, penalty, [("notified", filed_on + timedelta(days=5))], cal)
        created += 1
    if not Penalty.objects.filter(violation=PENALTY_CLOSED[0]).exists():
        enterprise = (
            Enterprise.objects.for_user(officer)
            .filter(is_demo=True, status=Status.OPERATING, sector_tags__code="foundry")
            .order_by("pk")
            .first()
        )
        if enterprise is not None:
            filed_on = cal.ago(150)
            penalty = _case(officer, enterprise.pk, PENALTY_CLOSED, filed_on, None)
            steps = [
                ("notified", cal.ago(140)),
                ("decided", cal.ago(125)),
                ("executed", cal.ago(110)),
                ("closed", cal.ago(100)),
            ]
            _advance(officer, penalty, steps, cal)
            created += 1
    return created


def _case(officer, enterprise_id, case, filed_on, inspection_id) -> Penalty:
    violation, basis, amount = case
    penalty = penalty_services.file_penalty(
        officer,
        enterprise_id,
        violation,
        basis,
        amount=amount,
        filed_on=filed_on,
        inspection_id=inspection_id,
    )
    PenaltyEvent.objects.filter(penalty=penalty).update(at=Calendar.at(filed_on))
    Penalty.objects.filter(pk=penalty.pk).update(created_at=Calendar.at(filed_on))
    return penalty


def _advance(officer, penalty, steps, cal: Calendar) -> None:
    for state, day in steps:
        day = min(day, cal.ago(1))
        penalty = penalty_services.advance_penalty(
            officer,
            penalty.pk,
            state,
            note="演示数据",
            decided_on=day if state == "decided" else None,
        )
        PenaltyEvent.objects.filter(penalty=penalty, to_state=state).update(at=Calendar.at(day))
        if state == "closed":
            Penalty.objects.filter(pk=penalty.pk).update(closed_on=day)


# --- remote enforcement, assistance, typical cases (seed tasks 23, 24) ---------------------------

REMOTE_AWAITING = "监测报警显示设备参数超限，请说明原因、处置情况并上传处置记录（演示数据）"
REMOTE_DECIDED = "请上传近三个月有限空间作业审批记录（演示数据）"
REMOTE_ANSWER = "已上传有限空间作业审批记录，3 月份两次作业未履行审批（演示数据）"
REMOTE_DECISION = "有限空间作业未严格执行审批制度，登记隐患限期整改（演示数据）"
ASSISTANCE_FINDINGS = (
    "镇街执法检查“只检查不处罚”，执法文书不规范；已现场指导规范执法程序（演示数据）"
)
PENALTY_PUBLIC = (
    "粉尘涉爆除尘系统未按规定清理积尘，未建立粉尘清扫制度（演示数据）",
    "《中华人民共和国安全生产法》第九十九条第（二）项",
    Decimal("20000"),
)


def _remote(supervisor, officer, users, cal: Calendar) -> dict:
    """A remote inspection from a demo alarm awaiting the explanation, one decided with a
    hazard, an assistance record for a flagged town, two published typical cases."""
    from enforcement.remote import services as remote
    from monitoring.models import Alarm

    created = {"remote": 0, "assistance": 0, "public_cases": 0}
    principal = next((u for u in users if u.role == Role.PRINCIPAL and u.enterprise_id), None)
    if not RemoteInspection.objects.filter(question=REMOTE_AWAITING).exists():
        alarm = Alarm.objects.for_user(officer).order_by("-raised_at").first()
        if alarm is not None:
            remote.open_remote(
                officer, alarm.enterprise_id, "alarm", REMOTE_AWAITING, alarm_id=alarm.pk
            )
            created["remote"] += 1
        elif principal is not None:
            remote.open_remote(officer, principal.enterprise_id, "documents", REMOTE_AWAITING)
            created["remote"] += 1
    if (
        principal is not None
        and not RemoteInspection.objects.filter(question=REMOTE_DECIDED).exists()
    ):
        case = remote.open_remote(officer, principal.enterprise_id, "documents", REMOTE_DECIDED)
        remote.answer_remote(principal, case.pk, REMOTE_ANSWER)
        remote.decide_remote(officer, case.pk, "hazard", REMOTE_DECISION)
        created["remote"] += 1
    if not AssistanceRecord.objects.filter(findings=ASSISTANCE_FINDINGS).exists():
        flagged = [row for row in remote.town_flags(supervisor, cal.today) if row.flags]
        if flagged:
            remote.record_assistance(
                supervisor,
                flagged[0].town.pk,
                "cross_area",
                [supervisor.pk, officer.pk],
                cal.ago(20),
                ASSISTANCE_FINDINGS,
            )
            created["assistance"] = 1
    if not Penalty.objects.filter(violation=PENALTY_PUBLIC[0]).exists():
        enterprise = (
            Enterprise.objects.for_user(officer)
            .filter(is_demo=True, status=Status.OPERATING, sector_tags__code="combustible_dust")
            .order_by("pk")
            .first()
        )
        if enterprise is not None:
            penalty = _case(officer, enterprise.pk, PENALTY_PUBLIC, cal.ago(90), None)
            steps = [
                ("notified", cal.ago(80)),
                ("decided", cal.ago(70)),
                ("executed", cal.ago(60)),
                ("closed", cal.ago(50)),
            ]
            _advance(officer, penalty, steps, cal)
    for violation in (PENALTY_CLOSED[0], PENALTY_PUBLIC[0]):
        penalty = Penalty.objects.filter(violation=violation, state_id="closed").first()
        if penalty is not None and not PublicCase.objects.filter(penalty=penalty).exists():
            try:
                remote.publish_case(supervisor, penalty.pk)
            except Refused:
                continue
            created["public_cases"] += 1
    return created
