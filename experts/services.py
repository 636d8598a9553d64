"""Every change to the confined-space ledger and to expert visits goes through here:

- save_space: an enterprise's confined space (有限空间台账), added or corrected by its managers;
- plan_visit: a confined-space expert visit (seed task 9) to an enterprise, by the county or a
  town, with its experts (accounts.roles.Role.EXPERT); the enterprise is added to each expert's
  assigned enterprises, their scope (core.scoping), so that they read its ledger and record
  hazards there;
- record_part: one of the four parts (动员培训、现场会诊、交流研讨、讲评反馈); the first one
  starts the visit;
- add_finding: a diagnosis finding, at once a hazard of the ledger (hazards.services.report,
  source expert visit) linked to the visit; review_space: the experts' verdict on a space of
  the ledger, a problem optionally recorded as a finding;
- issue_report: the feedback report, numbered per issuing body (the visit's jurisdiction) and
  year (enforcement.inspections.numbering), its content stored as issued;
- close / close_settled: a reported visit closes once its findings' hazards are closed.

Each change checks the role (accounts.roles) and the scope, validates, writes in a transaction
with the visit locked, and stores an ExpertEvent, announced on commit (experts.notifications).
A refusal raises ExpertRefused with the reason in Chinese, the HTTP status and, where one field
is at fault, its name; nothing changes."""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.roles import Role
from core import events
from core.errors import Refused
from core.gate import check
from core.inputs import date_problem, text_problem
from enforcement.inspections import numbering
from enforcement.models import DocumentKind
from enterprises.models import Enterprise, ProcessKind
from experts.models import (
    ConfinedSpace,
    EventAction,
    ExpertEvent,
    ExpertVisit,
    SpaceReview,
    VisitFinding,
    VisitPart,
)
from experts.reference import (
    ENTRY_CONTROLS,
    HAZARD_LABELS,
    SPACE_GROUP,
    SPACE_SECTOR,
    Part,
    ReviewResult,
    VisitState,
)
from hazards import services as hazard_services
from hazards.models import OPEN_STATES, Hazard
from hazards.states import Source


class ExpertRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


TEXT_LIMITS = {
    "name": 60,
    "location": 100,
    "responsible": 40,
    "content": 2000,
    "description": 500,
    "place": 100,
    "note": 500,
    "summary": 5000,
}
MULTILINE = {"content", "summary"}
MAX_ATTENDEES = 10000
MAX_EXPERTS = 10
# Visits still to be worked on by their experts.
ACTIVE_STATES = (VisitState.PLANNED, VisitState.IN_PROGRESS)


def _line(value: Any, name: str, label: str, required: bool = True) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise ExpertRefused(f"请填写{label}", field=name)
    if len(value) > TEXT_LIMITS[name]:
        raise ExpertRefused(f"{label}不能超过 {TEXT_LIMITS[name]} 个字", field=name)
    if problem := text_problem(value, multiline=name in MULTILINE):
        raise ExpertRefused(f"{label}{problem}", field=name)
    return value


def _date(value: Any, name: str, label: str, today: date, *, past: bool) -> date:
    if not isinstance(value, date):
        raise ExpertRefused(f"请填写{label}", field=name)
    if problem := date_problem(value):
        raise ExpertRefused(label + problem.removeprefix("日期"), field=name)
    if past and value > today:
        raise ExpertRefused(f"{label}不能晚于今天", field=name)
    return value


