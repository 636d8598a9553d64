"""Who hears of grading's events (core.events). A manual grade requested -> the approvers over
the enterprise (the roles of PERMISSIONS' grade.approve), not the requester; approved or
rejected -> its requester. A grade change (recorded in bulk by grading.engine through
core.events.record_many) announces nobody yet."""

from accounts.roles import PERMISSIONS
from core.events import Message
from enterprises import people
from grading.models import OverrideState

SELECT_RELATED = {"OverrideEvent": ("override__enterprise", "override__requested_by", "actor")}

DECIDED = {OverrideState.APPROVED: "已批准", OverrideState.REJECTED: "被驳回"}


def recipients_for(event) -> list:
    """A request -> the approvers over the enterprise (grade.approve's roles on its scope
    path), not the requester; a decision -> the requester; anything else -> nobody."""
    if event._meta.model_name != "overrideevent":
        return []
    override = event.override
    if event.to_state == OverrideState.PENDING:
        approvers = people.county_supervisors(override.enterprise, PERMISSIONS["grade.approve"])
        return [u for u in approvers if u.pk != event.actor_id]
    if event.from_state == OverrideState.PENDING and event.to_state in DECIDED:
        return [override.requested_by]
    return []


def message(event):
    if event._meta.model_name != "overrideevent":
        return None
    override = event.override
    enterprise = override.enterprise
    link = f"/grading/{enterprise.pk}/"
    if event.to_state == OverrideState.PENDING:
        return Message(
            recipients_for(event),
            f"【风险等级调整待审批】{enterprise.name}",
            f"{event.actor.display_name}申请调整为{override.get_level_display()}：{event.note}",
            link,
        )
    if event.from_state == OverrideState.PENDING and event.to_state in DECIDED:
        return Message(
            recipients_for(event),
            f"【风险等级调整{DECIDED[event.to_state]}】{enterprise.name}",
            event.note,
            link,
        )
    return None
