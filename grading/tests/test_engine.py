"""The grade from its factors: every contribution shown, adding up to the score; bands and
floors; history only when the grade in force changes, with the factors that moved it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from grading import engine
from grading.models import (
    ChangeKind,
    EnterpriseGrade,
    GradeChange,
    GradingFactor,
    GradingRun,
    RiskLevel,
)
from hazards.models import Hazard, Source, State

pytestmark = pytest.mark.django_db


def contributions_add_up(grade):
    total = sum(Decimal(str(row[3])) for row in grade.explanation["factors"])
    assert total == grade.score


def major(enterprise, days_left=10, state=State.RECTIFYING):
    return Hazard.objects.create(
        enterprise=enterprise,
        source=Source.ENFORCEMENT,
        description="除尘系统未采用泄爆措施",
        found_by="检查组",
        is_major=True,
        state=state,
        deadline=timezone.localdate() + datetime.timedelta(days=days_left),
    )


def test_every_active_factor_explained_and_adding_up(enterprise_a, enterprise_a2, enterprise_b):
    run = engine.run(trigger="test")
    assert run.enterprises == 3 and run.written == 3 and run.level_changes == 3
    codes = list(GradingFactor.objects.filter(active=True).values_list("code", flat=True))
    for grade in EnterpriseGrade.objects.all():
        assert [row[0] for row in grade.explanation["factors"]] == codes
        contributions_add_up(grade)
    foundry = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    rows = {row[0]: row for row in foundry.explanation["factors"]}
    assert rows["foundry"][1:] == [1, 12, 12]
    assert rows["industry"][1:] == ["machinery", 6, 6]
    assert rows["headcount"][1:] == [120, 4, 4]
    # A foundry must be connected to monitoring (task 14) and is not.
    assert rows["not_connected"][1:] == [1, 6, 6]
    # No accident, no broken commitment: shown, contributing nothing.
    assert rows["accidents_12m"][1:] == [0, 0, 0]
    assert rows["broken_commitments_12m"][1:] == [0, 0, 0]
    assert foundry.score == Decimal(28)
    assert foundry.level == foundry.computed_level == RiskLevel.YELLOW
    first = GradeChange.objects.get(enterprise=enterprise_a)
    assert first.kind == ChangeKind.FIRST and first.to_state == RiskLevel.YELLOW


def test_rerun_without_change_writes_nothing(enterprise_a):
    engine.run()
    again = engine.run()
    assert again.written == 0 and again.level_changes == 0
    assert GradeChange.objects.count() == 1


def test_major_hazards_raise_the_grade_and_history_names_them(enterprise_a):
    engine.run()
    major(enterprise_a)
    major(enterprise_a, days_left=-3)
    run = engine.run([enterprise_a.pk])
    assert run.kind == GradingRun.PARTIAL and run.level_changes == 1
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    contributions_add_up(grade)
    # 28 + 2 open majors × 8 + 1 overdue × 12 = 56: orange by score.
    assert grade.score == Decimal(56)
    assert grade.level == RiskLevel.ORANGE
    change = GradeChange.objects.filter(kind=ChangeKind.COMPUTED).get()
    assert change.from_state == RiskLevel.YELLOW and change.to_state == RiskLevel.ORANGE
    assert "未销号重大事故隐患" in change.note
    assert {c["code"] for c in change.payload} == {"open_major_hazards", "overdue_major_hazards"}


def test_a_floor_lifts_the_grade_above_its_score(enterprise_a2):
    major(enterprise_a2, days_left=-1)
    engine.run()
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a2)
    # textile 5 + 120 workers 4 + open 8 + overdue 12 = 29: yellow by score, orange by floor.
    assert grade.score == Decimal(29)
    assert grade.explanation["by_score"] == RiskLevel.YELLOW
    assert grade.explanation["floor"] == ["overdue_major_hazards", RiskLevel.ORANGE]
    assert grade.level == RiskLevel.ORANGE


def test_caps_weights_and_categories(enterprise_a):
    for _ in range(5):
        major(enterprise_a)
    GradingFactor.objects.filter(code="open_major_hazards").update(weight=Decimal("1.5"))
    GradingFactor.objects.filter(code="standardization").update(weight=Decimal(2))
    enterprise_a.standardization = "level2"
    enterprise_a.save()
    engine.run()
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    rows = {row[0]: row for row in grade.explanation["factors"]}
    assert rows["open_major_hazards"][1:] == [5, 24, 36]  # 5 × 8 capped at 24, × 1.5
    assert rows["standardization"][1:] == ["level2", -10, -20]
    contributions_add_up(grade)


def test_closed_enterprise_is_no_longer_graded(enterprise_a):
    engine.run()
    enterprise_a.status = "closed"
    enterprise_a.save()
    engine.run()
    assert not EnterpriseGrade.objects.exists()
    assert GradeChange.objects.filter(kind=ChangeKind.UNGRADED, enterprise=enterprise_a).exists()


def test_inactive_factor_drops_out(enterprise_a):
    GradingFactor.objects.filter(code="foundry").update(active=False)
    engine.run()
    grade = EnterpriseGrade.objects.get(enterprise=enterprise_a)
    assert "foundry" not in [row[0] for row in grade.explanation["factors"]]
    assert grade.score == Decimal(16)


def test_penalties_decided_in_the_last_twelve_months_count(enterprise_a, users):
    from enforcement.models import Penalty, PenaltyState

    today = timezone.localdate()

    def penalty(serial, decided_on, state="decided"):
        return Penalty.objects.create(
            enterprise=enterprise_a,
            jurisdiction=enterprise_a.jurisdiction,
            year=today.year,
            serial=serial,
            case_number=f"高应急罚〔{today.year}〕{serial}号",
            violation="未按规定开展粉尘清扫",
            legal_basis="《安全生产法》第九十九条",
            amount=Decimal(20000),
            state=PenaltyState.objects.get(code=state),
            filed_on=today - datetime.timedelta(days=400),
            decided_on=decided_on,
            created_by=users[Role.ENFORCEMENT_OFFICER],
        )

    penalty(1, today - datetime.timedelta(days=30))
    penalty(2, today - datetime.timedelta(days=200), state="closed")
    penalty(3, today - datetime.timedelta(days=380))  # older than 12 months
    penalty(4, None, state="filed")  # not decided
    engine.run()
    rows = {
        row[0]: row
        for row in EnterpriseGrade.objects.get(enterprise=enterprise_a).explanation["factors"]
    }
    assert rows["penalties_12m"][1:] == [2, 10, 10]
