"""Who hears of an alarm's events (core.events), as data (RECIPIENTS, read by the 通知规则
page): its enterprise's managers when it is raised; the town's supervisors, then the county's,
when it escalates; nobody for the other steps. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import COUNTY, ENTERPRISE, MANAGERS, TOWN, Audience, audience, heard

SELECT_RELATED = {"AlarmEvent": ("alarm__enterprise", "alarm__point")}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    "raise": (Audience(ENTERPRISE, MANAGERS),),
    "escalate_town": (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
    "escalate_county": (Audience(COUNTY, (Role.SUPERVISOR,)),),
}
KINDS = {
    "raise": "监测报警产生",
    "escalate_town": "报警未处置，升级至镇街",
    "escalate_county": "报警未处置，升级至县局",
}


def kinds_of(event) -> tuple[str, ...]:
    return (event.action,) if event.action in RECIPIENTS else ()


def recipients_for(event) -> list:
    audiences = heard(RECIPIENTS, kinds_of(event))
    return audience(event.alarm.enterprise, audiences, exclude=event.actor_id)


def message(event) -> Message:
    from monitoring.services import ACTION_LABELS

    alarm = event.alarm
    title = (
        f"【{ACTION_LABELS.get(event.action, event.action)}】{alarm.enterprise.name} "
        f"{alarm.point} {alarm.get_condition_display()}"
    )
    link = f"/monitoring/alarms/{alarm.pk}/"
    return Message(recipients_for(event), title, event.note, link, urgent=True)
