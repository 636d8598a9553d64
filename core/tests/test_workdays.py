"""Working days in China: weekends, public holidays and make-up working days (调休), as loaded
from chinese_calendar into CalendarYear/CalendarDay, with a plain-weekend fallback for years that
are not loaded."""

import logging
from datetime import date, timedelta

import pytest
from chinese_calendar import constants

from conftest import client_for
from core import workdays
from core.models import CalendarDay, CalendarYear


@pytest.fixture(autouse=True)
def fresh_cache(db):
    """The year cache is per process; a day saved in a rolled-back test must not leak."""
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


# --- the loaded data agrees with chinese_calendar -------------------------------------------


def test_loaded_days_match_chinese_calendar(db):
    holidays = {d for d in constants.holidays if d.year >= 2018}
    makeups = {d for d in constants.workdays if d.year >= 2018}
    assert set(CalendarDay.objects.filter(is_workday=False).values_list("date", flat=True)) == (
        holidays
    )
    assert set(CalendarDay.objects.filter(is_workday=True).values_list("date", flat=True)) == (
        makeups
    )
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {d.year for d in holidays}


def test_every_day_of_the_loaded_years_agrees_with_chinese_calendar(db):
    import chinese_calendar

    for year in CalendarYear.objects.values_list("year", flat=True):
        for day in days(date(year, 1, 1), date(year, 12, 31)):
            assert workdays.is_workday(day) == chinese_calendar.is_workday(day), day


# --- 2025 National Day and Mid-autumn -------------------------------------------------------


def test_2025_national_day_holidays(db):
    names = {}
    for day in days(date(2025, 10, 1), date(2025, 10, 8)):
        assert constants.holidays.get(day) in ("National Day", "Mid-autumn Festival"), day
        assert not workdays.is_workday(day), day
        names[day] = CalendarDay.objects.get(date=day).name
    # Mid-autumn (6 October) falls inside the National Day week; the names are in Chinese.
    assert names[date(2025, 10, 6)] == "中秋节"
    assert set(names.values()) == {"国庆节", "中秋节"}
    assert workdays.is_workday(date(2025, 9, 30))  # Tuesday before
    assert workdays.is_workday(date(2025, 10, 9))  # Thursday after
    assert workdays.is_known_year(2025)


def test_2025_make_up_working_days_fall_on_a_weekend(db):
    for day in (date(2025, 9, 28), date(2025, 10, 11)):
        assert day in constants.workdays
        assert day.weekday() >= 5
        assert workdays.is_workday(day), day
        assert CalendarDay.objects.get(date=day).is_workday
    assert date(2025, 9, 28).weekday() == 6  # Sunday
    assert date(2025, 10, 11).weekday() == 5  # Saturday
    # The weekend days around them stay days off.
    assert not workdays.is_workday(date(2025, 9, 27))
    assert not workdays.is_workday(date(2025, 10, 12))


# --- 2026 Spring Festival --------------------------------------------------------------------


def test_2026_spring_festival(db):
    for day in days(date(2026, 2, 15), date(2026, 2, 23)):
        assert constants.holidays.get(day) == "Spring Festival"
        assert not workdays.is_workday(day), day
    for day in (date(2026, 2, 14), date(2026, 2, 28)):
        assert constants.workdays.get(day) == "Spring Festival"
        assert day.weekday() == 5  # Saturday
        assert workdays.is_workday(day), day
    assert workdays.is_workday(date(2026, 2, 24))
    assert workdays.is_workday(date(2026, 2, 13))


# --- counting --------------------------------------------------------------------------------


