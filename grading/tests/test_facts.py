"""Accidents and broken safety commitments move the grade (seed task 7: 对违反承诺情形的，及时
调整风险等级): what counts, what does not, and that recording one regrades its enterprise once
the transaction commits, as a saved hazard does."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from accidents.models import AccidentCase, AccidentSource
from accounts.roles import Role
from grading import engine, signals
from grading.models import EnterpriseGrade, GradingRun, RiskLevel
from hazards.models import Hazard, Source, State
from reporting import services as commitments
from reporting.models import BreachCause, CommitmentBreach, CommitmentKind, SafetyCommitment

pytestmark = pytest.mark.django_db


def factors(enterprise) -> dict:
    grade = EnterpriseGrade.objects.get(enterprise=enterprise)
    return {row[0]: row for row in grade.explanation["factors"]}


def accident(enterprise, recorder, days_ago, **extra):
    values = {
        "source": AccidentSource.LOCAL,
        "enterprise": enterprise,
        "title": "机械伤害事故",
        "occurred_at": timezone.now() - datetime.timedelta(days=days_ago),
        "industry": "machinery",
        "category": "machinery",
        "serious_injuries": 1,
        "summary": "操作工清理设备时被卷入",
        "recorded_by": recorder,
    }
    values.update(extra)
    return AccidentCase.objects.create(**values)


def commitment(enterprise, start, end) -> SafetyCommitment:
    return SafetyCommitment.objects.create(
        enterprise=enterprise,
        kind=CommitmentKind.ZERO_OUT,
        committer_name="王建国",
        committer_post="总经理",
        content="本人承诺重大事故隐患动态清零",
        period_start=start,
        period_end=end,
        signed_on=start,
    )


def test_accidents_of_the_last_twelve_months_count_and_floor_the_grade_at_red(
    enterprise_a, enterprise_b, users
):
    recorder = users[Role.SUPERVISOR]
    accident(enterprise_a, recorder, 30)
    accident(enterprise_a, recorder, 400)  # older than 12 months
    accident(enterprise_a, recorder, 10, voided_at=timezone.now(), void_reason="误录")
    AccidentCase.objects.create(  # a case elsewhere: no enterprise of ours
        source=AccidentSource.EXTERNAL,
        title="外地粉尘爆炸事故",
        location="某省某市",
        occurred_at=timezone.now() - datetime.timedelta(days=5),
        industry="machinery",
        category="other_explosion",
        deaths=2,
        summary="抛光车间铝粉尘爆炸",
        recorded_by=recorder,
    )
    engine.run()
    rows = factors(enterprise_a)
    assert rows["accidents_12m"][1:] == [1, 20, 20]
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    assert grade.level == RiskLevel.RED  # the accident's floor, whatever the score
    assert grade.explanation["floor"] == ["accidents_12m", "red"]
    assert factors(enterprise_b)["accidents_12m"][1:] == [0, 0, 0]


def test_breaches_of_the_last_twelve_months_count_unless_revoked(enterprise_a, enterprise_b):
    today = timezone.localdate()
    promise = commitment(enterprise_a, today.replace(month=1, day=1), today)

    def breach(days_ago, **extra):
        return CommitmentBreach.objects.create(
            commitment=promise,
            enterprise=enterprise_a,
            found_on=today - datetime.timedelta(days=days_ago),
            cause=BreachCause.REPORTED,
            description="岗位人员违章作业",
            **extra,
        )

    breach(10)
    breach(20)
    breach(400)  # older than 12 months
    breach(5, revoked_at=timezone.now(), revoke_reason="误录")
    engine.run()
    assert factors(enterprise_a)["broken_commitments_12m"][1:] == [2, 20, 20]
    assert factors(enterprise_b)["broken_commitments_12m"][1:] == [0, 0, 0]


def test_recording_an_accident_regrades_its_enterprise_on_commit(
    enterprise_a, users, immediate_tasks, django_capture_on_commit_callbacks
):
    engine.run()
    assert EnterpriseGrade.objects.get(enterprise=enterprise_a).level != RiskLevel.RED
    with django_capture_on_commit_callbacks(execute=True):
        accident(enterprise_a, users[Role.SUPERVISOR], 1)
    run = GradingRun.objects.order_by("-started_at", "-pk").first()
    assert run.kind == GradingRun.PARTIAL
    assert EnterpriseGrade.objects.get(enterprise=enterprise_a).level == RiskLevel.RED


@pytest.mark.django_db(transaction=True)
def test_what_a_rolled_back_transaction_marked_is_not_regraded_with_the_next(
    enterprise_a, enterprise_b, immediate_tasks
):
    """Once marks outlived their rollback in a thread-wide set: a long test run on PostgreSQL
    (ids never reused) gathered thousands and the next partial run became a full one."""
    with transaction.atomic():
        signals.touch(enterprise_b.pk)
        transaction.set_rollback(True)
    with transaction.atomic():
        signals.touch(enterprise_a.pk)
    run = GradingRun.objects.order_by("-started_at", "-pk").first()
    assert (run.kind, run.enterprises) == (GradingRun.PARTIAL, 1)


def test_a_hazard_saved_regrades_its_enterprise_on_commit(
    enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    engine.run()
    with django_capture_on_commit_callbacks(execute=True):
        Hazard.objects.create(
            enterprise=enterprise_a,
            source=Source.ENFORCEMENT,
            description="除尘系统未采用泄爆措施",
            found_by="检查组",
            is_major=True,
            state=State.CONFIRMED,
        )
    assert factors(enterprise_a)["open_major_hazards"][1:] == [1, 8, 8]


def test_an_overdue_major_hazard_breaks_the_zero_out_commitment_and_raises_the_score(
    enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    commitment(enterprise_a, today - datetime.timedelta(days=60), today + datetime.timedelta(300))
    Hazard.objects.create(
        enterprise=enterprise_a,
        source=Source.ENFORCEMENT,
        description="铸造熔炼炉冷却水系统未设置断水报警",
        found_by="检查组",
        is_major=True,
        state=State.RECTIFYING,
        deadline=today - datetime.timedelta(days=3),
    )
    engine.run()
    before = EnterpriseGrade.objects.get(enterprise=enterprise_a).score
    with django_capture_on_commit_callbacks(execute=True):
        assert commitments.detect_breaches(today) == 1
    rows = factors(enterprise_a)
    assert rows["broken_commitments_12m"][1:] == [1, 10, 10]
    assert EnterpriseGrade.objects.get(enterprise=enterprise_a).score == before + 10


def test_an_accident_corrected_to_another_enterprise_regrades_both(
    enterprise_a, enterprise_a2, users, immediate_tasks, django_capture_on_commit_callbacks
):
    from accidents import services as accidents

    supervisor = users[Role.SUPERVISOR]
    with django_capture_on_commit_callbacks(execute=True):
        case = accident(enterprise_a, supervisor, 5)
    assert factors(enterprise_a)["accidents_12m"][1] == 1
    with django_capture_on_commit_callbacks(execute=True):
        accidents.correct(supervisor, case, {"enterprise_id": enterprise_a2.pk}, "企业填错")
    assert factors(enterprise_a)["accidents_12m"][1] == 0
    assert factors(enterprise_a2)["accidents_12m"][1] == 1
