"""Every change to a hazard goes through here. Each action checks who may take it and from
which state (TRANSITIONS), changes the hazard, stores a HazardEvent (who, when, from, to,
note) and, once the transaction commits, hands the event to the task queue for notification.
A refused action raises TransitionRefused with the reason in Chinese and changes nothing."""

import operator
from datetime import date
from decimal import Decimal
from functools import reduce

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from core.inputs import TEXT_MAX, text_problem
from enterprises.models import Enterprise
from hazards.models import (
    Answer,
    Extension,
    Hazard,
    HazardEvent,
    HazardPhoto,
    ListedLevel,
    MajorHazardCriterion,
    PhotoKind,
    SelfInspection,
    SelfInspectionItem,
    Source,
    State,
    Suspension,
)
from hazards.states import LINKED_SOURCES
from hazards.transitions import (
    ENTERPRISE_REVIEW,
    NEXT_STEP,
    REVIEWED_INSIDE,
    STAFF,
    TRANSITIONS,
    WAITING_FOR,
    ZERO_OUT,
    reviewed_inside,
)


class TransitionRefused(Refused):
    """A refused action on a hazard (core.errors.Refused): 403 for a role that may not act, 409
    for a hazard in the wrong state, 422 for data."""


def sources_for(user) -> list[str]:
    """The sources (hazards.models.Source) `user` may claim for a hazard they report: the
    PERMISSIONS actions hazard.source.<source>."""
    return [value for value in Source.values if can(user, f"hazard.source.{value}")]


def _event(hazard, action, actor, from_state, note="", data=None) -> HazardEvent:
    return events.record(
        HazardEvent,
        hazard=hazard,
        action=action,
        from_state=from_state,
        to_state=hazard.state,
        actor=actor,
        note=note,
        payload=data or {},
    )


def _locked(user, hazard_id) -> Hazard:
    """The hazard, locked for this transaction, if the user may see it (else DoesNotExist)."""
    return (
        Hazard.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=hazard_id)
    )


def _act(
    user, hazard_id, action: str, change, note: str = "", data=None, by_recheck=False
) -> Hazard:
    transition = TRANSITIONS[action]
    with transaction.atomic():
        hazard = _locked(user, hazard_id)
        if not can(user, transition.permission_for(hazard)):
            raise TransitionRefused(_not_yours(user, transition, hazard), 403)
        if hazard.state not in transition.sources:
            raise TransitionRefused(
                f"隐患当前状态为“{hazard.get_state_display()}”，不能{transition.label}", 409
            )
        if action in OTHERS_ONLY and _own(user, hazard, action):
            raise TransitionRefused(OTHERS_ONLY[action], 403)
        if action in BY_RECHECK and hazard.order_link and not by_recheck:
            raise TransitionRefused(BY_RECHECK_REASON, 409)
        before = hazard.state
        change(hazard)
        if transition.target is not None:
            hazard.state = transition.target
        hazard.save()
        _event(hazard, action, user, before, note, data)
    return hazard


# Steps a second person takes: nobody confirms a hazard they reported themselves, and nobody
# verifies a rectification they submitted (seed task 5's closed loop).
OTHERS_ONLY = {
    "confirm": "不能确认本人登记的隐患，请由其他人员确认",
    "reject": "不能对本人登记的隐患作出不予确认",
    "close": "不能验收本人提交的整改",
    "return": "不能退回本人提交的整改",
}


# A hazard ordered rectified by an enforcement inspection is verified by that inspection's
# re-check (整改复查意见书, enforcement.inspections.services.recheck), which closes or returns
# it; not by a close on its own page.
BY_RECHECK = ("close", "return")
BY_RECHECK_REASON = "该隐患由执法检查责令整改，请通过该次检查的整改复查验收"
RECHECK_STEP = ("整改复查（出具整改复查意见书）", "执法人员")


def _own(user, hazard, action: str) -> bool:
    mine = hazard.reported_by_id if action in ("confirm", "reject") else hazard.submitted_by_id
    return mine is not None and mine == user.pk


