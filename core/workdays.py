"""Working days in China: weekends, public holidays and make-up working days (调休).

The arrangement of each year comes from the State Council's yearly notice and is stored as data
(CalendarYear, CalendarDay) that an administrator can extend. For a year that is not loaded the
calendar falls back to plain weekends and says so through `is_known_year`, never by raising.
"""

import logging
from datetime import date, timedelta
from functools import lru_cache

logger = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _year(year: int) -> tuple[bool, dict[date, bool]]:
    from core.models import CalendarDay, CalendarYear

    known = CalendarYear.objects.filter(year=year).exists()
    days = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    if not known:
        logger.warning("holiday arrangement for %s is not loaded; counting plain weekends", year)
    return known, days


def clear_cache() -> None:
    _year.cache_clear()


def is_known_year(year: int) -> bool:
    return _year(year)[0]


def is_workday(day: date) -> bool:
    _, days = _year(day.year)
    if day in days:
        return days[day]
    return day.weekday() < 5


def add_workdays(start: date, count: int) -> date:
    """The date `count` working days after `start` (start itself not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += timedelta(days=1)
        if is_workday(day):
            count -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