def test_add_workdays_skips_the_national_day_holidays(db):
    # Tuesday 30 September 2025 + 1 working day: 1-8 October are off, 9 October is next.
    assert workdays.add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert workdays.add_workdays(date(2025, 9, 30), 2) == date(2025, 10, 10)
    # Saturday 11 October is a make-up working day.
    assert workdays.add_workdays(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert workdays.add_workdays(date(2025, 9, 30), 4) == date(2025, 10, 13)


def test_add_workdays_counts_a_make_up_day(db):
    # Friday 26 September 2025 + 1: Saturday 27 is off, Sunday 28 is a make-up working day.
    assert workdays.add_workdays(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_add_workdays_across_the_spring_festival(db):
    # Thursday 12 February 2026 + 3: Fri 13, Sat 14 (make-up), then Tue 24 after the holiday.
    assert workdays.add_workdays(date(2026, 2, 12), 3) == date(2026, 2, 24)


def test_add_workdays_zero_and_negative(db):
    assert workdays.add_workdays(date(2025, 10, 3), 0) == date(2025, 10, 3)
    with pytest.raises(ValueError, match="negative"):
        workdays.add_workdays(date(2025, 10, 3), -1)


def test_add_workdays_across_a_year_boundary(db):
    # Wednesday 31 December 2025 + 1: 1 January 2026 is New Year's Day, the 2nd is a day off too.
    expected = next(d for d in days(date(2026, 1, 1), date(2026, 1, 31)) if workdays.is_workday(d))
    assert workdays.add_workdays(date(2025, 12, 31), 1) == expected
    assert not workdays.is_workday(date(2026, 1, 1))


def test_workdays_between(db):
    # 1 October to 12 October 2025: 9, 10 and 11 (make-up Saturday) are working days.
    assert workdays.workdays_between(date(2025, 9, 30), date(2025, 10, 12)) == 3
    assert workdays.workdays_between(date(2025, 10, 12), date(2025, 9, 30)) == 0
    assert workdays.workdays_between(date(2025, 10, 1), date(2025, 10, 1)) == 0
    start = date(2025, 9, 25)
    for count in range(1, 15):
        end = workdays.add_workdays(start, count)
        assert workdays.workdays_between(start, end) == count


# --- a year that is not loaded ---------------------------------------------------------------


def test_an_unknown_year_counts_the_statutory_holidays_without_raising(db, caplog):
    assert not CalendarYear.objects.filter(year=2031).exists()
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert workdays.is_known_year(2031) is False
    assert "2031" in caplog.text
    # 1 October 2031, a Wednesday, is National Day by the statute (1-3 October).
    for day in (date(2031, 1, 1), date(2031, 10, 1), date(2031, 10, 2), date(2031, 10, 3)):
        assert not workdays.is_workday(day), day
    assert not workdays.is_workday(date(2031, 10, 4))  # Saturday
    assert not workdays.is_workday(date(2031, 10, 5))  # Sunday
    assert workdays.is_workday(date(2031, 10, 6))  # no make-up days without a notice
    # Thursday 25 September 2031 + 5: 26, 29, 30 September, then 6 and 7 October.
    assert workdays.add_workdays(date(2031, 9, 25), 5) == date(2031, 10, 7)


# --- the statutory fallback (全国年节及纪念日放假办法, 2024 revision) -------------------------


def test_2027_new_years_day_is_a_holiday(db):
    assert not workdays.is_known_year(2027)
    assert date(2027, 1, 1).weekday() == 4  # a Friday, a working day by plain weekends
    assert not workdays.is_workday(date(2027, 1, 1))
    assert workdays.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_2027_spring_festival(db):
    # 除夕 is 5 February 2027 (Friday), 正月初一 to 初三 the 6th to the 8th; the Saturday and
    # the Sunday are given back on Tuesday 9 and Wednesday 10 February (第六条).
    off = workdays.statutory_days_off(2027)
    assert [off[date(2027, 2, d)] for d in range(5, 9)] == ["春节"] * 4
    assert off[date(2027, 2, 9)] == off[date(2027, 2, 10)] == "春节补假"
    for day in days(date(2027, 2, 5), date(2027, 2, 10)):
        assert not workdays.is_workday(day), day
    assert workdays.is_workday(date(2027, 2, 4))
    assert workdays.is_workday(date(2027, 2, 11))


def test_2027_lunar_festivals_and_qingming(db):
    off = workdays.statutory_days_off(2027)
    assert off[date(2027, 4, 5)] == "清明节"
    assert off[date(2027, 6, 9)] == "端午节"
    assert off[date(2027, 9, 15)] == "中秋节"
    assert [off[date(2027, 5, d)] for d in (1, 2)] == ["劳动节"] * 2
    assert [off[date(2027, 10, d)] for d in (1, 2, 3)] == ["国庆节"] * 3
    # 1-2 May and 2-3 October fall on weekends: given back on the next free weekdays.
    assert off[date(2027, 5, 3)] == off[date(2027, 5, 4)] == "劳动节补假"
    assert off[date(2027, 10, 4)] == off[date(2027, 10, 5)] == "国庆节补假"


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statute_agrees_with_the_notices_of_the_years_since_the_revision(db, year):
    """Every statutory holiday (not the days given back, which notices arrange as 调休) is a
    day off in that year's notice: the lunar and solar-term arithmetic is right."""
    for day, name in workdays.statutory_days_off(year).items():
        if not name.endswith("补假"):
            assert day in constants.holidays, (day, name)


def test_a_count_across_a_year_without_a_notice_is_provisional(db):
    assert workdays.is_provisional(date(2026, 12, 20), date(2027, 1, 10))
    assert workdays.is_provisional(date(2027, 1, 10), date(2026, 12, 20))  # either order
    assert not workdays.is_provisional(date(2026, 3, 1), date(2026, 12, 31))
    assert not workdays.is_provisional(date(2025, 12, 20), date(2026, 1, 10))
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕号")
    assert not workdays.is_provisional(date(2026, 12, 20), date(2027, 1, 10))
    # With its notice loaded, a year counts the notice's days only.
    assert workdays.is_workday(date(2027, 1, 1))


def test_known_years_are_the_loaded_ones(db):
    assert workdays.is_known_year(2025)
    assert workdays.is_known_year(2026)
    assert not workdays.is_known_year(2017)


# --- administrators extend the calendar ------------------------------------------------------


def test_a_calendar_day_added_in_the_admin_takes_effect_at_once(client, platform_admin):
    day = date(2031, 10, 8)  # a plain Wednesday of a year that is not loaded
    assert workdays.is_workday(day)  # and now cached
    client_for(client, platform_admin)
    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": day.isoformat(), "name": "国庆节", "is_workday": ""},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert CalendarDay.objects.get(date=day).is_workday is False
    assert not workdays.is_workday(day)

    # And a make-up working day on a Saturday.
    saturday = date(2031, 10, 11)
    assert not workdays.is_workday(saturday)
    client.post(
        "/admin/core/calendarday/add/",
        {"date": saturday.isoformat(), "name": "国庆节", "is_workday": "on"},
    )
    assert workdays.is_workday(saturday)


def test_a_calendar_year_added_in_the_admin_makes_the_year_known(client, platform_admin):
    assert not workdays.is_known_year(2031)
    client_for(client, platform_admin)
    response = client.post(
        "/admin/core/calendaryear/add/", {"year": 2031, "source": "国办发明电〔2030〕号"}
    )
    assert response.status_code == 302
    assert workdays.is_known_year(2031)


def test_editing_and_deleting_a_calendar_day_take_effect_at_once(db):
    day = CalendarDay.objects.get(date=date(2025, 10, 8))
    assert not workdays.is_workday(day.date)
    day.is_workday = True
    day.save()
    assert workdays.is_workday(day.date)
    day.delete()
    assert workdays.is_workday(day.date)  # a plain Wednesday again
    assert not workdays.is_workday(date(2025, 10, 7))
