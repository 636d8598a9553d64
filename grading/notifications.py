"""Who hears of grading's events (core.events), as data (RECIPIENTS, read by the 通知规则
page). A manual grade requested -> the approvers over the enterprise (the roles of
PERMISSIONS' grade.approve on its scope path), not the requester; approved or rejected -> its
requester. A grade change (recorded in bulk by grading.engine through
core.events.record_many) announces nobody yet."""

from accounts.roles import PERMISSIONS
from core.events import Message
from enterprises.people import COUNTY, REQUESTER, Audience, audience, heard
from grading.models import OverrideState

SELECT_RELATED = {"OverrideEvent": ("override__enterprise", "override__requested_by", "actor")}

DECIDED = {OverrideState.APPROVED: "已批准", OverrideState.REJECTED: "被驳回"}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    "requested": (Audience(COUNTY, tuple(PERMISSIONS["grade.approve"])),),
    "decided": (Audience(REQUESTER),),
}
KINDS = {
    "requested": "风险等级人工调整待审批",
    "decided": "风险等级人工调整已批准或被驳回",
}


def kinds_of(event) -> tuple[str, ...]:
    if event._meta.model_name != "overrideevent":
        return ()
    if event.to_state == OverrideState.PENDING:
        return ("requested",)
    if event.from_state == OverrideState.PENDING and event.to_state in DECIDED:
        return ("decided",)
    return ()


def recipients_for(event) -> list:
    """A request -> the approvers over the enterprise, not the requester; a decision -> the
    requester; anything else -> nobody."""
    kinds = kinds_of(event)
    if not kinds:
        return []
    override = event.override
    return audience(
        override.enterprise,
        heard(RECIPIENTS, kinds),
        exclude=event.actor_id,
        requester=override.requested_by,
    )


def message(event):
    kinds = kinds_of(event)
    if not kinds:
        return None
    override = event.override
    enterprise = override.enterprise
    link = f"/grading/{enterprise.pk}/"
    if kinds == ("requested",):
        return Message(
            recipients_for(event),
            f"【风险等级调整待审批】{enterprise.name}",
            f"{event.actor.display_name}申请调整为{override.get_level_display()}：{event.note}",
            link,
        )
    return Message(
        recipients_for(event),
        f"【风险等级调整{DECIDED[event.to_state]}】{enterprise.name}",
        event.note,
        link,
    )
