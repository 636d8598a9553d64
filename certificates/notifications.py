"""Who hears of special-operation certificates (core.events), as data (RECIPIENTS, read by the
通知规则 page); never the actor.

- a reminder before a review or an expiry: the enterprise's safety officers and principal;
- a gap raised as a major hazard: the enterprise's managers and the town's supervisors;
- recorded, imported, reviewed: nobody (the enterprise's own bookkeeping)."""

from accounts.roles import Role
from certificates.models import Action
from core.events import Message
from enterprises.people import ENTERPRISE, MANAGERS, TOWN, Audience, audience, heard

SELECT_RELATED = {"CertificateEvent": ("enterprise", "certificate")}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    Action.REVIEW_REMINDER: (Audience(ENTERPRISE, (Role.SAFETY_OFFICER, Role.PRINCIPAL)),),
    Action.EXPIRY_REMINDER: (Audience(ENTERPRISE, (Role.SAFETY_OFFICER, Role.PRINCIPAL)),),
    Action.RAISE_GAP: (Audience(ENTERPRISE, MANAGERS), Audience(TOWN, (Role.TOWN_SUPERVISOR,))),
}
KINDS = {
    Action.REVIEW_REMINDER: "特种作业操作证复审提醒",
    Action.EXPIRY_REMINDER: "特种作业操作证到期提醒",
    Action.RAISE_GAP: "持证缺口登记为重大事故隐患",
}


def kinds_of(event) -> tuple[str, ...]:
    return (event.action,) if event.action in RECIPIENTS else ()


def recipients_for(event) -> list:
    return audience(event.enterprise, heard(RECIPIENTS, kinds_of(event)), exclude=event.actor_id)


def message(event):
    if event.action not in RECIPIENTS:
        return None
    title = f"【{KINDS[event.action]}】{event.enterprise.name}"
    link = f"/enterprises/{event.enterprise_id}/"
    certificate = event.certificate
    if certificate is not None:
        due = event.payload.get("due", "")
        what = "应复审" if event.action == Action.REVIEW_REMINDER else "有效期至"
        body = (
            f"{certificate.holder_name} 的{certificate.operation_label}操作证（证号 "
            f"{certificate.number}）{what} {due}，请及时办理"
        )
    else:
        body = event.note
    return Message(recipients_for(event), title, body, link)
