"""Who hears of a hazard's events (core.events), as data (RECIPIENTS, read by the 通知规则
page): the enterprise's managers when the bureau acts, the town's supervisors when the
enterprise acts, and the county's supervisors besides for major hazards. A general hazard the
enterprise reviews itself (hazards.transitions.REVIEWED_INSIDE) stays inside it: each step is
heard by its managers and the one who reported it; the town sees it in the ledger. The deadline
job's
events (hazards.reminders) go to one group each: a reminder to the enterprise's managers, an
escalation to the town's supervisors, then the county's. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import (
    COUNTY,
    ENTERPRISE,
    MANAGERS,
    REQUESTER,
    TOWN,
    Audience,
    audience,
    heard,
)
from hazards.transitions import reviewed_inside

SELECT_RELATED = {"HazardEvent": ("hazard__enterprise", "hazard__reported_by", "actor")}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    "remind": (Audience(ENTERPRISE, MANAGERS),),
    "escalate_town": (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
    "escalate_county": (Audience(COUNTY, (Role.SUPERVISOR,)),),
    # An enterprise's own user acting (they belong to it) is heard by the town; anyone else
    # acting (the bureau, the town, an expert) by the enterprise's managers.
    "by_enterprise": (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
    "by_others": (Audience(ENTERPRISE, MANAGERS),),
    # A general hazard the enterprise found itself: its managers review it, its reporter (an
    # employee) hears the outcome.
    "inside": (Audience(ENTERPRISE, MANAGERS), Audience(REQUESTER)),
    # Added to either for a major hazard.
    "major": (Audience(COUNTY, (Role.SUPERVISOR,)),),
}
KINDS = {
    "remind": "整改期限提醒",
    "escalate_town": "逾期升级至镇街",
    "escalate_county": "逾期升级至县局",
    "by_enterprise": "企业人员办理隐患（上报、制定方案、提交整改等）",
    "by_others": "监管部门、专家等办理隐患（确认、验收、销号等）",
    "inside": "企业自查发现的一般隐患的每一步（企业内部确认、验收）",
    "major": "重大事故隐患的每一步（另行通知）",
}
DEADLINE_KINDS = ("remind", "escalate_town", "escalate_county")


def kinds_of(event) -> tuple[str, ...]:
    """The kinds of RECIPIENTS an event belongs to."""
    if event.action in DEADLINE_KINDS:
        return (event.action,)
    if reviewed_inside(event.hazard):
        return ("inside",)
    by_enterprise = event.actor_id is not None and event.actor.enterprise_id is not None
    kinds = ("by_enterprise",) if by_enterprise else ("by_others",)
    return (*kinds, "major") if event.hazard.is_major else kinds


def recipients_for(event) -> list:
    audiences = heard(RECIPIENTS, kinds_of(event))
    hazard = event.hazard
    return audience(
        hazard.enterprise, audiences, exclude=event.actor_id, requester=hazard.reported_by
    )


def message(event) -> Message:
    hazard = event.hazard
    kind = "重大事故隐患" if hazard.is_major else "一般隐患"
    return Message(
        recipients_for(event),
        f"【{event.action_label}】{hazard.enterprise.name}（{kind}）",
        event.note or hazard.description[:100],
        f"/hazards/{hazard.pk}/",
    )