def available_actions(user, hazard) -> list[str]:
    """The transitions (rules.TRANSITIONS) this user may take on this hazard now, in the
    table's order: the role may, the hazard is in a source state, and what the action needs is
    there (a major hazard to list or suspend, a pending request to decide, a deadline to
    extend). Pages show these as buttons; the service still checks each one when taken."""
    available = []
    for name, transition in TRANSITIONS.items():
        if not can(user, transition.permission_for(hazard)):
            continue
        if hazard.state not in transition.sources:
            continue
        if transition.major_only and not hazard.is_major:
            continue
        if name in OTHERS_ONLY and _own(user, hazard, name):
            continue
        if name in BY_RECHECK and hazard.order_link:
            continue
        pending = hazard.pending_extension if name == "decide_extension" else None
        if name == "decide_extension" and (not pending or pending.requested_by_id == user.pk):
            continue
        if name == "request_extension" and (hazard.pending_extension or not hazard.deadline):
            continue
        available.append(name)
    return available


def next_step(hazard) -> tuple[str, str] | None:
    """What moves this hazard on, and who it waits for: ("制定整改方案", "企业（…）"); None
    when it is closed or rejected."""
    name = NEXT_STEP.get(hazard.state)
    if name is None:
        return None
    if name in BY_RECHECK and hazard.order_link:
        return RECHECK_STEP
    transition = TRANSITIONS[name]
    return transition.label, WAITING_FOR[transition.permission_for(hazard)]


def awaiting(user) -> dict[str, Q]:
    """Per open state, the hazards whose next step (NEXT_STEP) is this user's to take, as a
    query: their role takes it on such a hazard (a review step: the staff's, or the
    enterprise's for a hazard reviewed inside) and, for a second person's step, they are not
    who reported or submitted it. The workbench counts these; an empty dict: nothing is ever
    theirs."""
    found = {}
    for state, step in NEXT_STEP.items():
        transition = TRANSITIONS[step]
        if transition.review:
            parts = []
            if can(user, transition.permission):
                parts.append(~REVIEWED_INSIDE)
            if can(user, ENTERPRISE_REVIEW):
                parts.append(REVIEWED_INSIDE)
            if not parts:
                continue
            condition = Q(state=state) & reduce(operator.or_, parts)
        elif can(user, transition.permission):
            condition = Q(state=state)
        else:
            continue
        if step in OTHERS_ONLY:
            mine = "reported_by" if step in ("confirm", "reject") else "submitted_by"
            condition &= ~Q(**{mine: user.pk})
        if step in BY_RECHECK:
            condition &= Q(order_link="")  # verified by its inspection's re-check instead
        found[state] = condition
    return found


def _not_yours(user, transition, hazard) -> str:
    """Why this user may not take the transition on this hazard: a review step whose other
    variant their role takes is named as such; otherwise the role may not."""
    if transition.review and reviewed_inside(hazard) and can(user, STAFF):
        return f"企业自查发现的一般隐患由企业自行{transition.label}"
    if transition.review and not reviewed_inside(hazard) and can(user, ENTERPRISE_REVIEW):
        return f"该隐患须由监管部门{transition.label}"
    return f"您的角色不能{transition.label}"


def _required(value, message):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise TransitionRefused(message)
    return value.strip() if isinstance(value, str) else value


# --- report ------------------------------------------------------------------------------------


