"""Grading reads the risk register (risks/): red risks without an active company-level control
measure, and routine checks missed in the last 30 days, as factors with their source."""

import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from grading import engine
from grading.models import EnterpriseGrade, GradingFactor
from risks import checks
from risks import services as risks
from risks.tests.conftest import LEC_RED, make_register

pytestmark = pytest.mark.django_db


def factors(enterprise) -> dict:
    grade = EnterpriseGrade.objects.get(enterprise=enterprise)
    return {row[0]: row for row in grade.explanation["factors"]}


def test_the_factors_carry_their_source():
    for code in ("uncontrolled_red_risks", "missed_checks_30d"):
        factor = GradingFactor.objects.get(code=code)
        assert "任务1" in factor.source and factor.note


def test_red_risks_without_company_level_control_count(users, enterprise_a, enterprise_b):
    manager = users[Role.SAFETY_OFFICER]
    _, point, red = make_register(manager, enterprise_a, factors=LEC_RED)
    risks.add_risk(
        manager,
        point.pk,
        factor_kind="thing",
        accident_type="fire",
        description="电缆沟积油",
        method="ls",
        factors={"l": 5, "s": 4},
    )
    engine.run()
    assert factors(enterprise_a)["uncontrolled_red_risks"][1:] == [2, 8, 8]
    risks.add_measure(
        manager,
        red.pk,
        kind="engineering",
        description="炉衬测厚",
        control_level="company",
        owner_name="王建国",
    )
    engine.run()
    assert factors(enterprise_a)["uncontrolled_red_risks"][1:] == [1, 4, 4]
    assert factors(enterprise_b)["uncontrolled_red_risks"][1:] == [0, 0, 0]


def test_missed_checks_of_the_last_thirty_days_count(users, enterprise_a):
    manager = users[Role.SAFETY_OFFICER]
    _, _, risk = make_register(manager, enterprise_a, method="ls", factors={"l": 1, "s": 1})
    risks.add_measure(
        manager,
        risk.pk,
        kind="management",
        description="岗位点检",
        control_level="post",
        owner_name="赵六",
    )
    today = timezone.localdate()
    day = today - datetime.timedelta(days=1)
    made = 0
    while made < 3:  # three working days before today, all left unanswered
        made += checks.generate(day)["day"]
        day -= datetime.timedelta(days=1)
    old = today - datetime.timedelta(days=60)
    while not checks.generate(old)["day"]:  # one outside the window
        old -= datetime.timedelta(days=1)
    engine.run()
    assert factors(enterprise_a)["missed_checks_30d"][1:3] == [3, 2]
