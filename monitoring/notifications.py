"""Who hears of an alarm's events (core.events), as data (RECIPIENTS, read by the 通知规则
page): its enterprise's managers when it is raised; the town's supervisors, then the county's,
when it escalates; the town's supervisors when an alarm already handled recovers (clear: its
condition stopped, so they may close it now; not urgent). A recovery of an alarm not yet
handled tells nobody: the enterprise still has to acknowledge and handle it, as it was told
when it was raised. Nobody for the other steps. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import COUNTY, ENTERPRISE, MANAGERS, TOWN, Audience, audience, heard
from monitoring.models import AlarmState

SELECT_RELATED = {"AlarmEvent": ("alarm__enterprise", "alarm__point")}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    "raise": (Audience(ENTERPRISE, MANAGERS),),
    "escalate_town": (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
    "escalate_county": (Audience(COUNTY, (Role.SUPERVISOR,)),),
    "clear": (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
}
KINDS = {
    "raise": "监测报警产生",
    "escalate_town": "报警未处置，升级至镇街",
    "escalate_county": "报警未处置，升级至县局",
    "clear": "已处置的报警恢复正常，可关闭",
}
# Told at once by every channel, whatever the quiet hours: the alarm and its escalations.
URGENT = {"raise", "escalate_town", "escalate_county"}


def kinds_of(event) -> tuple[str, ...]:
    if event.action == "clear":
        return ("clear",) if event.to_state == AlarmState.HANDLED else ()
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
    return Message(recipients_for(event), title, event.note, link, urgent=event.action in URGENT)
