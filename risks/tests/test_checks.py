"""Routine check tasks: generated per control level at its frequency, across a month boundary
and the 2025 National Day holiday (1–8 October off; Sunday 28 September and Saturday 11
October make-up working days, by the State Council's notice loaded in core's calendar);
answered in place or not (not in place: a hazard, source self-inspection); missed once past
the period's last working day."""

from datetime import date
from unittest import mock

import pytest
from django.core.management import call_command

from accounts.roles import Role
from core import workdays
from hazards.models import Hazard
from risks import checks, services
from risks.models import CheckResult, CheckTask, RiskEvent
from risks.services import RiskRefused
from risks.tests.conftest import LEC_RED, make_register


def test_the_calendar_this_test_relies_on(db):
    assert workdays.is_workday(date(2025, 9, 30))
    assert not workdays.is_workday(date(2025, 10, 1))
    assert not workdays.is_workday(date(2025, 10, 8))
    assert workdays.is_workday(date(2025, 9, 28))  # a Sunday, made a working day
    assert workdays.is_workday(date(2025, 10, 11))  # a Saturday, made a working day


@pytest.fixture
def measures(manager, enterprise_a):
    """One measure at each control level (a blue risk allows them all)."""
    _, _, risk = make_register(manager, enterprise_a, method="ls", factors={"l": 1, "s": 1})
    return {
        level: services.add_measure(
            manager,
            risk.pk,
            kind="management",
            description=f"{level}检查",
            control_level=level,
            owner_name="王芳",
        )
        for level in ("post", "team", "workshop", "company")
    }


def tasks(level_measure):
    return list(
        CheckTask.objects.filter(measure=level_measure)
        .order_by("period_start")
        .values_list("period_start", "period_end", "due_on")
    )


def test_daily_checks_on_working_days_only(measures):
    post = measures["post"]
    for day in (
        date(2025, 9, 28),
        date(2025, 9, 30),
        date(2025, 10, 1),
        date(2025, 10, 4),
        date(2025, 10, 8),
        date(2025, 10, 9),
        date(2025, 10, 11),
        date(2025, 10, 12),
    ):
        checks.generate(day)
    starts = [start for start, _, _ in tasks(post)]
    assert starts == [date(2025, 9, 28), date(2025, 9, 30), date(2025, 10, 9), date(2025, 10, 11)]
    assert all(start == due for start, _, due in tasks(post))


def test_weekly_checks_due_on_the_week_last_working_day(measures):
    team = measures["team"]
    checks.generate(date(2025, 9, 29))  # Monday; 1–5 October are off
    checks.generate(date(2025, 10, 3))  # the same week: nothing new
    checks.generate(date(2025, 10, 6))  # the next week, 6–8 off, 11 (Sat) worked
    assert tasks(team) == [
        (date(2025, 9, 29), date(2025, 10, 5), date(2025, 9, 30)),
        (date(2025, 10, 6), date(2025, 10, 12), date(2025, 10, 11)),
    ]


def test_monthly_checks_across_the_month_boundary(measures):
    workshop = measures["workshop"]
    checks.generate(date(2025, 9, 30))
    checks.generate(date(2025, 10, 1))  # a holiday: the October task is made all the same
    assert tasks(workshop) == [
        (date(2025, 9, 1), date(2025, 9, 30), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 10, 31), date(2025, 10, 31)),
    ]


def test_quarterly_checks(measures):
    company = measures["company"]
    checks.generate(date(2025, 9, 30))
    checks.generate(date(2025, 10, 9))
    checks.generate(date(2025, 12, 31))
    assert tasks(company) == [
        (date(2025, 7, 1), date(2025, 9, 30), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 12, 31), date(2025, 12, 31)),
    ]


