"""Who hears of campaign events (core.events), as data (RECIPIENTS, read by the 通知规则 page):

- a campaign started: each target enterprise's principal and safety officers, whose self-check
  is now due (answer_due);
- a self-check past its deadline: the enterprise's managers and its town's supervisors
  (overdue);
- the self-check stage ended: each town's supervisors, with their enterprises' status
  (self_check_ended), who check next.

Creating, answering, checking and closing are the actor's own work and announce nobody."""

from types import SimpleNamespace

from accounts.roles import Role
from campaigns.models import EventAction
from core.events import Message
from enterprises.people import ENTERPRISE, MANAGERS, TOWN, Audience, audience, heard

SELECT_RELATED = {"CampaignEvent": ("campaign", "enterprise", "town")}

ANSWER_DUE, OVERDUE, SELF_CHECK_ENDED = "answer_due", "overdue", "self_check_ended"
_TOWN = Audience(TOWN, (Role.TOWN_SUPERVISOR,))
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    ANSWER_DUE: (Audience(ENTERPRISE, MANAGERS),),
    OVERDUE: (Audience(ENTERPRISE, MANAGERS), _TOWN),
    SELF_CHECK_ENDED: (_TOWN,),
}
KINDS = {
    ANSWER_DUE: "专项整治启动，企业待自查",
    OVERDUE: "专项整治自查逾期",
    SELF_CHECK_ENDED: "企业自查阶段结束，镇街待检查",
}


def kinds_of(event) -> tuple[str, ...]:
    if event.action in (ANSWER_DUE, OVERDUE, SELF_CHECK_ENDED):
        return (str(event.action),)
    return ()


def message(event):
    kinds = kinds_of(event)
    if not kinds:
        return None
    campaign = event.campaign
    if event.action == EventAction.SELF_CHECK_ENDED:
        if event.town is None:
            return None
        # The town's own staff: the audience of an enterprise of that town.
        place = SimpleNamespace(pk=None, jurisdiction_id=event.town.pk, scope_path=event.town.path)
        return Message(
            audience(place, heard(RECIPIENTS, kinds), exclude=event.actor_id),
            f"【专项整治】{campaign.name}：企业自查阶段结束，请开展镇街检查",
            event.note,
            f"/campaigns/{campaign.pk}/",
        )
    if event.enterprise is None:
        return None
    enterprise = event.enterprise
    title = (
        f"【专项整治】{campaign.name}：请完成企业自查"
        if event.action == EventAction.ANSWER_DUE
        else f"【专项整治自查逾期】{enterprise.name}"
    )
    return Message(
        audience(enterprise, heard(RECIPIENTS, kinds), exclude=event.actor_id),
        title,
        event.note,
        f"/campaigns/{campaign.pk}/checklist/",
    )
