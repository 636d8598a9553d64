"""Deadline reminders and escalation, run once a day by hazards.tasks.deadline_reminders.

For each open hazard with a rectification deadline, counted in working days (core.workdays:
weekends, public holidays and make-up working days) with the DeadlineRule rows:

* remind_before: the enterprise's principal and safety officer are reminded when the deadline
  is at most that many working days ahead and has not passed (not for a hazard already
  submitted for verification: the enterprise has done its part);
* escalate_town: the town's supervisors hear of it once it is overdue by that many working days;
* escalate_county: the county's supervisors, once overdue by that many.

Each step is a HazardEvent (no actor, state unchanged, data {"deadline": ...}) delivered through
the same outbox as transitions, and happens once per hazard and deadline: an approved extension
moves the deadline and so allows a new reminder. The job reads the candidates and their earlier
steps in bulk and does the working-day arithmetic once per distinct deadline, so its query
count does not grow with the number of hazards (the inserts are batched).
"""

import logging
from datetime import date
from functools import cache

from django.db import transaction

from core import events, workdays
from hazards.models import (
    DEADLINE_ACTIONS,
    OPEN_STATES,
    DeadlineRule,
    Hazard,
    HazardEvent,
    State,
)

logger = logging.getLogger(__name__)

REMIND, ESCALATE_TOWN, ESCALATE_COUNTY = "remind", "escalate_town", "escalate_county"
RULES = {
    REMIND: "remind_before",
    ESCALATE_TOWN: "escalate_town",
    ESCALATE_COUNTY: "escalate_county",
}
BATCH = 500


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _rules() -> dict[str, int]:
    """Working days per action; an action whose rule row is missing is skipped."""
    days = dict(
        DeadlineRule.objects.filter(code__in=RULES.values()).values_list("code", "working_days")
    )
    found = {}
    for action, code in RULES.items():
        if code in days:
            found[action] = days[code]
        else:
            logger.warning("deadline rule %r is missing: %s skipped", code, action)
    return found


def provisional_note(start: date, end: date) -> str:
    """What a count of working days between two dates rests on, when a year has no notice."""
    years = [
        str(year)
        for year in range(min(start, end).year, max(start, end).year + 1)
        if not workdays.is_known_year(year)
    ]
    if not years:
        return ""
    return (
        f"（{'、'.join(years)}年节假日安排尚未公布，工作日暂按法定节假日推算，"
        "以国务院办公厅通知为准）"
    )


def _remind_note(today: date, deadline: date) -> str:
    if deadline == today:
        return f"整改期限为今天（{_day(deadline)}），请按期完成整改。"
    ahead = workdays.workdays_between(today, deadline)
    if ahead == 0:
        text = f"整改期限为{_day(deadline)}，期限前已无工作日，请按期完成整改。"
    else:
        text = f"整改期限为{_day(deadline)}，还有{ahead}个工作日，请按期完成整改。"
    return text + provisional_note(today, deadline)


def _late_note(today: date, deadline: date) -> str:
    late = workdays.workdays_between(deadline, today)
    return f"整改期限为{_day(deadline)}，已逾期{late}个工作日。" + provisional_note(deadline, today)


def run(today: date) -> dict:
    """Record and queue today's reminders and escalations; returns how many of each."""
    counts = {"checked": 0, REMIND: 0, ESCALATE_TOWN: 0, ESCALATE_COUNTY: 0}
    # The worker's calendar cache outlives an administrator's edit made in another process
    # (core.signals clears only the editing process's cache): start from the tables.
    workdays.clear_cache()
    rules = _rules()
    if not rules:
        return counts

    # The working-day arithmetic depends only on the dates: once per distinct deadline.
    @cache
    def due(deadline: date, submitted: bool) -> tuple[str, ...]:
        """The steps due today for a deadline, taken already or not."""
        if deadline >= today:
            return (REMIND,) if REMIND in rules and not submitted else ()
        return tuple(
            action
            for action in (ESCALATE_TOWN, ESCALATE_COUNTY)
            # Overdue by that many working days, and at the earliest the day after it.
            if action in rules
            and today > deadline
            and today >= workdays.add_workdays(deadline, rules[action])
        )

    @cache
    def note(deadline: date) -> str:
        return _remind_note(today, deadline) if deadline >= today else _late_note(today, deadline)

    # A deadline is reminded of while at most remind_before working days lie after today up
    # to it, i.e. before the (remind_before + 1)-th working day after today.
    remind_until = workdays.add_workdays(today, rules[REMIND] + 1) if REMIND in rules else today
    candidates = Hazard.objects.filter(
        state__in=OPEN_STATES, deadline__isnull=False, deadline__lt=remind_until
    )
    new_events = []
    with transaction.atomic():
        # Locking the candidates makes a second run (the periodic task enqueued twice) wait,
        # then see this run's events and record nothing twice.
        rows = list(
            candidates.select_for_update().order_by("pk").values_list("pk", "state", "deadline")
        )
        counts["checked"] = len(rows)
        done = set()
        for hazard_id, action, data in HazardEvent.objects.filter(
            hazard__in=candidates.values("pk"), action__in=DEADLINE_ACTIONS
        ).values_list("hazard_id", "action", "payload"):
            if isinstance(data, dict):
                done.add((hazard_id, action, data.get("deadline")))

        for hazard_id, state, deadline in rows:
            for action in due(deadline, state == State.SUBMITTED):
                if (hazard_id, action, deadline.isoformat()) in done:
                    continue
                new_events.append(
                    HazardEvent(
                        hazard_id=hazard_id,
                        action=action,
                        from_state=state,
                        to_state=state,
                        actor=None,
                        note=note(deadline),
                        payload={"deadline": deadline.isoformat()},
                    )
                )
                counts[action] += 1
        events.record_many(HazardEvent, new_events, batch_size=BATCH)
    return counts
