"""Who hears of a commitment's events (core.events): a 动态清零 commitment recorded -> the town
supervisors over the enterprise; a breach recorded -> the enterprise's managers (and the town
supervisors when the platform detected it); a breach revoked -> the enterprise's managers.
Never the actor, who knows already."""

from core.events import Message
from enterprises import people
from reporting.models import CommitmentKind, EventAction

SELECT_RELATED = {"CommitmentEvent": ("commitment__enterprise", "breach")}


def message(event):
    commitment = event.commitment
    enterprise = commitment.enterprise
    link = f"/reporting/commitments/{commitment.pk}/"
    if event.action == EventAction.RECORDED and commitment.kind == CommitmentKind.ZERO_OUT:
        recipients = people.town_supervisors(enterprise)
        title = f"【安全承诺】{enterprise.name}"
        body = (
            f"主要负责人{commitment.committer_name}作出重大事故隐患“动态清零”承诺"
            f"（{commitment.period_start:%Y-%m-%d}至{commitment.period_end:%Y-%m-%d}）"
        )
    elif event.action == EventAction.BREACH_RECORDED:
        recipients = people.managers(enterprise)
        if event.actor_id is None:
            recipients += people.town_supervisors(enterprise)
        title = f"【违反安全承诺】{enterprise.name}"
        body = f"{commitment.title}（{commitment.committer_name}）：{event.breach.description}"
    elif event.action == EventAction.BREACH_REVOKED:
        recipients = people.managers(enterprise)
        title = f"【违反承诺记录已撤销】{enterprise.name}"
        body = event.note
    else:
        return None
    return Message([u for u in recipients if u.pk != event.actor_id], title, body, link)
