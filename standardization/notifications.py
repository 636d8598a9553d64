"""Who hears of a rating's events (core.events), as data (RECIPIENTS, read by the 通知规则
page): the enterprise's managers of every step of their rating; the town's supervisors of
an application, a result (announced, certified, kept, downgraded, revoked, expired) and a
check started; the county's supervisors and administrators, who run the reviews, of an
application, a renewal and a review opened by a major hazard. Never the actor."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import COUNTY, ENTERPRISE, MANAGERS, TOWN, Audience, audience, heard
from standardization.models import EventAction

SELECT_RELATED = {"RatingEvent": ("rating__enterprise",)}

_MANAGERS = Audience(ENTERPRISE, MANAGERS)
_TOWN = Audience(TOWN, (Role.TOWN_SUPERVISOR,))
_COUNTY = Audience(COUNTY, (Role.SUPERVISOR, Role.COUNTY_ADMIN))

RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    EventAction.APPLIED: (_TOWN, _COUNTY),
    EventAction.RENEWAL: (_TOWN, _COUNTY),
    EventAction.REVIEW_STARTED: (_MANAGERS,),
    EventAction.REVIEWED: (_MANAGERS,),
    EventAction.REJECTED: (_MANAGERS, _TOWN),
    EventAction.ANNOUNCED: (_MANAGERS, _TOWN),
    EventAction.CERTIFIED: (_MANAGERS, _TOWN),
    EventAction.CHECK_STARTED: (_MANAGERS, _TOWN),
    EventAction.KEPT: (_MANAGERS, _TOWN),
    EventAction.DOWNGRADED: (_MANAGERS, _TOWN, _COUNTY),
    EventAction.REVOKED: (_MANAGERS, _TOWN, _COUNTY),
    EventAction.EXPIRED: (_MANAGERS, _TOWN),
    EventAction.REPLACED: (_MANAGERS,),
}
# A review opened by a major hazard is the county's to run.
MAJOR_HAZARD_REVIEW = "major_hazard_review"
RECIPIENTS[MAJOR_HAZARD_REVIEW] = (_MANAGERS, _TOWN, _COUNTY)

KINDS = {
    **{
        action: f"安全生产标准化：{EventAction(action).label}"
        for action in RECIPIENTS
        if action != MAJOR_HAZARD_REVIEW
    },
    MAJOR_HAZARD_REVIEW: "安全生产标准化：重大事故隐患引发复核",
}


def kinds_of(event) -> tuple[str, ...]:
    if event.action == EventAction.CHECK_STARTED and event.payload.get("reason") == "major_hazard":
        return (MAJOR_HAZARD_REVIEW,)
    return (event.action,) if event.action in RECIPIENTS else ()


def recipients_for(event) -> list:
    kinds = kinds_of(event)
    if not kinds:
        return []
    enterprise = event.rating.enterprise
    return audience(enterprise, heard(RECIPIENTS, kinds), exclude=event.actor_id)


def message(event):
    if not kinds_of(event):
        return None
    rating = event.rating
    return Message(
        recipients_for(event),
        f"【标准化{event.get_action_display()}】{rating.enterprise.name}",
        event.note or f"{rating.get_grade_display()}：{rating.get_state_display()}",
        f"/standardization/{rating.pk}/",
    )
