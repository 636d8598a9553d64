"""Who hears of an accident record's events (core.events): a record entered, corrected or
voided -> the county supervisors over the enterprise (and the county administrators), who
report and follow up accidents. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises import people

SELECT_RELATED = {"AccidentEvent": ("accident__enterprise",)}


def message(event):
    accident = event.accident
    enterprise = accident.enterprise
    if enterprise is None:
        return None
    recipients = people.county_supervisors(enterprise, (Role.SUPERVISOR, Role.COUNTY_ADMIN))
    return Message(
        [u for u in recipients if u.pk != event.actor_id],
        f"【事故{event.get_action_display()}】{enterprise.name}",
        event.note or str(accident),
        f"/accidents/{accident.pk}/",
    )
