"""The measures against hand-computed fixtures: two towns, a few enterprises, major hazards
across a year boundary and the 31 January rule, ratings, connections, trainings; snapshots
summed up the tree and frozen (later data do not change them); a town's stricter goal."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises.models import SectorTag
from hazards.models import Hazard
from hazards.states import Source, State
from monitoring.conftest import make_gateway, make_point
from standardization.models import Rating
from standardization.states import State as RatingState
from targets import measures, services
from targets.models import Period, Snapshot, SnapshotRun, TownPlan, TownTarget
from training.models import TrainingRecord
from training.reference import TraineeKind


def aware(day: date, hour=10) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


def major(enterprise, found_on, state=State.CONFIRMED, closed_on=None):
    return Hazard.objects.create(
        enterprise=enterprise,
        source=Source.ENFORCEMENT,
        description="除尘系统未设置泄爆装置",
        found_on=found_on,
        found_by="张检查",
        is_major=True,
        major_reason="测试：认定为重大事故隐患",
        state=State.CLOSED if closed_on else state,
        closed_at=aware(closed_on) if closed_on else None,
    )


@pytest.fixture
def world(county, town_a, town_b, enterprise_a, enterprise_a2, enterprise_b):
    return {"a": enterprise_a, "a2": enterprise_a2, "b": enterprise_b}


# --- task 6 and the 31 January rule -------------------------------------------------------------


def test_major_hazards_across_the_year_boundary(world, town_a, town_b):
    a, a2, b = world["a"], world["a2"], world["b"]
    major(a, date(2025, 3, 1), closed_on=date(2026, 1, 20))  # 2025's, closed in time
    major(a2, date(2025, 11, 5))  # 2025's, still open
    major(b, date(2026, 2, 10))  # 2026's
    major(b, date(2025, 6, 1), closed_on=date(2026, 2, 15))  # 2025's, closed late

    # On 31 January 2026 the year being cleared is 2025: none overdue yet.
    jan31 = date(2026, 1, 31)
    assert measures.majors_overdue_figures(jan31) == {}
    # 2025's majors: town A 1 of 2 closed, town B 0 of 1 (closed only on 15 February).
    assert measures.majors_closed_figures(jan31) == {town_a.pk: (1, 2), town_b.pk: (0, 1)}
    # Found in 2026 by 31 January: none.
    assert measures.majors_found_figures(jan31) == {}

    # On 1 February 2025's open majors are overdue by the rule: A's one, B's one.
    feb1 = date(2026, 2, 1)
    assert measures.majors_overdue_figures(feb1) == {town_a.pk: (1, None), town_b.pk: (1, None)}
    # The year being cleared is now 2026 (none found yet on 1 February).
    assert measures.majors_closed_figures(feb1) == {}
    # On 20 February B's late one is closed, its 2026 major is found.
    feb20 = date(2026, 2, 20)
    assert measures.majors_overdue_figures(feb20) == {town_a.pk: (1, None)}
    assert measures.majors_found_figures(feb20) == {town_b.pk: (1, None)}
    assert list(measures.majors_overdue_gaps(a.__class__.objects.all(), feb20)) == [a2]


# --- the others ---------------------------------------------------------------------------------


def test_standardization_counts_ratings_standing_on_the_day(world, town_a, town_b, principal):
    a, a2 = world["a"], world["a2"]
    a2.small_micro = True
    a2.save()
    Rating.objects.create(
        enterprise=a,
        grade="level3",
        state=RatingState.VALID,
        applied_by=principal,
        applied_at=aware(date(2025, 1, 5)),
        valid_until=date(2028, 1, 4),
    )
    Rating.objects.create(
        enterprise=a2,
        grade="small_micro",
        state=RatingState.VALID,
        applied_by=principal,
        applied_at=aware(date(2025, 1, 5)),
        valid_until=date(2026, 6, 30),  # lapses mid-2026
    )
    day = date(2026, 3, 1)
    assert measures.standardization_figures(day) == {town_a.pk: (2, 2), town_b.pk: (0, 1)}
    assert measures.small_figures(day) == {town_a.pk: (1, 1)}
    later = date(2026, 7, 1)
    assert measures.standardization_figures(later)[town_a.pk] == (1, 2)
    assert measures.small_figures(later) == {town_a.pk: (0, 1)}
    # Before the enterprise applied the rating did not stand.
    assert measures.standardization_figures(date(2024, 12, 31)).get(town_a.pk, (0, 0))[0] == 0


def test_connection_is_a_safety_device_reading_in_the_last_24_hours(world, town_a):
    a, a2 = world["a"], world["a2"]
    for enterprise in (a, a2):
        enterprise.dust_class = "metal"
        enterprise.dust_workers = 12
        enterprise.save()
    gateway = make_gateway(a, "GW-A")
    point = make_point(gateway, "pressure_1", kind="pressure_diff")
    today = timezone.localdate()
    point.last_ts = timezone.now() - timedelta(hours=2)
    point.save()
    assert measures.connect_figures(today) == {town_a.pk: (1, 2)}
    assert list(measures.connect_gaps(a.__class__.objects.all(), today)) == [a2]


def test_principal_training_in_the_window(world, town_a, principal):
    a, a2 = world["a"], world["a2"]  # a is a foundry (task 17's sectors); a2 textile
    a2.sector_tags.set([SectorTag.objects.get(code="foundry")])
    TrainingRecord.objects.create(
        enterprise=a,
        kind=TraineeKind.PRINCIPAL,
        person_name="王建国",
        course="金属冶炼专题",
        created_by=principal,
        organiser="县应急局",
        hours=8,
        trained_on=date(2025, 5, 1),
        scope_path=a.scope_path,
    )
    assert measures.training_figures(date(2025, 4, 30)) == {town_a.pk: (0, 2)}
    assert measures.training_figures(date(2025, 5, 1)) == {town_a.pk: (1, 2)}


def test_towns_without_a_penalty_and_remote_capability(world, county, town_a, town_b):
    day = date(2026, 5, 1)
    assert measures.zero_penalty_figures(day) == {town_a.pk: (1, None), town_b.pk: (1, None)}
    assert measures.remote_figures(day) == {town_a.pk: (0, 1), town_b.pk: (0, 1)}


# --- snapshots ----------------------------------------------------------------------------------


def test_snapshots_sum_towns_into_the_county_and_freeze(world, county, town_a, town_b):
    a2 = world["a2"]
    major(world["a"], date(2025, 3, 1))
    major(a2, date(2025, 11, 5))
    major(world["b"], date(2025, 6, 1))
    today = date(2026, 1, 1)
    run = services.freeze(Period.YEAR, date(2025, 12, 31), today)
    assert run is not None and not run.backfilled
    found = {
        s.jurisdiction_id: s.numerator
        for s in Snapshot.objects.filter(measure="majors_found", period=Period.YEAR)
    }
    # The towns, summed into the county and on up (the test tree's city and province).
    above = {node.pk: 3 for node in services.ancestors_of(county)}
    assert above and found == {**above, county.pk: 3, town_a.pk: 2, town_b.pk: 1}
    # A hazard recorded afterwards with a 2025 date leaves the frozen year as it was.
    major(a2, date(2025, 12, 30))
    assert services.freeze(Period.YEAR, date(2025, 12, 31), today) is None
    assert (
        Snapshot.objects.get(
            jurisdiction=county, measure="majors_found", period=Period.YEAR
        ).numerator
        == 3
    )
    # The live figure sees it.
    services.refresh_live(date(2025, 12, 31))
    assert (
        Snapshot.objects.get(
            jurisdiction=county, measure="majors_found", period=Period.LIVE
        ).numerator
        == 4
    )


def test_freezing_late_is_backfilled_and_skips_undated_measures(world, county):
    run = services.freeze(Period.MONTH, date(2025, 6, 30), date(2026, 3, 1))
    assert run.backfilled
    stored = set(Snapshot.objects.filter(run=run).values_list("measure", flat=True))
    assert "connect" not in stored and "majors_found" in stored


def test_a_period_not_ended_cannot_be_frozen(db):
    with pytest.raises(services.TargetsRefused):
        services.freeze(Period.YEAR, date(2026, 12, 31), date(2026, 12, 5))


def test_nightly_on_the_first_of_january_freezes_month_and_year(world):
    runs = services.nightly(date(2026, 1, 1))
    assert [(r.period, r.period_end) for r in runs] == [
        (Period.MONTH, date(2025, 12, 31)),
        (Period.YEAR, date(2025, 12, 31)),
        (Period.LIVE, date(2026, 1, 1)),
    ]
    # The night after: only the live figures, replaced.
    services.nightly(date(2026, 1, 2))
    assert SnapshotRun.objects.filter(period=Period.YEAR).count() == 1
    assert set(
        Snapshot.objects.filter(period=Period.LIVE).values_list("period_end", flat=True)
    ) == {date(2026, 1, 2)}


def test_board_lights_with_a_towns_stricter_goal(world, county, town_a, town_b, users):
    from accounts.roles import Role

    world["a"].sector_tags.set([SectorTag.objects.get(code="foundry")])
    world["a2"].sector_tags.set([SectorTag.objects.get(code="foundry")])
    TrainingRecord.objects.create(
        enterprise=world["a"],
        kind=TraineeKind.PRINCIPAL,
        person_name="王建国",
        course="专题",
        created_by=users[Role.PRINCIPAL],
        organiser="县应急局",
        hours=8,
        trained_on=date(2025, 5, 1),
        scope_path=world["a"].scope_path,
    )
    services.refresh_live(date(2025, 6, 1))
    board = services.board(county, 2025)
    line = next(x for x in board.lines if x.measure.key == "principal_training")
    # County: 1 of 2 trained, the 2025 goal 70 %: red (more than 10 points below).
    assert line.now.value == Decimal("50.0") and line.now.goal == Decimal(70)
    assert line.now.light == measures.RED
    town_cell = dict((n.pk, c) for n, c in line.children)[town_a.pk]
    assert town_cell.value == Decimal("50.0") and town_cell.light == measures.RED
    # Town A's own plan sets 45 % (laxer: the board still applies it as the town's, the plan
    # service refuses it) — here a stricter 90 %.
    plan = TownPlan.objects.create(
        jurisdiction=town_a, title="赵寨子镇实施方案", created_by=users[Role.TOWN_SUPERVISOR]
    )
    TownTarget.objects.create(plan=plan, measure="principal_training", year=2025, goal=90)
    board = services.board(county, 2025)
    line = next(x for x in board.lines if x.measure.key == "principal_training")
    town_cell = dict((n.pk, c) for n, c in line.children)[town_a.pk]
    assert town_cell.goal == Decimal(90) and town_cell.county_goal == Decimal(70)
    # Town B: nothing to measure (no task-17 enterprise): grey.
    assert dict((n.pk, c) for n, c in line.children)[town_b.pk].light == measures.GREY


@pytest.mark.parametrize(
    "better,unit,value,goal,expected",
    [
        (measures.HIGHER, measures.PERCENT, Decimal(100), Decimal(100), measures.GREEN),
        (measures.HIGHER, measures.PERCENT, Decimal("90.0"), Decimal(100), measures.YELLOW),
        (measures.HIGHER, measures.PERCENT, Decimal("89.9"), Decimal(100), measures.RED),
        (measures.LOWER, measures.COUNT, Decimal(0), Decimal(0), measures.GREEN),
        (measures.LOWER, measures.COUNT, Decimal(1), Decimal(0), measures.RED),
        (measures.HIGHER, measures.PERCENT, None, Decimal(100), measures.GREY),
        (measures.HIGHER, measures.PERCENT, Decimal(50), None, measures.GREY),
    ],
)
def test_lights(better, unit, value, goal, expected):
    measure = measures.Measure(
        key="x",
        short="x",
        label="x",
        task="",
        source="",
        unit=unit,
        better=better,
        goals={},
        compute=lambda day: {},
    )
    assert measures.light(measure, value, goal) == expected


def test_every_measure_names_its_task_and_source():
    for measure in measures.MEASURES:
        assert measure.task.startswith("任务") and measure.source.startswith(measures.PLAN)
        assert set(measure.goals) <= set(measures.YEARS)