def test_a_period_without_a_working_day_is_due_on_its_last_day(measures):
    # 2026 Spring Festival: 15–23 February off; the week 16–22 holds no working day, and no
    # daily check is made in it.
    assert not any(workdays.is_workday(date(2026, 2, d)) for d in range(16, 23))
    assert checks.period("week", date(2026, 2, 18)).due_on == date(2026, 2, 22)
    assert checks.generate(date(2026, 2, 18))["day"] == 0
    assert tasks(measures["team"]) == [(date(2026, 2, 16), date(2026, 2, 22), date(2026, 2, 22))]


def test_generation_is_idempotent_and_skips_withdrawn_measures(manager, measures):
    made = checks.generate(date(2025, 9, 30))
    assert made == {"day": 1, "week": 1, "month": 1, "quarter": 1}
    assert checks.generate(date(2025, 9, 30)) == {"day": 0, "week": 0, "month": 0, "quarter": 0}
    services.withdraw_measure(manager, measures["post"].pk, reason="不再适用")
    assert checks.generate(date(2025, 10, 9))["day"] == 0


def test_missed_checks_are_counted(measures):
    checks.generate(date(2025, 9, 30))
    assert CheckTask.objects.missed(date(2025, 9, 30)).count() == 0
    assert CheckTask.objects.missed(date(2025, 10, 1)).count() == 4  # all due on 30 September


def _today(day):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def test_in_place_and_not_in_place(users, manager, measures):
    checks.generate(date(2025, 9, 30))
    ok, bad = CheckTask.objects.filter(frequency__in=["day", "week"]).order_by("frequency")
    with _today(date(2025, 9, 30)):
        services.answer_check(manager, ok.pk, result="in_place")
        with pytest.raises(RiskRefused, match="请填写说明"):
            services.answer_check(manager, bad.pk, result="not_in_place", note="")
        bad = services.answer_check(manager, bad.pk, result="not_in_place", note="防护罩缺失")
        with pytest.raises(RiskRefused) as again:
            services.answer_check(manager, ok.pk, result="in_place")
        assert again.value.status == 409
    hazard = Hazard.objects.get()
    assert bad.hazard == hazard and hazard.source == "self_inspection"
    assert "防护罩缺失" in hazard.description
    assert RiskEvent.objects.filter(action="checked").count() == 2


def test_an_employee_answers_and_reports_as_an_employee(users, measures):
    checks.generate(date(2025, 9, 30))
    task = CheckTask.objects.get(frequency="day")
    with _today(date(2025, 9, 30)):
        services.answer_check(users[Role.EMPLOYEE], task.pk, result="not_in_place", note="缺失")
    assert Hazard.objects.get().source == "employee_report"


def test_a_missed_check_is_not_answered_afterwards(manager, measures):
    checks.generate(date(2025, 9, 30))
    task = CheckTask.objects.get(frequency="day")
    with _today(date(2025, 10, 9)), pytest.raises(RiskRefused, match="已计为漏检"):
        services.answer_check(manager, task.pk, result="in_place")
    task.refresh_from_db()
    assert task.result == CheckResult.PENDING


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.TOWN_SUPERVISOR, Role.EXPERT])
def test_the_bureau_does_not_answer_checks(users, measures, role):
    checks.generate(date(2025, 9, 30))
    task = CheckTask.objects.get(frequency="day")
    with _today(date(2025, 9, 30)), pytest.raises(RiskRefused) as refused:
        services.answer_check(users[role], task.pk, result="in_place")
    assert refused.value.status == 403


def test_the_command(measures, capsys):
    call_command("generate_checks", "--date", "2025-09-30")
    assert CheckTask.objects.count() == 4
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期格式"):
        call_command("generate_checks", "--date", "30/09/2025")


def test_a_red_risk_company_measure_is_checked_quarterly(manager, enterprise_a):
    _, _, risk = make_register(manager, enterprise_a, factors=LEC_RED)
    services.add_measure(
        manager,
        risk.pk,
        kind="engineering",
        description="联锁",
        control_level="company",
        owner_name="王建国",
    )
    assert checks.generate(date(2025, 9, 30))["quarter"] == 1
