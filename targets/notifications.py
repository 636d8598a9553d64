"""Who hears of target events (core.events), as data (RECIPIENTS, read by the 通知规则 page):

- a report issued: the supervisors of the issuing node and of every node above it (county),
  and the town supervisors of every town under it (town).

Drafting and editing a report, a town's plan and notes, and a snapshot are the actor's own work
and announce nobody."""

from django.db.models import Q

from accounts.roles import Role
from core.events import Message
from core.scoping import ancestor_paths
from enterprises.people import COUNTY, TOWN, Audience
from targets.models import EventAction

SELECT_RELATED = {"TargetEvent": ("report", "jurisdiction")}

REPORT_ISSUED = "report_issued"
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    REPORT_ISSUED: (Audience(COUNTY, (Role.SUPERVISOR,)), Audience(TOWN, (Role.TOWN_SUPERVISOR,))),
}
KINDS = {REPORT_ISSUED: "治本攻坚报告印发"}


def kinds_of(event) -> tuple[str, ...]:
    if event.action == EventAction.REPORT_ISSUED and event.report_id:
        return (REPORT_ISSUED,)
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
    report = event.report
    return Message(
        _recipients(event.jurisdiction, exclude=event.actor_id),
        f"【治本攻坚】{report.number} {report.title}已印发",
        event.note,
        f"/targets/reports/{report.pk}/",
    )
