"""Who hears of a penalty case's events (core.events): a case filed -> the enterprise's
principal; a penalty decided -> the enterprise's principal and safety officers, who must pay or
appeal; a case closed -> the same. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises import people

SELECT_RELATED = {"PenaltyEvent": ("penalty__enterprise",)}

RECIPIENTS = {
    "filed": (Role.PRINCIPAL,),
    "decided": (Role.PRINCIPAL, Role.SAFETY_OFFICER),
    "closed": (Role.PRINCIPAL, Role.SAFETY_OFFICER),
}
TITLES = {"filed": "行政处罚立案", "decided": "行政处罚决定", "closed": "行政处罚结案"}


def message(event):
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
