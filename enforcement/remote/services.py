"""Remote (非现场) inspections, assistance to weak towns and the typical cases published (seed
tasks 23, 24; section 三(四)): every change goes through here. A refusal raises `Refused` with
the reason in Chinese and an HTTP status (403 role, 404 not found or out of scope, 409 state,
422 data); nothing changes.

A remote inspection: awaiting (待企业说明) → answered (已说明待处理) → decided (已处理). Staff
open it from monitoring evidence of one enterprise (or as a request for documents); the
enterprise explains by a deadline in working days, with files; staff decide: no problem, a
hazard (hazards.services.report, source 非现场执法), a rectification order (the same hazard
confirmed there and then with its deadline) or a penalty case (penalties.services.file_penalty).
Past the deadline unanswered, the daily sweep flags it overdue and staff may decide without the
explanation."""

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts.roles import can
from core import events, workdays
from core.errors import Refused
from core.gate import check
from core.models import Jurisdiction, JurisdictionKind
from enforcement.constants import (
    ASSISTANCE_WINDOW_DAYS,
    FREQUENT_ACCIDENTS_MIN,
    FREQUENT_ACCIDENTS_MONTHS,
    REMOTE_EXPLAIN_WORKDAYS,
    REMOTE_FILE_MAX_BYTES,
    REMOTE_FILES_MAX,
    VIDEO_CONDITIONS,
)
from enforcement.models import (
    AssistanceEvent,
    AssistanceMethod,
    AssistanceRecord,
    Inspection,
    InspectionAnswer,
    InspectionState,
    Penalty,
    PublicCase,
    RemoteInspection,
    RemoteInspectionEvent,
    RemoteInspectionFile,
    RemoteOutcome,
    RemoteSource,
    RemoteState,
)
from enforcement.penalties import services as penalty_services
from enforcement.penalties import statistics
from enterprises.models import Enterprise
from hazards import services as hazard_services
from hazards.states import Source


def _text(value, label, max_length, required=False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"请填写{label}")
    if len(value) > max_length:
        raise Refused(f"{label}不能超过 {max_length} 字")
    if "\x00" in value:
        raise Refused(f"{label}含有无效字符")
    return value


def _id(value, label) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Refused(f"{label}编号有误") from None
    if not 0 < number < 2**63:
        raise Refused(f"{label}编号有误")
    return number


def _locked(user, pk) -> RemoteInspection:
    found = (
        RemoteInspection.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(pk=_id(pk, "非现场执法"))
        .first()
    )
    if found is None:
        raise Refused("非现场执法记录不存在", 404)
    return found


EVENT_LABELS = {"open": "发起", "answer": "企业说明", "overdue": "说明逾期", "decide": "作出处理"}


