"""Who hears of target events (core.events), as data (RECIPIENTS, read by the 通知规则 page):

- a report issued: the supervisors of the issuing node and of every node above it (county),
  and the town supervisors of every town under it (town);
- a town's plan saved or a progress note: the county's supervisors (targets.plans).

Drafting and editing a report and a snapshot are the actor's own work and announce nobody."""

from django.db.models import Q

from accounts.roles import Role
from core.events import Message
from core.scoping import ancestor_paths
from enterprises.people import COUNTY, TOWN, Audience
from targets import plans
from targets.models import EventAction

SELECT_RELATED = {"TargetEvent": ("report", "plan", "jurisdiction")}

REPORT_ISSUED = "report_issued"
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    REPORT_ISSUED: (Audience(COUNTY, (Role.SUPERVISOR,)), Audience(TOWN, (Role.TOWN_SUPERVISOR,))),
    **plans.PLAN_RECIPIENTS,
}
KINDS = {REPORT_ISSUED: "治本攻坚报告印发", **plans.PLAN_KINDS}


def kinds_of(event) -> tuple[str, ...]:
    if event.action == EventAction.REPORT_ISSUED and event.report_id:
        return (REPORT_ISSUED,)
    if event.action in plans.PLAN_RECIPIENTS and event.plan_id:
        return (event.action,)
    return ()


def _recipients(node, exclude=None) -> list:
    from accounts.models import User

    where = Q(pk__in=[])
    for audience in RECIPIENTS[REPORT_ISSUED]:
        if audience.level == COUNTY:
            where |= Q(role__in=audience.roles, jurisdiction__path__in=ancestor_paths(node.path))
        else:
            where |= Q(role__in=audience.roles, jurisdiction__path__startswith=node.path)
    found = User.objects.filter(is_active=True).filter(where)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.order_by("pk"))


def message(event):
    if not kinds_of(event):
        return None
    if event.action != EventAction.REPORT_ISSUED:
        return plans.plan_message(event)
    report = event.report
    return Message(
        _recipients(event.jurisdiction, exclude=event.actor_id),
        f"【治本攻坚】{report.number} {report.title}已印发",
        event.note,
        f"/targets/reports/{report.pk}/",
    )
