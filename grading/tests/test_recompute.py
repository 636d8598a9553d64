"""Grades follow their facts: a saved enterprise, a hazard, an alarm or a power warning
regrades its enterprise once the transaction commits; a changed rule regrades all; the sweep
catches alarms inserted without a signal. Supervision frequency comes from the grade and
standardization (task 13), with a major hazard as a veto (task 12)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from grading import engine, frequency, tasks
from grading.models import EnterpriseGrade, GradingFactor, GradingRun, RiskLevel
from hazards.models import Hazard, Source, State
from monitoring.models import Alarm, Condition, Gateway, Point

pytestmark = pytest.mark.django_db


def test_enterprise_save_regrades_it(
    enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_a.standardization = "level1"
        enterprise_a.save()
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    rows = {row[0]: row for row in grade.explanation["factors"]}
    assert rows["standardization"][1:] == ["level1", -15, -15]
    run = GradingRun.objects.get()
    assert run.kind == GradingRun.PARTIAL and run.enterprises == 1


def test_hazard_is_picked_up_by_the_sweep(enterprise_a):
    engine.run()
    Hazard.objects.create(
        enterprise=enterprise_a,
        source=Source.ENFORCEMENT,
        description="x",
        found_by="y",
        is_major=True,
        state=State.CONFIRMED,
    )
    run = GradingRun.objects.get(pk=tasks.sweep())
    assert run.kind == GradingRun.PARTIAL and run.enterprises == 1
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    rows = {r[0]: r for r in grade.explanation["factors"]}
    assert rows["open_major_hazards"][1] == 1


def test_sweep_catches_a_fact_whose_regrade_task_was_lost(enterprise_a, enterprise_b):
    """The task a hazard enqueued died with its worker; another enterprise's task ran since:
    the sweep still regrades the first (it starts where the last sweep or full run began)."""
    engine.run()
    Hazard.objects.create(
        enterprise=enterprise_a,
        source=Source.ENFORCEMENT,
        description="x",
        found_by="y",
        is_major=True,
        state=State.CONFIRMED,
    )
    later = engine.run([enterprise_b.pk], trigger="因素变化")
    assert later.kind == GradingRun.PARTIAL
    run = GradingRun.objects.get(pk=tasks.sweep())
    assert run.trigger == tasks.SWEEP_TRIGGER and run.enterprises == 1
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    rows = {r[0]: r for r in grade.explanation["factors"]}
    assert rows["open_major_hazards"][1] == 1
    # The next sweep starts at this one: nothing new, nothing to grade.
    assert tasks.sweep() is None


def test_rule_change_regrades_everyone(
    enterprise_a, enterprise_b, immediate_tasks, django_capture_on_commit_callbacks
):
    factor = GradingFactor.objects.get(code="industry")
    with django_capture_on_commit_callbacks(execute=True):
        factor.weight = Decimal(2)
        factor.save()
    run = GradingRun.objects.get()
    assert run.kind == GradingRun.FULL and run.enterprises == 2


def _alarm(enterprise, raised_at):
    gateway = Gateway.objects.create(
        enterprise=enterprise, code="gw-1", token_hash="h" * 64, token_hint="hhhh"
    )
    point = Point.objects.create(
        gateway=gateway,
        enterprise=enterprise,
        code="p1",
        equipment="1号除尘器",
        kind="pressure_diff",
        range_min=0,
        range_max=5000,
        interval_seconds=10,
        hold_seconds=0,
    )
    Alarm.objects.bulk_create(
        [
            Alarm(
                point=point,
                enterprise=enterprise,
                condition=Condition.HIGH,
                first_at=raised_at,
                last_at=raised_at,
                raised_at=raised_at,
            )
        ]
    )


def test_sweep_picks_up_bulk_alarms_and_twelve_month_window(enterprise_a, enterprise_b):
    call_command("grade")
    now = timezone.now()
    _alarm(enterprise_a, now)
    run = GradingRun.objects.get(pk=tasks.sweep(now + datetime.timedelta(minutes=1)))
    assert run.kind == GradingRun.PARTIAL and run.enterprises == 1
    rows = {
        r[0]: r for r in EnterpriseGrade.objects.get(enterprise=enterprise_a).explanation["factors"]
    }
    assert rows["alarms_12m"][1:] == [1, 2, 2]
    # A year and a day later the alarm no longer counts.
    engine.run(now=now + datetime.timedelta(days=366))
    rows = {
        r[0]: r for r in EnterpriseGrade.objects.get(enterprise=enterprise_a).explanation["factors"]
    }
    assert rows["alarms_12m"][1:] == [0, 0, 0]


def test_frequency_per_grade_and_reduction():
    table = frequency.Table()
    assert table.for_grade(RiskLevel.RED, "none").label == "每月1次"
    assert table.for_grade(RiskLevel.ORANGE, "none").per_year == 4
    reduced = table.for_grade(RiskLevel.RED, "level2")
    assert (
        reduced.per_year == 6 and reduced.label == "每两个月1次" and "任务13" in reduced.reduction
    )
    assert table.for_grade(RiskLevel.BLUE, "level1").label == "每2年1次"
    assert table.for_grade(RiskLevel.YELLOW, "level3").label == "每8个月1次"
    vetoed = table.for_grade(RiskLevel.RED, "level1", open_majors=1)
    assert vetoed.per_year == 12 and "一票否决" in vetoed.note