def is_overdue(remote: RemoteInspection, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return remote.state == RemoteState.AWAITING and remote.due_on < today


def remote_actions(user, remote: RemoteInspection, today: date | None = None) -> list[str]:
    """What this user may do now: the enterprise's managers answer while awaiting ("answer");
    staff decide once answered or past the deadline ("decide")."""
    actions = []
    own = user.enterprise_id == remote.enterprise_id
    if remote.state == RemoteState.AWAITING and own and can(user, "remote.answer"):
        actions.append("answer")
    if can(user, "remote.manage") and (
        remote.state == RemoteState.ANSWERED or is_overdue(remote, today)
    ):
        actions.append("decide")
    return actions


# --- open ---------------------------------------------------------------------------------------


def _evidence(user, enterprise, source, alarm_id, warning_id):
    """The alarm or power warning cited, checked: in the user's scope and of the enterprise
    inspected (evidence of another enterprise is refused)."""
    from monitoring.models import Alarm, PowerWarning

    alarm = warning = None
    if source in (RemoteSource.ALARM, RemoteSource.VIDEO):
        pk = _id(alarm_id, "报警")
        if pk is None:
            raise Refused(
                "请选择作为线索的报警" if source == RemoteSource.ALARM else "请选择视频事件"
            )
        alarm = Alarm.objects.for_user(user).select_related("point").filter(pk=pk).first()
        if alarm is None:
            raise Refused("报警不存在", 404)
        if alarm.enterprise_id != enterprise.pk:
            raise Refused("所选报警不属于被检查企业，不能作为本次非现场执法的线索")
        is_video = alarm.condition in VIDEO_CONDITIONS
        if source == RemoteSource.VIDEO and not is_video:
            raise Refused("所选报警不是视频智能分析事件")
    elif source == RemoteSource.POWER_WARNING:
        pk = _id(warning_id, "电力预警")
        if pk is None:
            raise Refused("请选择作为线索的电力预警")
        warning = PowerWarning.objects.for_user(user).filter(pk=pk).first()
        if warning is None:
            raise Refused("电力预警不存在", 404)
        if warning.enterprise_id != enterprise.pk:
            raise Refused("所选电力预警不属于被检查企业，不能作为本次非现场执法的线索")
    return alarm, warning


def open_remote(
    user,
    enterprise_id,
    source: str,
    question: str,
    alarm_id=None,
    warning_id=None,
    due_on: date | None = None,
) -> RemoteInspection:
    """Open a remote inspection of an enterprise in scope and ask it to explain by `due_on`
    (REMOTE_EXPLAIN_WORKDAYS working days from today when not given)."""
    check(user, "remote.manage", "开展非现场执法")
    if not user.jurisdiction_id:
        raise Refused("只有监管部门人员可以开展非现场执法", 403)
    if source not in RemoteSource.values:
        raise Refused("线索来源无效")
    question = _text(question, "要求说明的事项", 2000, required=True)
    enterprise = Enterprise.objects.for_user(user).filter(pk=_id(enterprise_id, "企业")).first()
    if enterprise is None:
        raise Refused("企业不存在", 404)
    if source == RemoteSource.DOCUMENTS and (alarm_id or warning_id):
        raise Refused("调取企业资料不引用报警或预警")
    alarm, warning = _evidence(user, enterprise, source, alarm_id, warning_id)
    today = timezone.localdate()
    if due_on is None:
        due_on = workdays.add_workdays(today, REMOTE_EXPLAIN_WORKDAYS)
    elif due_on <= today or due_on > today + timedelta(days=90):
        raise Refused("说明期限应在今天之后 90 天以内")
    with transaction.atomic():
        remote = RemoteInspection.objects.create(
            enterprise=enterprise,
            jurisdiction=user.jurisdiction,
            source=source,
            alarm=alarm,
            power_warning=warning,
            question=question,
            due_on=due_on,
            opened_by=user,
            opened_on=today,
        )
        events.record(
            RemoteInspectionEvent,
            inspection=remote,
            action="open",
            actor=user,
            to_state=RemoteState.AWAITING,
            payload={
                "source": source,
                "alarm": alarm.pk if alarm else None,
                "warning": warning.pk if warning else None,
                "due_on": due_on.isoformat(),
            },
        )
    return remote


# --- answer -------------------------------------------------------------------------------------

# File kinds accepted by their first bytes: PDF, JPEG, PNG, and the zip of an Office document.
SIGNATURES = (
    (b"%PDF-", "PDF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"PK\x03\x04", "Office"),
)
OFFICE_EXTENSIONS = (".docx", ".xlsx", ".pptx")


def checked_files(files) -> list:
    """The explanation's files, checked: at most REMOTE_FILES_MAX, each at most
    REMOTE_FILE_MAX_BYTES and a PDF, image or Office document by its content."""
    files = [f for f in (files or []) if f]
    if len(files) > REMOTE_FILES_MAX:
        raise Refused(f"最多上传 {REMOTE_FILES_MAX} 个文件")
    limit = REMOTE_FILE_MAX_BYTES // (1024 * 1024)
    for upload in files:
        name = os.path.basename(getattr(upload, "name", "") or "") or "文件"
        if upload.size > REMOTE_FILE_MAX_BYTES:
            raise Refused(f"文件“{name}”超过 {limit} MB", 413)
        if upload.size == 0:
            raise Refused(f"文件“{name}”是空文件")
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        kind = next((label for magic, label in SIGNATURES if head.startswith(magic)), None)
        if kind is None or (kind == "Office" and not name.lower().endswith(OFFICE_EXTENSIONS)):
            raise Refused(f"“{name}”不是 PDF、图片（JPEG、PNG）或 Word/Excel 文档，请重新选择")
    return files


def answer_remote(user, remote_id, explanation: str, files=()) -> RemoteInspection:
    """The enterprise explains (text and files) while the inspection awaits it, late or not."""
    check(user, "remote.answer", "说明非现场执法事项")
    with transaction.atomic():
        remote = _locked(user, remote_id)
        if remote.enterprise_id != user.enterprise_id:
            raise Refused("只有被检查企业可以作出说明", 403)
        if remote.state != RemoteState.AWAITING:
            raise Refused("该非现场执法已说明或已处理，不能再次说明", 409)
        explanation = _text(explanation, "情况说明", 5000, required=True)
        files = checked_files(files)
        late = is_overdue(remote)
        remote.state = RemoteState.ANSWERED
        remote.explanation = explanation
        remote.answered_by = user
        remote.answered_at = timezone.now()
        remote.save()
        for upload in files:
            RemoteInspectionFile.objects.create(
                inspection=remote,
                file=upload,
                name=os.path.basename(upload.name)[:200],
                size=upload.size,
                uploaded_by=user,
            )
        events.record(
            RemoteInspectionEvent,
            inspection=remote,
            action="answer",
            actor=user,
            from_state=RemoteState.AWAITING,
            to_state=RemoteState.ANSWERED,
            note="逾期说明" if late else "",
            payload={"files": len(files), "late": late},
        )
    return remote


# --- decide -------------------------------------------------------------------------------------


def decide_remote(
    user,
    remote_id,
    outcome: str,
    decision: str,
    rectify_deadline: date | None = None,
    violation: str = "",
    legal_basis: str = "",
    amount=0,
) -> RemoteInspection:
    """Decide an answered (or overdue) remote inspection: no problem; a hazard recorded for the
    enterprise to rectify; a rectification order (the hazard confirmed with its deadline); or a
    penalty case filed like an on-site one."""
    check(user, "remote.manage", "处理非现场执法")
    today = timezone.localdate()
    with transaction.atomic():
        remote = _locked(user, remote_id)
        if remote.state == RemoteState.DECIDED:
            raise Refused("该非现场执法已处理", 409)
        if remote.state == RemoteState.AWAITING and not is_overdue(remote, today):
            raise Refused(
                f"企业尚未说明，说明期限为 {remote.due_on:%Y-%m-%d}，期限届满后方可处理", 409
            )
        if outcome not in RemoteOutcome.values:
            raise Refused("处理结果无效，应为未发现问题、登记隐患、责令限期整改或立案处罚")
        decision = _text(decision, "处理意见", 2000, required=True)
        if outcome == RemoteOutcome.ORDER:
            if rectify_deadline is None:
                raise Refused("责令限期整改请填写整改期限")
            if rectify_deadline <= today:
                raise Refused("整改期限应晚于今天")
        before = remote.state
        link = reverse("enforcement:remote", args=[remote.pk])
        description = f"{decision}（非现场执法发现；线索：{remote.evidence_label}）"
        if outcome in (RemoteOutcome.HAZARD, RemoteOutcome.ORDER):
            try:
                remote.hazard = hazard_services.report(
                    user,
                    remote.enterprise_id,
                    source=Source.REMOTE_ENFORCEMENT,
                    from_record=True,
                    description=description[:2000],
                    found_on=today,
                    found_by=user.display_name[:40],
                    ordered_by=rectify_deadline if outcome == RemoteOutcome.ORDER else None,
                    order_link=link if outcome == RemoteOutcome.ORDER else "",
                )
            except hazard_services.TransitionRefused as exc:
                raise Refused(f"登记隐患失败：{exc}", exc.status) from None
        if outcome == RemoteOutcome.PENALTY:
            remote.penalty = penalty_services.file_penalty(
                user,
                remote.enterprise_id,
                violation or decision,
                legal_basis,
                amount,
                filed_on=today,
            )
        remote.state = RemoteState.DECIDED
        remote.outcome = outcome
        remote.decision = decision
        remote.decided_by = user
        remote.decided_on = today
        remote.save()
        events.record(
            RemoteInspectionEvent,
            inspection=remote,
            action="decide",
            actor=user,
            from_state=before,
            to_state=RemoteState.DECIDED,
            note=RemoteOutcome(outcome).label,
            payload={
                "outcome": outcome,
                "hazard": remote.hazard_id,
                "penalty": remote.penalty_id,
            },
        )
    return remote


def flag_overdue(today: date | None = None) -> int:
    """The daily sweep: remote inspections past their deadline unanswered are flagged once
    (overdue_at) and the inspector who opened them is told. Returns how many."""
    today = today or timezone.localdate()
    flagged = 0
    with transaction.atomic():
        rows = list(
            RemoteInspection.objects.select_for_update()
            .filter(state=RemoteState.AWAITING, due_on__lt=today, overdue_at__isnull=True)
            .order_by("pk")
        )
        now = timezone.now()
        for remote in rows:
            remote.overdue_at = now
            remote.save(update_fields=["overdue_at"])
            events.record(
                RemoteInspectionEvent,
                inspection=remote,
                action="overdue",
                note=f"说明期限 {remote.due_on:%Y-%m-%d} 已过，企业未说明",
            )
            flagged += 1
    return flagged


# --- assistance ---------------------------------------------------------------------------------

FREQUENT_ACCIDENTS = "事故多发"


def accidents_by_town(town_ids, today: date) -> dict[int, int]:
    """Accidents of each town's enterprises in the last FREQUENT_ACCIDENTS_MONTHS months (near
    misses not counted)."""
    from accidents.models import AccidentCase

    since = today - timedelta(days=round(FREQUENT_ACCIDENTS_MONTHS * 365 / 12))
    rows = (
        AccidentCase.objects.filter(
            enterprise__jurisdiction_id__in=list(town_ids),
            is_near_miss=False,
            occurred_at__date__gt=since,
            occurred_at__date__lte=today,
        )
        .values("enterprise__jurisdiction_id")
        .annotate(n=Count("pk"))
        .values_list("enterprise__jurisdiction_id", "n")
    )
    return dict(rows)


@dataclass
class TownFlags:
    town: Jurisdiction
    flags: list
    accidents: int


def town_flags(user, today: date | None = None) -> list[TownFlags]:
    """The towns of the user's statistics with why each needs assistance: 零处罚 / 只检查不处罚
    this year (enforcement.penalties.statistics) and 事故多发 (FREQUENT_ACCIDENTS_MIN accidents
    or more in FREQUENT_ACCIDENTS_MONTHS months)."""
    today = today or timezone.localdate()
    stats = statistics.by_town(user, today.year)
    accidents = accidents_by_town([row.town.pk for row in stats], today)
    result = []
    for row in stats:
        count = accidents.get(row.town.pk, 0)
        flags = list(row.flags)
        if count >= FREQUENT_ACCIDENTS_MIN:
            flags.append(FREQUENT_ACCIDENTS)
        result.append(TownFlags(row.town, flags, count))
    return result


def record_assistance(
    user,
    town_id,
    method: str,
    staff_ids,
    assisted_on: date,
    findings: str,
) -> AssistanceRecord:
    """Record an assistance visit (执法指导帮扶) to a flagged town by the county's staff."""
    from accounts.models import User

    check(user, "assistance.record", "登记执法指导帮扶")
    if not user.jurisdiction_id or user.jurisdiction.town() is not None:
        raise Refused("执法指导帮扶由县局人员登记", 403)
    if method not in AssistanceMethod.values:
        raise Refused("帮扶方式无效，应为四不两直、明查暗访或异地交叉执法")
    findings = _text(findings, "发现问题及指导意见", 5000, required=True)
    today = timezone.localdate()
    if assisted_on is None or assisted_on > today or assisted_on.year < 2000:
        raise Refused("帮扶日期应不晚于今天")
    town_pk = _id(town_id, "镇街")
    flags = {row.town.pk: row for row in town_flags(user, today)}
    if town_pk not in flags:
        raise Refused("镇街不存在", 404)
    reasons = flags[town_pk].flags
    if not reasons:
        raise Refused("该镇街目前未被标记为零处罚、只检查不处罚或事故多发，无需登记帮扶")
    try:
        ids = {int(i) for i in staff_ids or []}
    except (TypeError, ValueError):
        raise Refused("帮扶人员编号有误") from None
    if not ids:
        raise Refused("请选择帮扶人员")
    if any(not 0 < i < 2**63 for i in ids):
        raise Refused("帮扶人员编号有误")
    county_path = user.jurisdiction.path
    staff = list(
        User.objects.filter(
            pk__in=ids,
            is_active=True,
            jurisdiction__path__startswith=county_path,
            jurisdiction__kind=JurisdictionKind.COUNTY,
        )
    )
    if len(staff) != len(ids):
        raise Refused("帮扶人员应为本县局在职人员")
    with transaction.atomic():
        record = AssistanceRecord.objects.create(
            town_id=town_pk,
            reasons=reasons,
            method=method,
            assisted_on=assisted_on,
            findings=findings,
            created_by=user,
        )
        record.staff.set(staff)
        events.record(
            AssistanceEvent,
            record=record,
            action="record",
            actor=user,
            payload={"reasons": reasons, "method": method},
        )
    return record


def _figures(town_id, start: date, end: date) -> dict:
    """A town's enforcement figures from `start` to `end` (both included): completed
    inspections, hazards they found, penalty cases filed, remote inspections opened."""
    inspections = Inspection.objects.filter(
        enterprise__jurisdiction_id=town_id,
        state=InspectionState.COMPLETED,
        inspected_on__range=(start, end),
    )
    return {
        "inspections": inspections.count(),
        "hazards": InspectionAnswer.objects.filter(
            inspection__in=inspections.values("pk"), hazard__isnull=False
        ).count(),
        "penalties": Penalty.objects.filter(
            enterprise__jurisdiction_id=town_id, filed_on__range=(start, end)
        ).count(),
        "remote": RemoteInspection.objects.filter(
            enterprise__jurisdiction_id=town_id, opened_on__range=(start, end)
        ).count(),
    }


def before_after(record: AssistanceRecord, today: date | None = None) -> dict:
    """The town's figures over ASSISTANCE_WINDOW_DAYS days before the assistance date and as
    many from it (the latter up to today while it runs)."""
    today = today or timezone.localdate()
    day, days = record.assisted_on, ASSISTANCE_WINDOW_DAYS
    before = (day - timedelta(days=days), day - timedelta(days=1))
    after_end = day + timedelta(days=days - 1)
    after = (day, min(after_end, today))
    return {
        "days": days,
        "before_period": before,
        "after_period": after,
        "after_complete": after_end <= today,
        "before": _figures(record.town_id, *before),
        "after": _figures(record.town_id, *after),
    }


# --- typical cases published --------------------------------------------------------------------

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def personal_data_problem(text: str, names) -> str:
    """Why `text` may not be published: a phone number, an ID number or the name of a person
    (the enterprise's principal and safety officer, its users, the case's officer); '' if
    none."""
    if ID_NUMBER.search(text):
        return "含有身份证号码"
    if MOBILE.search(text) or LANDLINE.search(text):
        return "含有电话号码"
    for name in names:
        if name and len(name) >= 2 and name in text:
            return f"含有个人姓名“{name}”"
    return ""


def _people_names(penalty: Penalty) -> set[str]:
    from accounts.models import User

    enterprise = penalty.enterprise
    names = {enterprise.principal_name, enterprise.safety_officer_name}
    names |= {u.display_name for u in User.objects.filter(enterprise=enterprise)}
    names.add(penalty.created_by.display_name)
    return {n.strip() for n in names if n and n.strip()}


def default_penalty_text(penalty: Penalty) -> str:
    if penalty.amount:
        return f"罚款人民币 {penalty.amount:,.2f} 元"
    return "依法作出行政处罚"


def publish_case(
    user, penalty_id, violation: str = "", legal_basis: str = "", penalty_text: str = ""
) -> PublicCase:
    """Publish a closed penalty case as a typical case (曝光): enterprise, violation, legal
    basis, penalty, each checked for personal data. Publishing again after a withdrawal
    republishes the same row."""
    check(user, "public_case.manage", "公开典型执法案例")
    with transaction.atomic():
        penalty = (
            Penalty.objects.for_user(user)
            .select_for_update(of=("self",))
            .select_related("enterprise", "state", "created_by")
            .filter(pk=_id(penalty_id, "处罚案件"))
            .first()
        )
        if penalty is None:
            raise Refused("处罚案件不存在", 404)
        if not penalty.state.is_final:
            raise Refused("只有已结案的处罚案件可以作为典型案例公开", 409)
        violation = _text(violation or penalty.violation, "违法行为", 5000, required=True)
        legal_basis = _text(legal_basis or penalty.legal_basis, "处罚依据", 2000, required=True)
        penalty_text = _text(
            penalty_text or default_penalty_text(penalty), "处罚结果", 300, required=True
        )
        names = _people_names(penalty)
        for label, value in (
            ("违法行为", violation),
            ("处罚依据", legal_basis),
            ("处罚结果", penalty_text),
        ):
            problem = personal_data_problem(value, names)
            if problem:
                raise Refused(f"{label}{problem}，公开内容不得含有个人信息，请修改后再公开")
        case, created = PublicCase.objects.get_or_create(
            penalty=penalty,
            defaults={
                "enterprise_name": penalty.enterprise.name,
                "violation": violation,
                "legal_basis": legal_basis,
                "penalty_text": penalty_text,
                "published_on": timezone.localdate(),
                "published_by": user,
            },
        )
        if not created:
            if case.published:
                raise Refused("该案件已公开", 409)
            case.enterprise_name = penalty.enterprise.name
            case.violation = violation
            case.legal_basis = legal_basis
            case.penalty_text = penalty_text
            case.published = True
            case.published_on = timezone.localdate()
            case.published_by = user
            case.save()
    return case


def withdraw_case(user, case_id) -> PublicCase:
    """Stop publishing a typical case; the row stays (withdrawn_at, withdrawn_by)."""
    check(user, "public_case.manage", "撤回典型执法案例")
    with transaction.atomic():
        case = (
            PublicCase.objects.for_user(user)
            .select_for_update(of=("self",))
            .filter(pk=_id(case_id, "典型案例"))
            .first()
        )
        if case is None:
            raise Refused("典型案例不存在", 404)
        if not case.published:
            raise Refused("该案例已撤回", 409)
        case.published = False
        case.withdrawn_at = timezone.now()
        case.withdrawn_by = user
        case.save()
    return case
