"""Who hears of enforcement's events (core.events), as data (RECIPIENTS, read by the 通知规则
page): a penalty case filed -> the enterprise's principal; a penalty decided -> the
enterprise's principal and safety officers, who must pay or appeal; a case closed -> the same.
An inspection completed (its documents issued) or re-checked -> the enterprise's principal and
safety officers; starting one tells nobody (an unannounced visit stays unannounced), and the
hazards it finds are announced by hazards. A remote (非现场) inspection opened -> the
enterprise's managers, who must explain by its deadline; answered, or its deadline passed
unanswered -> the staff member who opened it (the requester), who decides next. An assistance
record made -> the supervisors of the town assisted. Never the actor."""

from types import SimpleNamespace

from accounts.roles import Role
from core.events import Message
from enforcement.models import AssistanceEvent, InspectionEvent, RemoteInspectionEvent
from enterprises.people import ENTERPRISE, MANAGERS, REQUESTER, TOWN, Audience, audience, heard

SELECT_RELATED = {
    "PenaltyEvent": ("penalty__enterprise",),
    "InspectionEvent": ("inspection__enterprise",),
    "RemoteInspectionEvent": ("inspection__enterprise", "inspection__opened_by"),
    "AssistanceEvent": ("record__town",),
}

# Keyed "penalty.<the state a case moves to>" and "inspection.<the inspection's action>".
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    "penalty.filed": (Audience(ENTERPRISE, (Role.PRINCIPAL,)),),
    "penalty.decided": (Audience(ENTERPRISE, MANAGERS),),
    "penalty.closed": (Audience(ENTERPRISE, MANAGERS),),
    "inspection.complete": (Audience(ENTERPRISE, MANAGERS),),
    "inspection.recheck": (Audience(ENTERPRISE, MANAGERS),),
    "remote.open": (Audience(ENTERPRISE, MANAGERS),),
    "remote.answer": (Audience(REQUESTER),),
    "remote.overdue": (Audience(REQUESTER),),
    "remote.decide": (Audience(ENTERPRISE, MANAGERS),),
    "assistance.record": (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
}
KINDS = {
    "penalty.filed": "行政处罚立案",
    "penalty.decided": "行政处罚决定",
    "penalty.closed": "行政处罚结案",
    "inspection.complete": "执法检查完成",
    "inspection.recheck": "执法检查整改复查",
    "remote.open": "非现场执法待说明",
    "remote.answer": "非现场执法企业已说明",
    "remote.overdue": "非现场执法说明逾期",
    "remote.decide": "非现场执法处理结果",
    "assistance.record": "执法指导帮扶",
}


def kinds_of(event) -> tuple[str, ...]:
    if isinstance(event, RemoteInspectionEvent):
        kind = f"remote.{event.action}"
    elif isinstance(event, AssistanceEvent):
        kind = f"assistance.{event.action}"
    elif isinstance(event, InspectionEvent):
        kind = f"inspection.{event.action}"
    else:
        kind = f"penalty.{event.to_state}"
    return (kind,) if kind in RECIPIENTS else ()


def recipients_for(event) -> list:
    if isinstance(event, RemoteInspectionEvent):
        remote = event.inspection
        return audience(
            remote.enterprise,
            heard(RECIPIENTS, kinds_of(event)),
            exclude=event.actor_id,
            requester=remote.opened_by,
        )
    if isinstance(event, AssistanceEvent):
        # A town's record: the town stands in for an enterprise of it (the TOWN level).
        town = event.record.town
        place = SimpleNamespace(pk=None, jurisdiction_id=town.pk, scope_path=town.path)
        return audience(place, heard(RECIPIENTS, kinds_of(event)), exclude=event.actor_id)
    subject = event.inspection if isinstance(event, InspectionEvent) else event.penalty
    return audience(subject.enterprise, heard(RECIPIENTS, kinds_of(event)), exclude=event.actor_id)


def message(event):
    kinds = kinds_of(event)
    if not kinds:
        return None
    if isinstance(event, RemoteInspectionEvent):
        return _remote_message(event, KINDS[kinds[0]])
    if isinstance(event, AssistanceEvent):
        record = event.record
        return Message(
            recipients_for(event),
            f"【{KINDS[kinds[0]]}】{record.town.name}",
            f"县局于 {record.assisted_on:%Y-%m-%d} 以“{record.get_method_display()}”方式开展执法"
            f"指导帮扶（{'、'.join(record.reasons)}），请查看发现问题及指导意见",
            f"/enforcement/assistance/{record.pk}/",
        )
    if isinstance(event, InspectionEvent):
        return _inspection_message(event, KINDS[kinds[0]])
    penalty = event.penalty
    return Message(
        recipients_for(event),
        f"【{KINDS[kinds[0]]}】{penalty.enterprise.name}",
        f"案号：{penalty.case_number}" + (f"。{event.note}" if event.note else ""),
        f"/enforcement/penalties/{penalty.pk}/",
    )


def _inspection_message(event, title):
    inspection = event.inspection
    if event.action == "complete":
        wanting = event.payload.get("not_compliant", 0)
        body = f"检查日期：{inspection.inspected_on:%Y-%m-%d}；" + (
            f"{wanting} 项不符合，已登记为隐患并出具责令限期整改指令书"
            if wanting
            else "未发现不符合项"
        )
    else:
        body = "复查意见书已出具"
    return Message(
        recipients_for(event),
        f"【{title}】{inspection.enterprise.name}",
        body,
        f"/enforcement/inspections/{inspection.pk}/",
    )


def _remote_message(event, title):
    remote = event.inspection
    if event.action == "open":
        body = f"请于 {remote.due_on:%Y-%m-%d} 前就以下事项作出说明：{remote.question[:200]}"
    elif event.action == "answer":
        body = "企业已作出说明，请研判处理" + ("（逾期说明）" if event.note else "")
    elif event.action == "overdue":
        body = f"说明期限 {remote.due_on:%Y-%m-%d} 已过，企业未作说明，可直接研判处理"
    else:
        body = f"处理结果：{remote.get_outcome_display()}"
    return Message(
        recipients_for(event),
        f"【{title}】{remote.enterprise.name}",
        body,
        f"/enforcement/remote/{remote.pk}/",
    )