def report(
    user,
    enterprise_id: int,
    *,
    source: str,
    description: str,
    place: str = "",
    found_on: date | None = None,
    found_by: str = "",
    criterion_id: int | None = None,
    photos=(),
    ordered_by: date | None = None,
    order_link: str = "",
    from_record: bool = False,
    client_id=None,
) -> Hazard:
    """Record a hazard found by anyone who may see the enterprise. A hazard matched to a
    criterion of the standard is major from the start. `photos` are uploaded files, or the
    storage names of images already kept (an inspection's photos), which the hazard refers to
    instead of storing them again.

    `ordered_by`: found by inspectors on site and ordered rectified by that day (a checklist
    inspection's 责令限期整改指令书): the hazard is confirmed there and then, with that
    deadline, by staff who may confirm; the enterprise plans its rectification next.
    `order_link`: the page of the inspection whose re-check verifies it (Hazard.order_link).
    `from_record`: called by the record that found it (a campaign's checklist, an expert visit, a
    remote inspection), the only way to a source of hazards.states.LINKED_SOURCES.
    `client_id`: the id a phone gave the report offline (fieldwork.services makes the report
    idempotent on it)."""
    check(user, "hazard.report", "登记隐患", TransitionRefused)
    if ordered_by is not None:
        check(user, TRANSITIONS["confirm"].permission, "现场确认隐患", TransitionRefused)
    allowed = sources_for(user)
    if source in LINKED_SOURCES and source in allowed and not from_record:
        raise TransitionRefused("该来源的隐患只由专项整治、专家会诊或非现场执法的记录生成")
    if source not in allowed:
        labels = "、".join(
            str(label)
            for value, label in Source.choices
            if value in allowed and value not in LINKED_SOURCES
        )
        raise TransitionRefused(f"您登记的隐患来源只能是：{labels}")
    description = _required(description, "请填写隐患描述")
    today = timezone.localdate()
    found_on = found_on or today
    if found_on > today:
        raise TransitionRefused("发现日期不能晚于今天")
    with transaction.atomic():
        enterprise = Enterprise.objects.for_user(user).get(pk=enterprise_id)
        criterion = None
        if criterion_id is not None:
            criterion = (
                MajorHazardCriterion.objects.for_enterprise(enterprise)
                .filter(pk=criterion_id)
                .first()
            )
            if criterion is None:
                raise TransitionRefused("所选判定标准条目不适用于该企业")
        hazard = Hazard.objects.create(
            enterprise=enterprise,
            source=source,
            description=description,
            place=place.strip(),
            found_on=found_on,
            found_by=(found_by or user.display_name).strip(),
            reported_by=user,
            is_major=criterion is not None,
            criterion=criterion,
            order_link=order_link if ordered_by is not None else "",
            client_id=client_id,
        )
        _add_photos(hazard, PhotoKind.FOUND, photos, user)
        _event(hazard, "report", user, "", data={"major": hazard.is_major})
        if ordered_by is not None:
            hazard.state, hazard.deadline = State.CONFIRMED, ordered_by
            hazard.save(update_fields=["state", "deadline", "updated_at"])
            day = f"{ordered_by.year}年{ordered_by.month}月{ordered_by.day}日"
            note = f"执法检查现场确认，责令于 {day} 前整改"
            _event(hazard, "confirm", user, State.REPORTED, note)
    return hazard


def report_from_monitoring(
    enterprise: Enterprise, *, description: str, place: str, found_on: date
) -> Hazard:
    """A major hazard found by the monitoring system itself (第十四条: a monitoring, alarm or
    interlock device out of order), recorded with no person as its reporter."""
    criterion = MajorHazardCriterion.objects.get(article=14, item=0)
    hazard = Hazard.objects.create(
        enterprise=enterprise,
        source=Source.MONITORING,
        description=description,
        place=place,
        found_on=found_on,
        found_by="监测预警系统",
        is_major=True,
        criterion=criterion,
    )
    _event(hazard, "report", None, "", data={"major": True, "monitoring": True})
    return hazard


def report_from_system(
    enterprise: Enterprise,
    *,
    source: str,
    description: str,
    place: str,
    found_on: date,
    found_by: str,
    deadline: date | None = None,
    data: dict | None = None,
) -> Hazard:
    """A general hazard the platform finds itself by comparing an enterprise's records with a
    rule (an obsolete process or equipment in its register, projects.matching), recorded with
    no person as its reporter and, where the rule sets one, a rectification deadline. It waits
    for the bureau's confirmation like any hazard reported by others."""
    if source not in Source.values:
        raise ValueError(f"unknown hazard source {source!r}")
    hazard = Hazard.objects.create(
        enterprise=enterprise,
        source=source,
        description=description,
        place=place,
        found_on=found_on,
        found_by=found_by,
        deadline=deadline,
    )
    _event(hazard, "report", None, "", data={"major": False, "system": True, **(data or {})})
    return hazard


def report_by_name(
    enterprise: Enterprise,
    *,
    description: str,
    place: str = "",
    found_by: str,
    photos=(),
    data: dict | None = None,
) -> Hazard:
    """A hazard an enterprise's employee reports through its report link without an account
    (rewards: the enterprise allows reports by name and phone), recorded with no user as its
    reporter and `found_by` their name. It waits for the enterprise's confirmation like any
    employee report."""
    description = _required(description, "请填写隐患描述")
    found_by = _required(found_by, "请填写报告人姓名")
    with transaction.atomic():
        hazard = Hazard.objects.create(
            enterprise=enterprise,
            source=Source.EMPLOYEE_REPORT,
            description=description,
            place=(place or "").strip(),
            found_on=timezone.localdate(),
            found_by=found_by,
        )
        _add_photos(hazard, PhotoKind.FOUND, photos, None)
        _event(hazard, "report", None, "", data={"major": False, "by_name": True, **(data or {})})
    return hazard