def _int(value: Any, name: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpertRefused(f"{label}应为整数", field=name)
    if not low <= value <= high:
        raise ExpertRefused(f"{label}应在 {low} 至 {high} 之间", field=name)
    return value


def _refused_from(exc: Refused) -> ExpertRefused:
    return ExpertRefused(str(exc), exc.status)


# --- the ledger --------------------------------------------------------------------------------


def space_kinds() -> QuerySet[ProcessKind]:
    return ProcessKind.objects.filter(group=SPACE_GROUP)


def save_space(
    user,
    enterprise_id: int,
    *,
    name: Any,
    location: Any,
    kind: Any,
    hazards: Any,
    responsible: Any,
    lockout: bool = False,
    isolation: bool = False,
    scan_entry: bool = False,
    monitoring: bool = False,
    last_checked_on: Any = None,
    space_id: int | None = None,
    today: date | None = None,
) -> ConfinedSpace:
    """Add a space to the enterprise's ledger, or correct one (`space_id`)."""
    today = today or timezone.localdate()
    check(user, "confined_space.edit", "登记有限空间台账", ExpertRefused)
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise ExpertRefused("企业不存在或不在您的管辖范围内", 404, field="enterprise")
    values = {
        "name": _line(name, "name", "有限空间名称"),
        "location": _line(location, "location", "所在位置"),
        "responsible": _line(responsible, "responsible", "责任人"),
    }
    code = getattr(kind, "pk", kind)
    space_kind = space_kinds().filter(pk=code).first() if isinstance(code, str) else None
    if space_kind is None:
        raise ExpertRefused("请选择有限空间类型", field="kind")
    if not isinstance(hazards, list | tuple) or not hazards:
        raise ExpertRefused("请至少选择一项危险有害因素", field="hazards")
    unknown = [h for h in hazards if not isinstance(h, str) or h not in HAZARD_LABELS]
    if unknown:
        raise ExpertRefused("危险有害因素无效", field="hazards")
    chosen = [code for code in HAZARD_LABELS if code in hazards]
    if last_checked_on is not None:
        last_checked_on = _date(
            last_checked_on, "last_checked_on", "最近检查日期", today, past=True
        )
    controls = {"lockout": lockout, "isolation": isolation}
    controls |= {"scan_entry": scan_entry, "monitoring": monitoring}
    with transaction.atomic():
        if space_id is not None:
            space = (
                ConfinedSpace.objects.select_for_update()
                .filter(pk=space_id, enterprise=enterprise)
                .first()
            )
            if space is None:
                raise ExpertRefused("有限空间不存在或不在您的管辖范围内", 404)
        else:
            space = ConfinedSpace(enterprise=enterprise)
        clash = ConfinedSpace.objects.filter(enterprise=enterprise, name=values["name"])
        if space.pk:
            clash = clash.exclude(pk=space.pk)
        if clash.exists():
            raise ExpertRefused("本企业台账中已有同名有限空间", 409, field="name")
        for field, value in values.items():
            setattr(space, field, value)
        for control, on in controls.items():
            setattr(space, control, bool(on))
        space.kind = space_kind
        space.hazards = chosen
        space.last_checked_on = last_checked_on
        space.updated_by = user
        created = space.pk is None
        space.save()
        events.record(
            ExpertEvent,
            actor=user,
            action=EventAction.SPACE,
            enterprise=enterprise,
            space=space,
            to_state="created" if created else "updated",
            note=space.name,
        )
    return space


def ledger_expected(enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """The enterprises that must keep a confined-space ledger: with a confined-space kind in
    their equipment and process profile, or the confined-space sector tag."""
    profile = Enterprise.process_kinds.through.objects.filter(
        enterprise_id=OuterRef("pk"), processkind__group=SPACE_GROUP
    )
    tagged = Enterprise.sector_tags.through.objects.filter(
        enterprise_id=OuterRef("pk"), sectortag_id=SPACE_SECTOR
    )
    return enterprises.filter(Q(Exists(profile)) | Q(Exists(tagged)))


def ledger_missing(enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Of those, the ones whose ledger is still empty."""
    spaces = ConfinedSpace.objects.filter(enterprise_id=OuterRef("pk"))
    return ledger_expected(enterprises).exclude(Exists(spaces))


# --- visits ------------------------------------------------------------------------------------


def experts_available():
    from accounts.models import User

    return User.objects.filter(role=Role.EXPERT, is_active=True).order_by("full_name", "username")


def plan_visit(
    user, enterprise_id: int, *, planned_on: Any, expert_ids: Any, today: date | None = None
) -> ExpertVisit:
    """A visit to the enterprise on `planned_on`, organized by the user's jurisdiction (the
    issuing body of its report), with the experts named."""
    today = today or timezone.localdate()
    check(user, "expert_visit.manage", "计划专家会诊", ExpertRefused)
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None or not user.jurisdiction_id:
        raise ExpertRefused("企业不存在或不在您的管辖范围内", 404, field="enterprise")
    planned_on = _date(planned_on, "planned_on", "计划日期", today, past=False)
    if planned_on < today:
        raise ExpertRefused("计划日期不能早于今天", field="planned_on")
    ids = list(expert_ids) if isinstance(expert_ids, list | tuple | set) else []
    if not ids:
        raise ExpertRefused("请至少指派一名专家", field="experts")
    if len(ids) > MAX_EXPERTS:
        raise ExpertRefused(f"最多指派 {MAX_EXPERTS} 名专家", field="experts")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise ExpertRefused("所选专家不存在或已停用", field="experts")
    experts = list(experts_available().filter(pk__in=ids))
    if len(experts) != len(set(ids)):
        raise ExpertRefused("所选专家不存在或已停用", field="experts")
    with transaction.atomic():
        visit = ExpertVisit.objects.create(
            jurisdiction=user.jurisdiction,
            enterprise=enterprise,
            planned_on=planned_on,
            created_by=user,
        )
        visit.experts.set(experts)
        for expert in experts:
            expert.assigned_enterprises.add(enterprise)
        events.record(
            ExpertEvent,
            actor=user,
            action=EventAction.PLANNED,
            enterprise=enterprise,
            visit=visit,
            to_state=VisitState.PLANNED,
            note=f"{planned_on:%Y-%m-%d}",
            payload={"experts": [e.pk for e in experts], "planned_on": planned_on.isoformat()},
        )
    return visit


def _locked(user, visit_id: int, action: str, label: str, states=ACTIVE_STATES) -> ExpertVisit:
    """The visit, locked for this transaction: 404 outside the user's scope (an expert not
    assigned to it), 403 for a role that may not, 409 in another state."""
    visit = (
        ExpertVisit.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("enterprise", "jurisdiction")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        raise ExpertRefused("会诊不存在或不在您的范围内", 404)
    check(user, action, label, ExpertRefused)
    if visit.state not in states:
        raise ExpertRefused(f"会诊{visit.get_state_display()}，不能{label}", 409)
    return visit


def _start(user, visit: ExpertVisit) -> None:
    if visit.state == VisitState.PLANNED:
        visit.state = VisitState.IN_PROGRESS
        visit.save(update_fields=["state"])


def record_part(
    user,
    visit_id: int,
    *,
    part: Any,
    held_on: Any,
    attendees: Any,
    content: Any,
    today: date | None = None,
) -> VisitPart:
    """Record one of the four parts (or correct it: one row per part)."""
    today = today or timezone.localdate()
    if part not in Part.values:
        raise ExpertRefused("会诊环节无效", field="part")
    held_on = _date(held_on, "held_on", "日期", today, past=True)
    attendees = _int(attendees, "attendees", "参加人数", 1, MAX_ATTENDEES)
    content = _line(content, "content", "内容")
    with transaction.atomic():
        visit = _locked(user, visit_id, "expert_visit.diagnose", "登记会诊环节")
        from_state = visit.state
        row, _created = VisitPart.objects.update_or_create(
            visit=visit,
            part=part,
            defaults={
                "held_on": held_on,
                "attendees": attendees,
                "content": content,
                "recorded_by": user,
            },
        )
        _start(user, visit)
        events.record(
            ExpertEvent,
            actor=user,
            action=EventAction.PART,
            enterprise=visit.enterprise,
            visit=visit,
            from_state=from_state,
            to_state=visit.state,
            note=Part(part).label,
        )
    return row


def _finding(user, visit, description, place, space, today) -> VisitFinding:
    try:
        hazard = hazard_services.report(
            user,
            visit.enterprise_id,
            source=Source.EXPERT_VISIT,
            from_record=True,
            description=description,
            place=place or (space.location if space else ""),
            found_on=today,
            found_by=f"有限空间专家会诊（{visit.planned_on:%Y-%m-%d}）",
        )
    except Refused as exc:
        raise _refused_from(exc) from None
    except Enterprise.DoesNotExist:
        # An expert on the visit whose assignment to the enterprise was since removed (the
        # admin's 指派企业): the hazard ledger is not theirs to write in any more.
        raise ExpertRefused("该企业已不在您的指派企业中，请联系组织单位重新指派", 403) from None
    finding = VisitFinding.objects.create(
        visit=visit,
        space=space,
        description=description,
        place=place,
        hazard=hazard,
        recorded_by=user,
    )
    events.record(
        ExpertEvent,
        actor=user,
        action=EventAction.FINDING,
        enterprise=visit.enterprise,
        visit=visit,
        space=space,
        to_state=visit.state,
        note=description,
        payload={"hazard": hazard.pk},
    )
    return finding


def _space_of(visit, space_id) -> ConfinedSpace | None:
    if space_id is None:
        return None
    space = ConfinedSpace.objects.filter(pk=space_id, enterprise_id=visit.enterprise_id).first()
    if space is None:
        raise ExpertRefused("该有限空间不在本企业台账中", field="space")
    return space


def add_finding(
    user,
    visit_id: int,
    *,
    description: Any,
    place: Any = "",
    space_id: int | None = None,
    today: date | None = None,
) -> VisitFinding:
    """A problem found on site: a hazard of the enterprise's ledger at once (source expert
    visit, reported by the user), linked to the visit and, if named, to the space."""
    today = today or timezone.localdate()
    description = _line(description, "description", "问题描述")
    place = _line(place, "place", "部位", required=False)
    with transaction.atomic():
        visit = _locked(user, visit_id, "expert_visit.diagnose", "登记会诊问题")
        space = _space_of(visit, space_id)
        _start(user, visit)
        return _finding(user, visit, description, place, space, today)


def review_space(
    user,
    visit_id: int,
    space_id: int,
    *,
    result: Any,
    note: Any = "",
    as_finding: bool = False,
    today: date | None = None,
) -> SpaceReview:
    """The experts' verdict on one space of the ledger (符合 / 存在问题 with a note). A problem
    may be recorded as a finding (a hazard) at once; a verdict given again replaces the last
    one, never a finding already recorded."""
    today = today or timezone.localdate()
    if result not in ReviewResult.values:
        raise ExpertRefused("请选择审核结论", field="result")
    note = _line(note, "note", "说明", required=False)
    if result == ReviewResult.PROBLEM and not note:
        raise ExpertRefused("存在问题时请填写说明", field="note")
    if as_finding and result != ReviewResult.PROBLEM:
        raise ExpertRefused("只有存在问题的才能登记为隐患", field="as_finding")
    with transaction.atomic():
        visit = _locked(user, visit_id, "expert_visit.diagnose", "审核有限空间台账")
        space = _space_of(visit, space_id)
        assert space is not None
        review = SpaceReview.objects.filter(visit=visit, space=space).first()
        review = review or SpaceReview(visit=visit, space=space)
        if as_finding and review.finding_id:
            raise ExpertRefused("该有限空间的问题已登记为隐患", 409, field="as_finding")
        review.result, review.note, review.reviewed_by = result, note, user
        _start(user, visit)
        if as_finding:
            review.finding = _finding(
                user, visit, f"{space.name}：{note}", space.location, space, today
            )
        review.save()
        events.record(
            ExpertEvent,
            actor=user,
            action=EventAction.REVIEW,
            enterprise=visit.enterprise,
            visit=visit,
            space=space,
            to_state=visit.state,
            note=f"{space.name}：{ReviewResult(result).label}",
        )
    return review


def open_hazards(visit: ExpertVisit) -> int:
    return Hazard.objects.filter(expert_finding__visit=visit, state__in=OPEN_STATES).count()


def _report_data(visit: ExpertVisit, summary: str, number: str, today: date) -> dict:
    parts = {p.part: p for p in visit.parts.all()}
    return {
        "issuer": numbering.issuer(visit.jurisdiction),
        "organiser": visit.jurisdiction.name,
        "number": number,
        "enterprise": visit.enterprise.name,
        "address": visit.enterprise.address,
        "planned_on": visit.planned_on.isoformat(),
        "experts": [e.display_name for e in visit.experts.order_by("pk")],
        "parts": [
            {
                "part": label,
                "held_on": parts[value].held_on.isoformat() if value in parts else "",
                "attendees": parts[value].attendees if value in parts else None,
                "content": parts[value].content if value in parts else "",
            }
            for value, label in Part.choices
        ],
        "findings": [
            {
                "description": f.description,
                "place": f.place,
                "space": f.space.name if f.space else "",
                "hazard": f.hazard_id,
            }
            for f in visit.findings.select_related("space").order_by("pk")
        ],
        "reviews": [
            {"space": r.space.name, "result": r.get_result_display(), "note": r.note}
            for r in visit.reviews.select_related("space").order_by("space__name")
        ],
        "summary": summary,
        "issued_on": today.isoformat(),
    }


def issue_report(user, visit_id: int, *, summary: Any, today: date | None = None) -> ExpertVisit:
    """The feedback report (讲评反馈报告): only once the on-site diagnosis is recorded; its
    number from the visit's jurisdiction's counter for the year; the enterprise is told of
    its findings and the report."""
    today = today or timezone.localdate()
    summary = _line(summary, "summary", "讲评反馈意见")
    with transaction.atomic():
        visit = _locked(
            user, visit_id, "expert_visit.diagnose", "出具反馈报告", (VisitState.IN_PROGRESS,)
        )
        if not visit.parts.filter(part=Part.DIAGNOSE).exists():
            raise ExpertRefused("请先登记现场会诊环节", 409)
        _serial, number = numbering.allocate(
            visit.jurisdiction, DocumentKind.EXPERT_REPORT, today.year
        )
        visit.summary = summary
        visit.report_number = number
        visit.report_data = _report_data(visit, summary, number, today)
        visit.reported_at = timezone.now()
        visit.state = VisitState.REPORTED
        visit.save(
            update_fields=["summary", "report_number", "report_data", "reported_at", "state"]
        )
        findings = visit.findings.count()
        events.record(
            ExpertEvent,
            actor=user,
            action=EventAction.REPORTED,
            enterprise=visit.enterprise,
            visit=visit,
            from_state=VisitState.IN_PROGRESS,
            to_state=VisitState.REPORTED,
            note=number,
            payload={"findings": findings, "number": number},
        )
        _close_if_settled(visit, None)
    return visit


def _close_if_settled(visit: ExpertVisit, actor) -> bool:
    if visit.state != VisitState.REPORTED or open_hazards(visit):
        return False
    visit.state = VisitState.CLOSED
    visit.closed_at = timezone.now()
    visit.save(update_fields=["state", "closed_at"])
    events.record(
        ExpertEvent,
        actor=actor,
        action=EventAction.CLOSED,
        enterprise=visit.enterprise,
        visit=visit,
        from_state=VisitState.REPORTED,
        to_state=VisitState.CLOSED,
        note="会诊发现的隐患已全部闭环" if visit.findings.exists() else "会诊未发现问题",
    )
    return True


def close(user, visit_id: int) -> ExpertVisit:
    """Close a reported visit whose findings' hazards are all closed (or rejected)."""
    with transaction.atomic():
        visit = _locked(
            user,
            visit_id,
            "expert_visit.manage",
            "闭环专家会诊",
            (VisitState.REPORTED,),
        )
        count = open_hazards(visit)
        if count:
            raise ExpertRefused(f"尚有 {count} 项会诊隐患未闭环，不能闭环", 409)
        _close_if_settled(visit, user)
    return visit


