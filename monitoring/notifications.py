"""Who hears of an alarm's events (core.events): its enterprise's managers when it is raised;
the town's supervisors, then the county's, when it escalates; nobody for the other steps."""

from core.events import Message
from enterprises import people

SELECT_RELATED = {"AlarmEvent": ("alarm__enterprise", "alarm__point")}


def recipients_for(event) -> list:
    enterprise = event.alarm.enterprise
    if event.action == "raise":
        return people.managers(enterprise)
    if event.action == "escalate_town":
        return people.town_supervisors(enterprise)
    if event.action == "escalate_county":
        return people.county_supervisors(enterprise)
    return []


def message(event) -> Message:
    from monitoring.services import ACTION_LABELS

    alarm = event.alarm
    title = (
        f"【{ACTION_LABELS.get(event.action, event.action)}】{alarm.enterprise.name} "
        f"{alarm.point} {alarm.get_condition_display()}"
    )
    link = f"/monitoring/alarms/{alarm.pk}/"
    return Message(recipients_for(event), title, event.note, link, urgent=True)