def _add_photos(hazard, kind, photos, user) -> None:
    for image in photos:
        HazardPhoto.objects.create(hazard=hazard, kind=kind, image=image, uploaded_by=user)


# --- judging -----------------------------------------------------------------------------------


def confirm(user, hazard_id: int, note: str = "") -> Hazard:
    return _act(user, hazard_id, "confirm", lambda h: None, note)


def reject(user, hazard_id: int, reason: str) -> Hazard:
    reason = _required(reason, "不予确认须填写理由")
    return _act(user, hazard_id, "reject", lambda h: None, reason)


def judge_major(
    user, hazard_id: int, *, is_major: bool, criterion_id: int | None = None, reason: str = ""
) -> Hazard:
    """A supervisor's decision: major by a criterion, or by judgement with a reason; or not
    major, with a reason."""

    def change(hazard):
        if is_major and criterion_id is not None:
            criterion = (
                MajorHazardCriterion.objects.for_enterprise(hazard.enterprise)
                .filter(pk=criterion_id)
                .first()
            )
            if criterion is None:
                raise TransitionRefused("所选判定标准条目不适用于该企业")
            hazard.criterion = criterion
            hazard.major_reason = reason.strip()
        else:
            _required(reason, "未对应判定标准条目时，须填写认定理由")
            hazard.criterion = None
            hazard.major_reason = reason.strip()
        hazard.is_major = is_major

    return _act(user, hazard_id, "judge_major", change, reason, {"major": is_major})


# --- rectification -----------------------------------------------------------------------------


def _zero_out_reason(hazard, deadline: date, reason: str) -> str:
    """The reason a major hazard's deadline may lie past its year's zero-out day (seed task 6,
    hazards.transitions.ZERO_OUT): required then, and kept; "" for a deadline within the rule."""
    limit = hazard.zero_out_deadline
    if limit is None or deadline <= limit:
        return ""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(
            f"{hazard.found_on.year}年查出的重大事故隐患须于{_day(limit)}前完成整改"
            f"（{ZERO_OUT.source}）；期限晚于该日须填写超出清零时限的理由"
        )
    return reason


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def plan(
    user,
    hazard_id: int,
    *,
    owner: str,
    measures: str,
    deadline: date | None,
    funds: Decimal | None = None,
    contingency_plan: str = "",
    zero_out_reason: str = "",
) -> Hazard:
    """The rectification plan. A major hazard needs all five elements (五落实: 责任、措施、资金、
    时限、预案; seed task 5); a general one a responsible person, measures and a deadline. A
    major hazard's deadline past its year's zero-out day needs `zero_out_reason`."""
    data: dict[str, object] = {}

    def change(hazard):
        hazard.owner = _required(owner, "请填写整改责任人")
        hazard.measures = _required(measures, "请填写整改措施")
        if deadline is None:
            raise TransitionRefused("请填写整改期限")
        if hazard.state == State.PLANNED and hazard.deadline and deadline > hazard.deadline:
            # A revised plan may tighten its deadline; pushing it out is an extension, which
            # the bureau approves.
            raise TransitionRefused("推迟整改期限须申请延期")
        hazard.deadline = deadline
        if hazard.deadline < timezone.localdate():
            raise TransitionRefused("整改期限不能早于今天")
        hazard.zero_out_reason = _zero_out_reason(hazard, deadline, zero_out_reason)
        if hazard.zero_out_reason:
            data.update(breaks_zero_out=True, zero_out_reason=hazard.zero_out_reason)
        if funds is not None and funds < 0:
            raise TransitionRefused("整改资金不能为负数")
        hazard.funds = funds
        hazard.contingency_plan = (contingency_plan or "").strip()
        if hazard.is_major:
            missing = []
            if funds is None:
                missing.append("整改资金")
            if not hazard.contingency_plan:
                missing.append("应急预案")
            if missing:
                raise TransitionRefused("重大事故隐患须落实“五落实”，缺少：" + "、".join(missing))

    return _act(user, hazard_id, "plan", change, data=data)


