"""Working days in China: weekends, public holidays and make-up working days (调休).

The arrangement of each year comes from the State Council's yearly notice and is stored as data
(CalendarYear, CalendarDay) that an administrator can extend. For a year without a notice the
calendar counts the statutory holidays of 全国年节及纪念日放假办法 (STATUTORY_HOLIDAYS: the
lunar festivals and 清明 computed by lunar-python), with a weekday given back for each that falls
on a weekend (its 第六条), but no make-up working days, which only a notice sets. Such a count
is provisional: `is_provisional(start, end)` says whether counting between two dates used it,
and pages show it on the deadline (never raising, never only in the log).
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

logger = logging.getLogger(__name__)

STATUTORY_SOURCE = "全国年节及纪念日放假办法（2024年11月10日国务院令第798号修订）第二条、第六条"


@dataclass(frozen=True)
class Holiday:
    """A holiday for all citizens (第二条): `days` days from a solar date (`solar`), a lunar date
    (`lunar`, plus `offset` days: 除夕 is the day before 正月初一) or a solar term (`term`)."""

    name: str
    days: int
    solar: tuple[int, int] | None = None
    lunar: tuple[int, int] | None = None
    term: str = ""
    offset: int = 0


STATUTORY_HOLIDAYS = (
    Holiday("元旦", 1, solar=(1, 1)),
    Holiday("春节", 4, lunar=(1, 1), offset=-1),  # 农历除夕、正月初一至初三
    Holiday("清明节", 1, term="清明"),
    Holiday("劳动节", 2, solar=(5, 1)),  # 5月1日、2日
    Holiday("端午节", 1, lunar=(5, 5)),
    Holiday("中秋节", 1, lunar=(8, 15)),
    Holiday("国庆节", 3, solar=(10, 1)),  # 10月1日至3日
)


def _first_day(holiday: Holiday, year: int) -> date:
    from lunar_python import Lunar

    if holiday.solar:
        return date(year, *holiday.solar)
    if holiday.term:
        # The solar terms of the lunar year that holds the third lunar month of `year`: 清明
        # (4-6 April) is among them.
        solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()[holiday.term]
    else:
        solar = Lunar.fromYmd(year, *holiday.lunar).getSolar()
    first = date(solar.getYear(), solar.getMonth(), solar.getDay())
    return first + timedelta(days=holiday.offset)


def statutory_days_off(year: int) -> dict[date, str]:
    """The days off of `year` by the statute alone, with their names: each holiday, and for
    each holiday day on a Saturday or Sunday the next weekday that is not already off
    (第六条: 适逢星期六、星期日的，应当在工作日补假)."""
    off: dict[date, str] = {}
    weekend: list[tuple[date, str]] = []
    for holiday in STATUTORY_HOLIDAYS:
        first = _first_day(holiday, year)
        for n in range(holiday.days):
            day = first + timedelta(days=n)
            off[day] = holiday.name
            if day.weekday() >= 5:
                weekend.append((day, holiday.name))
    for day, name in weekend:
        given = day
        while given.weekday() >= 5 or given in off:
            given += timedelta(days=1)
        off[given] = f"{name}补假"
    return off


@lru_cache(maxsize=64)
def _year(year: int) -> tuple[bool, dict[date, bool]]:
    from core.models import CalendarDay, CalendarYear

    known = CalendarYear.objects.filter(year=year).exists()
    days = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    if not known:
        logger.warning(
            "holiday arrangement for %s is not loaded; counting the statutory holidays", year
        )
        # Days an administrator entered for the year still win over the statute's.
        days = {day: False for day in statutory_days_off(year)} | days
    return known, days


def clear_cache() -> None:
    _year.cache_clear()


def is_known_year(year: int) -> bool:
    return _year(year)[0]


def is_provisional(start: date, end: date) -> bool:
    """Whether counting working days between `start` and `end` (either order) uses a year
    without a notice, i.e. the statutory fallback: such a count may change once the notice is
    out."""
    low, high = sorted((start, end))
    return any(not is_known_year(year) for year in range(low.year, high.year + 1))


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
