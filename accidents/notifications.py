"""Who hears of an accident record's events (core.events), as data (RECIPIENTS, read by the
通知规则 page): a record entered, corrected or voided -> the county supervisors over the
enterprise and the county administrators, who report and follow up accidents; nobody for a
typical case from elsewhere (no enterprise of ours). Never the actor."""

from accidents.models import EventAction
from accounts.roles import Role
from core.events import Message
from enterprises.people import COUNTY, Audience, audience, heard

SELECT_RELATED = {"AccidentEvent": ("accident__enterprise",)}

_COUNTY = (Audience(COUNTY, (Role.SUPERVISOR, Role.COUNTY_ADMIN)),)
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    EventAction.RECORDED: _COUNTY,
    EventAction.CORRECTED: _COUNTY,
    EventAction.VOIDED: _COUNTY,
}
KINDS = {
    EventAction.RECORDED: "本县企业事故登记",
    EventAction.CORRECTED: "本县企业事故记录更正",
    EventAction.VOIDED: "本县企业事故记录作废",
}


def kinds_of(event) -> tuple[str, ...]:
    if event.accident.enterprise_id is None or event.action not in RECIPIENTS:
        return ()
    return (event.action,)


def recipients_for(event) -> list:
    """The county's supervisors and administrators over the record's enterprise, not the
    actor; nobody for a typical case from elsewhere."""
    enterprise = event.accident.enterprise
    if enterprise is None:
        return []
    return audience(enterprise, heard(RECIPIENTS, kinds_of(event)), exclude=event.actor_id)


def message(event):
    accident = event.accident
    enterprise = accident.enterprise
    if enterprise is None:
        return None
    return Message(
        recipients_for(event),
        f"【事故{event.get_action_display()}】{enterprise.name}",
        event.note or str(accident),
        f"/accidents/{accident.pk}/",
    )
