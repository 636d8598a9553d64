"""Who hears of a hazard's events (core.events): the enterprise's managers when the bureau
acts, the town's supervisors when the enterprise acts, and the county's supervisors for major
hazards. The deadline job's events (hazards.reminders) go to one group each: a reminder to the
enterprise's managers, an escalation to the town's supervisors, then the county's."""

from core.events import Message
from enterprises import people

SELECT_RELATED = {"HazardEvent": ("hazard__enterprise", "actor")}


def recipients_for(event) -> list:
    hazard = event.hazard
    enterprise = hazard.enterprise
    if event.action == "remind":
        return people.managers(enterprise)
    if event.action == "escalate_town":
        return people.town_supervisors(enterprise)
    if event.action == "escalate_county":
        return people.county_supervisors(enterprise)
    # An enterprise's own user acting (they belong to it) is heard by the town; anyone else
    # acting (the bureau, the town, an expert) by the enterprise's managers.
    by_enterprise = event.actor_id is not None and event.actor.enterprise_id is not None
    found = people.town_supervisors(enterprise) if by_enterprise else people.managers(enterprise)
    if hazard.is_major:
        found += people.county_supervisors(enterprise)
    return [p for p in found if p.pk != event.actor_id]


def message(event) -> Message:
    hazard = event.hazard
    kind = "重大事故隐患" if hazard.is_major else "一般隐患"
    return Message(
        recipients_for(event),
        f"【{event.action_label}】{hazard.enterprise.name}（{kind}）",
        event.note or hazard.description[:100],
        f"/hazards/{hazard.pk}/",
    )
