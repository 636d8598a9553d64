"""Who hears of accident warnings (core.events), as data (RECIPIENTS, read by the 通知规则
page); never the actor.

- a warning sent to an enterprise, and the reminders while it has not acknowledged: the
  enterprise's principal and safety officers (who acknowledge it);
- every recipient acknowledged: the person who issued the warning;
- a 提醒函 or a supervision record (约谈, 重点关注, 帮扶指导): the enterprise's managers.
Drafting, adjusting the list and an acknowledgement itself announce nobody."""

from accident_warnings.models import EventAction
from core.events import Message
from enterprises.people import ENTERPRISE, MANAGERS, REQUESTER, Audience, audience, heard

SELECT_RELATED = {"WarningEvent": ("enterprise", "warning", "warning__issued_by")}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    EventAction.SENT: (Audience(ENTERPRISE, MANAGERS),),
    EventAction.REMINDED: (Audience(ENTERPRISE, MANAGERS),),
    EventAction.ALL_ACKNOWLEDGED: (Audience(REQUESTER),),
    EventAction.LETTER: (Audience(ENTERPRISE, MANAGERS),),
    EventAction.SUPERVISION: (Audience(ENTERPRISE, MANAGERS),),
}
KINDS = {
    EventAction.SENT: "事故警示",
    EventAction.REMINDED: "事故警示未阅提醒",
    EventAction.ALL_ACKNOWLEDGED: "事故警示已全部阅知",
    EventAction.LETTER: "提醒函",
    EventAction.SUPERVISION: "监管措施",
}


def kinds_of(event) -> tuple[str, ...]:
    return (event.action,) if event.action in RECIPIENTS else ()


def recipients_for(event) -> list:
    if event.action not in RECIPIENTS:
        return []
    requester = event.warning.issued_by if event.warning_id else None
    return audience(
        event.enterprise,
        heard(RECIPIENTS, kinds_of(event)),
        exclude=event.actor_id,
        requester=requester,
    )


def message(event):
    if event.action not in RECIPIENTS:
        return None
    warning = event.warning
    if event.action == EventAction.ALL_ACKNOWLEDGED:
        return Message(
            recipients_for(event),
            f"【{KINDS[event.action]}】{warning.title}",
            "全部接收企业均已阅知",
            f"/accident-warnings/{warning.pk}/",
        )
    if event.enterprise is None:
        return None
    if event.action in (EventAction.SENT, EventAction.REMINDED):
        body = warning.title if event.action == EventAction.SENT else f"请阅知：{warning.title}"
        link = f"/accident-warnings/{warning.pk}/"
    else:
        body, link = event.note, f"/accident-warnings/enterprises/{event.enterprise_id}/"
    return Message(
        recipients_for(event), f"【{KINDS[event.action]}】{event.enterprise.name}", body, link
    )