def start(user, hazard_id: int, note: str = "") -> Hazard:
    return _act(user, hazard_id, "start", lambda h: None, note)


def submit(user, hazard_id: int, evidence: str, photos=()) -> Hazard:
    def change(hazard):
        hazard.evidence = _required(evidence, "提交验收须填写整改情况说明")
        hazard.submitted_by = user
        _add_photos(hazard, PhotoKind.EVIDENCE, photos, user)

    return _act(user, hazard_id, "submit", change)


def close(user, hazard_id: int, note: str = "", *, by_recheck: bool = False, photos=()) -> Hazard:
    """Verify and close (验收销号). The verifier is never the one who submitted. A hazard an
    inspection ordered rectified is closed only by its re-check (`by_recheck`). `photos`: what
    the verifier saw on site (复查照片)."""

    def change(hazard):
        if not hazard.evidence.strip():
            raise TransitionRefused("没有整改情况说明，不能销号")
        hazard.closed_by = user
        hazard.closed_at = timezone.now()
        # Production or equipment stopped for this hazard may resume once it is closed.
        hazard.suspension = Suspension.NONE
        hazard.suspended_equipment = ""
        _add_photos(hazard, PhotoKind.RECHECK, photos, user)

    return _act(user, hazard_id, "close", change, note, by_recheck=by_recheck)


def send_back(user, hazard_id: int, reason: str, *, by_recheck: bool = False, photos=()) -> Hazard:
    """Return a submitted rectification (退回整改), with the reason and, from a verification on
    site, its photos (复查照片)."""
    reason = _required(reason, "退回整改须填写理由")

    def change(hazard):
        _add_photos(hazard, PhotoKind.RECHECK, photos, user)

    return _act(user, hazard_id, "return", change, reason, by_recheck=by_recheck)


# --- extensions, supervision, suspension -------------------------------------------------------


def request_extension(
    user, hazard_id: int, *, new_deadline: date, reason: str, zero_out_reason: str = ""
) -> Extension:
    """Ask the bureau for a later deadline. For a major hazard, one past its year's zero-out
    day needs `zero_out_reason` besides the reason for the extension."""
    created = {}
    data: dict[str, object] = {"new_deadline": new_deadline.isoformat()}

    def change(hazard):
        _required(reason, "申请延期须填写理由")
        if hazard.extensions.filter(approved__isnull=True).exists():
            raise TransitionRefused("已有待审批的延期申请", 409)
        if new_deadline < timezone.localdate():
            raise TransitionRefused("延期后的期限不能早于今天")
        if hazard.deadline is None or new_deadline <= hazard.deadline:
            raise TransitionRefused("延期后的期限须晚于原整改期限")
        beyond = _zero_out_reason(hazard, new_deadline, zero_out_reason)
        if beyond:
            data.update(breaks_zero_out=True, zero_out_reason=beyond)
        created["extension"] = Extension.objects.create(
            hazard=hazard,
            requested_by=user,
            old_deadline=hazard.deadline,
            new_deadline=new_deadline,
            reason=reason.strip(),
            zero_out_reason=beyond,
        )

    _act(user, hazard_id, "request_extension", change, reason, data)
    return created["extension"]


def decide_extension(user, extension_id: int, *, approved: bool, note: str = "") -> Extension:
    extension = Extension.objects.for_user(user).get(pk=extension_id)
    decided = {}

    def change(hazard):
        current = Extension.objects.select_for_update().get(pk=extension.pk)
        if current.approved is not None:
            raise TransitionRefused("该延期申请已审批", 409)
        if current.requested_by_id == user.pk:
            raise TransitionRefused("不能审批本人提出的延期申请", 403)
        if not approved:
            _required(note, "不予延期须填写审批意见")
        current.approved = approved
        current.decided_by = user
        current.decided_at = timezone.now()
        current.decision_note = (note or "").strip()
        current.save()
        if approved:
            hazard.deadline = current.new_deadline
            # Judged major after the request: the rule applies now, and its reason is needed.
            hazard.zero_out_reason = _zero_out_reason(
                hazard, current.new_deadline, current.zero_out_reason
            )
        decided["extension"] = current

    _act(
        user,
        extension.hazard_id,
        "decide_extension",
        change,
        note,
        {"approved": approved, "new_deadline": extension.new_deadline.isoformat()},
    )
    return decided["extension"]


