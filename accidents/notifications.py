"""Who hears of an accident record's events (core.events): a record entered, corrected or
voided -> the county supervisors over the enterprise (and the county administrators), who
report and follow up accidents. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises import people

SELECT_RELATED = {"AccidentEvent": ("accident__enterprise",)}


def recipients_for(event) -> list:
    """The county's supervisors and administrators over the record's enterprise, not the
    actor; nobody for a typical case from elsewhere (no enterprise of ours)."""
    enterprise = event.accident.enterprise
    if enterprise is None:
        return []
    recipients = people.county_supervisors(enterprise, (Role.SUPERVISOR, Role.COUNTY_ADMIN))
    return [u for u in recipients if u.pk != event.actor_id]


def message(event):
    accident = event.accident
    enterprise = accident.enterprise
    if enterprise is None:
        return None
    return Message(
        recipients_for(event),
        f"【事故{event.get_action_display()}】{enterprise.name}",
        event.note or str(accident),
        f"/accidents/{accident.pk}/",
    )
