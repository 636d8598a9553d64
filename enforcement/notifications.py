"""Who hears of enforcement's events (core.events): a penalty case filed -> the enterprise's
principal; a penalty decided -> the enterprise's principal and safety officers, who must pay or
appeal; a case closed -> the same. An inspection completed (its documents issued) or re-checked
-> the enterprise's principal and safety officers; starting one tells nobody (an unannounced
visit stays unannounced), and the hazards it finds are announced by hazards. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enforcement.models import InspectionEvent
from enterprises import people

SELECT_RELATED = {
    "PenaltyEvent": ("penalty__enterprise",),
    "InspectionEvent": ("inspection__enterprise",),
}

RECIPIENTS = {
    "filed": (Role.PRINCIPAL,),
    "decided": (Role.PRINCIPAL, Role.SAFETY_OFFICER),
    "closed": (Role.PRINCIPAL, Role.SAFETY_OFFICER),
}
TITLES = {"filed": "行政处罚立案", "decided": "行政处罚决定", "closed": "行政处罚结案"}

INSPECTION_RECIPIENTS = {
    "complete": (Role.PRINCIPAL, Role.SAFETY_OFFICER),
    "recheck": (Role.PRINCIPAL, Role.SAFETY_OFFICER),
}
INSPECTION_TITLES = {"complete": "执法检查完成", "recheck": "执法检查整改复查"}


def message(event):
    if isinstance(event, InspectionEvent):
        return _inspection_message(event)
    roles = RECIPIENTS.get(event.to_state)
    if roles is None:
        return None
    penalty = event.penalty
    enterprise = penalty.enterprise
    recipients = [u for u in people.managers(enterprise, roles) if u.pk != event.actor_id]
    return Message(
        recipients,
        f"【{TITLES[event.to_state]}】{enterprise.name}",
        f"案号：{penalty.case_number}" + (f"。{event.note}" if event.note else ""),
        f"/enforcement/penalties/{penalty.pk}/",
    )


def _inspection_message(event):
    roles = INSPECTION_RECIPIENTS.get(event.action)
    if roles is None:
        return None
    inspection = event.inspection
    enterprise = inspection.enterprise
    recipients = [u for u in people.managers(enterprise, roles) if u.pk != event.actor_id]
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
        recipients,
        f"【{INSPECTION_TITLES[event.action]}】{enterprise.name}",
        body,
        f"/enforcement/inspections/{inspection.pk}/",
    )
