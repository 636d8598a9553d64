"""Who hears of enforcement's events (core.events), as data (RECIPIENTS, read by the 通知规则
page): a penalty case filed -> the enterprise's principal; a penalty decided -> the
enterprise's principal and safety officers, who must pay or appeal; a case closed -> the same.
An inspection completed (its documents issued) or re-checked -> the enterprise's principal and
safety officers; starting one tells nobody (an unannounced visit stays unannounced), and the
hazards it finds are announced by hazards. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enforcement.models import InspectionEvent
from enterprises.people import ENTERPRISE, MANAGERS, Audience, audience, heard

SELECT_RELATED = {
    "PenaltyEvent": ("penalty__enterprise",),
    "InspectionEvent": ("inspection__enterprise",),
}

# Keyed "penalty.<the state a case moves to>" and "inspection.<the inspection's action>".
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    "penalty.filed": (Audience(ENTERPRISE, (Role.PRINCIPAL,)),),
    "penalty.decided": (Audience(ENTERPRISE, MANAGERS),),
    "penalty.closed": (Audience(ENTERPRISE, MANAGERS),),
    "inspection.complete": (Audience(ENTERPRISE, MANAGERS),),
    "inspection.recheck": (Audience(ENTERPRISE, MANAGERS),),
}
KINDS = {
    "penalty.filed": "行政处罚立案",
    "penalty.decided": "行政处罚决定",
    "penalty.closed": "行政处罚结案",
    "inspection.complete": "执法检查完成",
    "inspection.recheck": "执法检查整改复查",
}


def kinds_of(event) -> tuple[str, ...]:
    if isinstance(event, InspectionEvent):
        kind = f"inspection.{event.action}"
    else:
        kind = f"penalty.{event.to_state}"
    return (kind,) if kind in RECIPIENTS else ()


def recipients_for(event) -> list:
    subject = event.inspection if isinstance(event, InspectionEvent) else event.penalty
    return audience(subject.enterprise, heard(RECIPIENTS, kinds_of(event)), exclude=event.actor_id)


def message(event):
    kinds = kinds_of(event)
    if not kinds:
        return None
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
