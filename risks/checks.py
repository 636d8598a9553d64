"""Routine check tasks (排查任务, seed task 12 "真建、真用"): every active control measure is
checked once per period, the period set by its control level (risks.reference.CHECK_FREQUENCY:
post daily, team weekly, workshop monthly, company quarterly). `generate(day)` makes the tasks
of the periods that contain `day` and do not have theirs yet, in one INSERT … SELECT per
frequency (idempotent: one task per measure and period, a unique constraint). Daily tasks are
made only on working days (core.workdays: the State Council's calendar, make-up working days
included); a period's task is due on its last working day. A task unanswered after that day is
missed (CheckTaskQuerySet.missed)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction

from core import workdays
from hazards import duties
from risks.models import CheckResult, CheckTask, Measure, Risk
from risks.reference import CHECK_FREQUENCY, Frequency


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due_on: date


def bounds(frequency: str, day: date) -> tuple[date, date]:
    if frequency == Frequency.DAY:
        return day, day
    if frequency == Frequency.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if frequency == Frequency.MONTH:
        return duties.period(day, 1)
    if frequency == Frequency.QUARTER:
        return duties.period(day, 3)
    raise ValueError(f"unknown frequency {frequency!r}")


def period(frequency: str, day: date) -> Period:
    """The period of `frequency` containing `day`, due on its last working day (its last day
    if it holds none, such as a week of the Spring Festival holiday)."""
    start, end = bounds(frequency, day)
    due = end
    while due > start and not workdays.is_workday(due):
        due -= timedelta(days=1)
    if not workdays.is_workday(due):
        due = end
    return Period(start, end, due)


def levels_of(frequency: str) -> list[str]:
    return [str(level) for level, f in CHECK_FREQUENCY.items() if f == frequency]


def generate(day: date) -> dict[str, int]:
    """Make the check tasks due for the periods containing `day`; returns how many were made
    per frequency."""
    made = {}
    task = CheckTask._meta.db_table
    measure = Measure._meta.db_table
    risk = Risk._meta.db_table
    for frequency in Frequency:
        if frequency == Frequency.DAY and not workdays.is_workday(day):
            made[str(frequency)] = 0
            continue
        levels = levels_of(frequency)
        if not levels:
            continue
        p = period(frequency, day)
        marks = ", ".join(["%s"] * len(levels))
        # Table names from the models' meta and placeholders only: no input reaches the text.
        sql = (
            f"INSERT INTO {task} (enterprise_id, measure_id, frequency, period_start, "  # noqa: S608
            "period_end, due_on, result, note, photo, answered_by_id, answered_at, hazard_id) "
            f"SELECT m.enterprise_id, m.id, %s, %s, %s, %s, %s, '', '', NULL, NULL, NULL "
            f"FROM {measure} m JOIN {risk} r ON r.id = m.risk_id "
            f"WHERE m.withdrawn_at IS NULL AND r.retired_at IS NULL "
            f"AND m.control_level IN ({marks}) "
            "ON CONFLICT (measure_id, period_start) DO NOTHING"
        )
        params = [str(frequency), p.start, p.end, p.due_on, CheckResult.PENDING, *levels]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            made[str(frequency)] = max(cursor.rowcount, 0)
    return made
