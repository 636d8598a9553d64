"""Who hears of expert visits (core.events), as data (RECIPIENTS, read by the 通知规则 page);
never the actor.

- a visit planned: the experts assigned (named by the event, the "requester" level: the
  people the event concerns, whatever their role), and the enterprise's managers, told the
  date;
- the feedback report issued: the enterprise's managers, told the findings (hazards to
  rectify) and the report's number;
- parts, findings, reviews, ledger edits and closing: the work of those who record them, no
  one else acts next (the findings' hazards announce themselves through hazards)."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import ENTERPRISE, MANAGERS, REQUESTER, Audience, audience, heard
from experts.models import EventAction

SELECT_RELATED = {"ExpertEvent": ("enterprise", "visit", "visit__jurisdiction")}

ASSIGNED = "assigned"
SCHEDULED = "scheduled"
REPORTED = "reported"
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    ASSIGNED: (Audience(REQUESTER),),
    SCHEDULED: (Audience(ENTERPRISE, MANAGERS),),
    REPORTED: (Audience(ENTERPRISE, (Role.PRINCIPAL, Role.SAFETY_OFFICER)),),
}
KINDS = {
    ASSIGNED: "指派有限空间会诊专家",
    SCHEDULED: "有限空间专家会诊日期",
    REPORTED: "有限空间专家会诊反馈报告与问题隐患",
}


def kinds_of(event) -> tuple[str, ...]:
    if event.action == EventAction.PLANNED:
        return (ASSIGNED, SCHEDULED)
    if event.action == EventAction.REPORTED:
        return (REPORTED,)
    return ()


def _experts(event) -> list:
    from accounts.models import User

    ids = event.payload.get("experts", []) if isinstance(event.payload, dict) else []
    found = User.objects.filter(pk__in=ids, is_active=True).exclude(pk=event.actor_id)
    return list(found.order_by("pk"))


def message(event):
    kinds = kinds_of(event)
    if not kinds or event.visit is None:
        return None
    enterprise, visit = event.enterprise, event.visit
    link = f"/experts/visits/{visit.pk}/"
    if event.action == EventAction.PLANNED:
        told = audience(enterprise, heard(RECIPIENTS, (SCHEDULED,)), exclude=event.actor_id)
        seen = {user.pk for user in told}
        told += [user for user in _experts(event) if user.pk not in seen]
        day = event.payload.get("planned_on", event.note)
        body = (
            f"{visit.jurisdiction.name}安排于 {day} 对{enterprise.name}开展有限空间专家会诊"
            "（动员培训、现场会诊、交流研讨、讲评反馈），请做好准备。"
        )
        return Message(told, f"【有限空间专家会诊】{enterprise.name}", body, link)
    findings = event.payload.get("findings", 0)
    body = (
        f"专家会诊反馈报告（{event.note}）已出具，发现问题隐患 {findings} 项，"
        "请在隐患台账中按期整改。"
        if findings
        else f"专家会诊反馈报告（{event.note}）已出具，本次会诊未发现问题隐患。"
    )
    told = audience(enterprise, heard(RECIPIENTS, kinds), exclude=event.actor_id)
    return Message(told, f"【会诊反馈报告】{enterprise.name}", body, link)