def close_settled() -> int:
    """The daily sweep: every reported visit whose hazards are all closed closes."""
    settled = (
        ExpertVisit.objects.filter(state=VisitState.REPORTED)
        .annotate(
            open=Count("findings", filter=Q(findings__hazard__state__in=OPEN_STATES)),
        )
        .filter(open=0)
        .values_list("pk", flat=True)
    )
    closed = 0
    for pk in list(settled):
        with transaction.atomic():
            visit = (
                ExpertVisit.objects.select_for_update(of=("self",))
                .select_related("enterprise")
                .get(pk=pk)
            )
            closed += _close_if_settled(visit, None)
    return closed


def _count(findings: QuerySet[VisitFinding]) -> Coalesce:
    counted = findings.filter(visit=OuterRef("pk")).order_by().values("visit")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def visit_rows(visits: QuerySet[ExpertVisit]) -> QuerySet[ExpertVisit]:
    """The list's rows with their counts: findings and findings whose hazard is still open
    (a subquery each per row of the page, not a join of every visit with its findings)."""
    return visits.select_related("enterprise", "jurisdiction").annotate(
        finding_count=_count(VisitFinding.objects.all()),
        open_count=_count(VisitFinding.objects.filter(hazard__state__in=OPEN_STATES)),
    )


def controls_of(space: ConfinedSpace) -> list[tuple[str, bool]]:
    return [(label, getattr(space, name)) for name, label in ENTRY_CONTROLS]