def list_for_supervision(user, hazard_id: int, *, level: str, body: str) -> Hazard:
    def change(hazard):
        if not hazard.is_major:
            raise TransitionRefused("只有重大事故隐患可以挂牌督办")
        if level not in ListedLevel.values:
            raise TransitionRefused("请选择督办级别")
        hazard.listed_level = level
        hazard.listed_by = _required(body, "请填写督办单位")

    return _act(user, hazard_id, "list", change, data={"level": level, "body": body})


def suspend(user, hazard_id: int, *, suspension: str, equipment: str = "") -> Hazard:
    """Order production, or the named equipment, to stop until the hazard is closed (seed task
    5: 该停产的坚决停产，该停用的相关设施设备坚决停用)."""

    def change(hazard):
        if not hazard.is_major:
            raise TransitionRefused("只有重大事故隐患可以责令停产停用")
        if suspension not in Suspension.values:
            raise TransitionRefused("请选择停产或停用")
        if suspension == Suspension.EQUIPMENT:
            hazard.suspended_equipment = _required(equipment, "请填写停用的设施设备")
        else:
            hazard.suspended_equipment = ""
        hazard.suspension = suspension

    return _act(
        user,
        hazard_id,
        "suspend",
        change,
        data={"suspension": suspension, "equipment": equipment},
    )


# --- self-inspection ---------------------------------------------------------------------------


def record_self_inspection(
    user,
    enterprise_id: int,
    *,
    checked_on: date,
    led_by: str,
    led_by_principal: bool,
    answers: dict[int, tuple[str, str]],
    note: str = "",
    client_id=None,
) -> SelfInspection:
    """A self-inspection answered item by item against the enterprise's applicable criteria
    (its checklist). Each item found wanting becomes a major hazard in the ledger, linked to
    its criterion. `client_id`: the id a phone gave the check offline (fieldwork.services)."""
    if not can(user, "self_inspection.record"):
        raise TransitionRefused("只有企业主要负责人或安全管理人员可以记录自查", 403)
    led_by = _required(led_by, "请填写带队人")
    if checked_on > timezone.localdate():
        raise TransitionRefused("检查日期不能晚于今天")
    with transaction.atomic():
        enterprise = Enterprise.objects.for_user(user).get(pk=enterprise_id)
        checklist = list(MajorHazardCriterion.objects.for_enterprise(enterprise))
        ids = {c.pk for c in checklist}
        if set(answers) - ids:
            raise TransitionRefused("答卷中含有不适用于本企业的条目")
        missing = [c.label for c in checklist if c.pk not in answers]
        if missing:
            raise TransitionRefused("以下条目尚未作答：" + "、".join(missing))
        for criterion in checklist:
            answer, text = answers[criterion.pk]
            if answer not in Answer.values:
                raise TransitionRefused(f"{criterion.label}的结果无效")
            # The notes come straight from the page's inputs, unvalidated by a form field.
            if problem := text_problem(text or "", multiline=False):
                raise TransitionRefused(f"{criterion.label}的说明{problem}")
            if len(text or "") > TEXT_MAX:
                raise TransitionRefused(f"{criterion.label}的说明不能超过 {TEXT_MAX} 字")
            if answer == Answer.HAZARD and not (text or "").strip():
                raise TransitionRefused(f"{criterion.label}存在隐患，请描述具体情况")
        inspection = SelfInspection.objects.create(
            enterprise=enterprise,
            checked_on=checked_on,
            led_by=led_by,
            led_by_principal=led_by_principal,
            note=(note or "").strip(),
            recorded_by=user,
            client_id=client_id,
        )
        items = []
        for criterion in checklist:
            answer, text = answers[criterion.pk]
            hazard = None
            if answer == Answer.HAZARD:
                hazard = report(
                    user,
                    enterprise.pk,
                    source=Source.SELF_INSPECTION,
                    description=text.strip(),
                    found_on=checked_on,
                    found_by=led_by,
                    criterion_id=criterion.pk,
                )
            items.append(
                SelfInspectionItem(
                    inspection=inspection,
                    criterion=criterion,
                    answer=answer,
                    note=(text or "").strip()[:200],
                    hazard=hazard,
                )
            )
        SelfInspectionItem.objects.bulk_create(items)
    return inspection
