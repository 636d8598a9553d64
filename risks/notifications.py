"""Who hears of a risk register's events (core.events), as data (RECIPIENTS, read by the
通知规则 page): a risk identified or re-assessed red (重大风险) when it was not red before -> the
supervisors of the enterprise's town, who keep the red risks of their town in view. The other
changes of a register are the enterprise's own work and announce nobody. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import TOWN, Audience, audience, heard
from risks.models import EventAction
from risks.reference import Colour

SELECT_RELATED = {"RiskEvent": ("enterprise", "risk")}

NEW_RED = "new_red"
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    NEW_RED: (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
}
KINDS = {NEW_RED: "企业新增重大风险（红色）"}


def kinds_of(event) -> tuple[str, ...]:
    if (
        event.action in (EventAction.RISK_ADDED, EventAction.ASSESSED)
        and event.to_state == Colour.RED
        and event.from_state != Colour.RED
    ):
        return (NEW_RED,)
    return ()


def message(event):
    kinds = kinds_of(event)
    if not kinds:
        return None
    enterprise = event.enterprise
    return Message(
        audience(enterprise, heard(RECIPIENTS, kinds), exclude=event.actor_id),
        f"【重大风险】{enterprise.name}",
        f"{event.risk.description}（{event.get_action_display()}，评为红色）",
        f"/risks/{event.risk_id}/",
    )
