"""Who hears of a commitment's events (core.events), as data (RECIPIENTS, read by the 通知规则
page): a 动态清零 commitment recorded -> the town supervisors over the enterprise; a breach
recorded -> the enterprise's managers, and the town supervisors too when the platform detected
it (no actor); a breach revoked -> the enterprise's managers. Never the actor, who knows
already."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import ENTERPRISE, MANAGERS, TOWN, Audience, audience, heard
from reporting.models import CommitmentKind, EventAction

SELECT_RELATED = {"CommitmentEvent": ("commitment__enterprise", "breach")}

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    "zero_out_recorded": (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),),
    "breach_recorded": (Audience(ENTERPRISE, MANAGERS),),
    "breach_detected": (Audience(ENTERPRISE, MANAGERS), Audience(TOWN, (Role.TOWN_SUPERVISOR,))),
    "breach_revoked": (Audience(ENTERPRISE, MANAGERS),),
}
KINDS = {
    "zero_out_recorded": "重大事故隐患“动态清零”承诺",
    "breach_recorded": "记录违反安全承诺（人员记录）",
    "breach_detected": "平台发现违反安全承诺",
    "breach_revoked": "违反承诺记录撤销",
}


def kinds_of(event) -> tuple[str, ...]:
    if event.action == EventAction.RECORDED:
        zero_out = event.commitment.kind == CommitmentKind.ZERO_OUT
        return ("zero_out_recorded",) if zero_out else ()
    if event.action == EventAction.BREACH_RECORDED:
        return ("breach_detected",) if event.actor_id is None else ("breach_recorded",)
    if event.action == EventAction.BREACH_REVOKED:
        return ("breach_revoked",)
    return ()


def recipients_for(event) -> list:
    audiences = heard(RECIPIENTS, kinds_of(event))
    return audience(event.commitment.enterprise, audiences, exclude=event.actor_id)


def message(event):
    kinds = kinds_of(event)
    if not kinds:
        return None
    commitment = event.commitment
    enterprise = commitment.enterprise
    link = f"/reporting/commitments/{commitment.pk}/"
    if kinds == ("zero_out_recorded",):
        title = f"【安全承诺】{enterprise.name}"
        body = (
            f"主要负责人{commitment.committer_name}作出重大事故隐患“动态清零”承诺"
            f"（{commitment.period_start:%Y-%m-%d}至{commitment.period_end:%Y-%m-%d}）"
        )
    elif kinds == ("breach_revoked",):
        title = f"【违反承诺记录已撤销】{enterprise.name}"
        body = event.note
    else:
        title = f"【违反安全承诺】{enterprise.name}"
        body = f"{commitment.title}（{commitment.committer_name}）：{event.breach.description}"
    return Message(recipients_for(event), title, body, link)
