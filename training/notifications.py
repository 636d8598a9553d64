"""Who hears of training and drill events (core.events), as data (RECIPIENTS, read by the
通知规则 page): a drill falling due (training.services.remind_due) -> the enterprise's
principal and safety officers. Recording training, drills and observation drills is the
recorder's own work and announces nobody."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import ENTERPRISE, Audience, audience, heard
from training.models import EventAction

SELECT_RELATED = {"TrainingEvent": ("enterprise",)}

DRILL_DUE = "drill_due"
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    DRILL_DUE: (Audience(ENTERPRISE, (Role.PRINCIPAL, Role.SAFETY_OFFICER)),),
}
KINDS = {DRILL_DUE: "本期疏散逃生演练即将到期"}


def message(event):
    if event.action != EventAction.DRILL_DUE or event.enterprise is None:
        return None
    enterprise = event.enterprise
    return Message(
        audience(enterprise, heard(RECIPIENTS, (DRILL_DUE,)), exclude=event.actor_id),
        f"【演练到期】{enterprise.name}",
        event.note,
        f"/training/enterprises/{enterprise.pk}/drills/new/",
    )
