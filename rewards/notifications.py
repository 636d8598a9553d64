"""Who hears of the report and reward scheme's events (core.events), as data (RECIPIENTS, read
by the 通知规则 page): a new report -> the enterprise's safety officers, who see it reviewed; a
reward proposed -> its managers, who approve it (奖励待审批); the report verified or not, and
the reward paid -> the employee who reported it (with an account). Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import ENTERPRISE, MANAGERS, REQUESTER, Audience, audience, heard
from rewards.models import EventAction

SELECT_RELATED = {"RewardEvent": ("enterprise", "report", "report__reporter", "report__hazard")}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    EventAction.REPORTED: (Audience(ENTERPRISE, (Role.SAFETY_OFFICER,)),),
    EventAction.PROPOSED: (Audience(ENTERPRISE, MANAGERS),),
    EventAction.VERIFIED: (Audience(REQUESTER),),
    EventAction.NOT_VERIFIED: (Audience(REQUESTER),),
    EventAction.PAID: (Audience(REQUESTER),),
}
KINDS = {
    EventAction.REPORTED: "员工报告隐患（企业安全管理员）",
    EventAction.PROPOSED: "隐患报告奖励待审批（企业负责人、安全管理员）",
    EventAction.VERIFIED: "报告经查属实（报告人本人）",
    EventAction.NOT_VERIFIED: "报告未予查实（报告人本人）",
    EventAction.PAID: "奖励已发放（报告人本人）",
}
TITLES = {
    EventAction.REPORTED: "【员工报告隐患】",
    EventAction.PROPOSED: "【奖励待审批】",
    EventAction.VERIFIED: "【报告经查属实】",
    EventAction.NOT_VERIFIED: "【报告未予查实】",
    EventAction.PAID: "【奖励已发放】",
}


def message(event):
    if event.action not in RECIPIENTS or event.report is None:
        return None
    report = event.report
    people = audience(
        event.enterprise,
        heard(RECIPIENTS, (event.action,)),
        exclude=event.actor_id,
        requester=report.reporter,
    )
    if event.action in (EventAction.PROPOSED, EventAction.PAID):
        what = event.note or report.hazard.description[:60]
        body = f"奖励 {event.payload.get('amount', '')} 元：{what}"
    else:
        body = event.note or f"{report.reporter_name}：{report.hazard.description[:80]}"
    link = (
        "/rewards/mine/"
        if event.action in (EventAction.VERIFIED, EventAction.NOT_VERIFIED, EventAction.PAID)
        else f"/rewards/enterprises/{event.enterprise_id}/"
    )
    return Message(people, f"{TITLES[event.action]}{event.enterprise.name}", body, link)
