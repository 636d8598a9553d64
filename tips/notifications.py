"""Who hears of a tip's events (core.events), as data (RECIPIENTS): a new tip -> the supervisors
of the town it is routed to (of the county when it names no enterprise of the county); an
overdue acceptance or reply -> the same people again. Never the tipster (no account), never
the actor."""

from accounts.models import User
from accounts.roles import Role
from core.events import Message
from enterprises.people import TOWN, Audience
from tips.models import EventAction

SELECT_RELATED = {"TipEvent": ("tip", "tip__jurisdiction")}

NEW, OVERDUE = "new", "overdue"
RECIPIENTS = {
    NEW: (Audience(TOWN, (Role.TOWN_SUPERVISOR, Role.SUPERVISOR)),),
    OVERDUE: (Audience(TOWN, (Role.TOWN_SUPERVISOR, Role.SUPERVISOR)),),
}
KINDS = {NEW: "收到群众举报", OVERDUE: "举报受理或答复逾期"}


def _routed_to(tip, roles, exclude=None) -> list:
    """The active users of `roles` at the tip's jurisdiction (its town, or the county)."""
    users = User.objects.filter(is_active=True, role__in=roles, jurisdiction_id=tip.jurisdiction_id)
    if exclude:
        users = users.exclude(pk=exclude)
    return list(users.order_by("pk"))


def message(event):
    tip = event.tip
    if event.action in (EventAction.SUBMITTED, EventAction.LINKED):
        kind, title = NEW, f"【群众举报】{tip.subject}"
        body = f"受理期限 {tip.accept_due:%Y-%m-%d}：{tip.what[:60]}"
    elif event.action == EventAction.REMIND:
        kind, title = OVERDUE, f"【举报逾期】{tip.subject}"
        body = event.note
    else:
        return None
    roles = {role for item in RECIPIENTS[kind] for role in item.roles}
    return Message(_routed_to(tip, roles, event.actor_id), title, body, f"/tips/{tip.pk}/")
