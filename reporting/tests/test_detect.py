"""The daily detection of broken 动态清零 commitments (services.detect_breaches) against real
hazards brought through hazards.services: a major hazard whose rectification deadline falls
within the commitment's period and which is overdue (open past its deadline, as hazards define
it) breaks the commitment, once. Deadlines cannot be set in the past, so the detection is run on
a later day instead."""

import datetime

import pytest
from huey.contrib.djhuey import HUEY

from accounts.roles import Role
from core.models import Notification
from hazards import services as hazard_services
from hazards.models import Hazard, MajorHazardCriterion, Source, State
from reporting import services, tasks
from reporting.models import BreachCause, CommitmentBreach, EventAction
from reporting.tests.conftest import days, post, today, zero_out


def hazard(enterprise, manager, verifier, deadline, *, major=True, state=State.RECTIFYING):
    """A hazard of `enterprise` reported and worked by `manager`, confirmed (and closed) by
    `verifier`, with its rectification `deadline`, brought to `state`."""
    criterion = MajorHazardCriterion.objects.get(article=3, item=1) if major else None
    found = hazard_services.report(
        manager,
        enterprise.pk,
        source=Source.OTHER,  # reviewed by the town (a self-inspection's general one: inside)
        description="熔炼炉冷却水系统未设置出水温度报警",
        place="铸造车间",
        criterion_id=criterion.pk if criterion else None,
    )
    hazard_services.confirm(verifier, found.pk)
    extra = {"funds": 50000, "contingency_plan": "整改期间停用熔炼炉"} if major else {}
    # Deadlines are relative to the real today and may lie past 31 January of the next year.
    extra["zero_out_reason"] = "测试：期限可能晚于清零时限"
    hazard_services.plan(
        manager, found.pk, owner="李强", measures="加装出水温度报警", deadline=deadline, **extra
    )
    if state != State.PLANNED:
        hazard_services.start(manager, found.pk)
    if state == State.CLOSED:
        hazard_services.submit(manager, found.pk, "已加装报警并联锁")
        hazard_services.close(verifier, found.pk, "验收合格")
    found = Hazard.objects.get(pk=found.pk)
    assert (found.state, found.is_major, found.deadline) == (state, major, deadline)
    return found


@pytest.fixture
def make_hazard(enterprise_a, officer, town):
    def make(deadline, **kwargs):
        return hazard(enterprise_a, officer, town, deadline, **kwargs)

    return make


def breaches():
    return list(
        CommitmentBreach.objects.order_by("pk").values_list(
            "commitment_id", "hazard_id", "found_on", "cause", "enterprise_id"
        )
    )


def test_an_overdue_major_hazard_breaks_the_commitment_once(
    users,
    enterprise_a,
    principal,
    officer,
    town,
    make_hazard,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    commitment = zero_out(enterprise_a, today(), days(60), recorder=principal)
    overdue = make_hazard(days(10))
    # Not overdue on its deadline day; overdue the day after.
    assert services.detect_breaches(days(10)) == 0
    Notification.objects.all().delete()
    # The breach is announced once its transaction commits (core.events).
    with django_capture_on_commit_callbacks(execute=True):
        assert services.detect_breaches(days(11)) == 1
    assert breaches() == [
        (commitment.pk, overdue.pk, days(11), BreachCause.OVERDUE_MAJOR_HAZARD, enterprise_a.pk)
    ]
    breach = CommitmentBreach.objects.get()
    assert breach.recorded_by is None
    assert "逾期1天" in breach.description and f"{days(10):%Y-%m-%d}" in breach.description
    [event] = commitment.events.filter(action=EventAction.BREACH_RECORDED)
    assert (event.actor, event.breach) == (None, breach)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {principal.username, officer.username, town.username}
    # Idempotent: later runs find it again and record nothing.
    assert services.detect_breaches(days(11)) == 0
    assert services.detect_breaches(days(40)) == 0
    assert CommitmentBreach.objects.count() == 1


def test_a_revoked_breach_is_not_found_again(
    enterprise_a, principal, county_supervisor, make_hazard
):
    zero_out(enterprise_a, today(), days(60), recorder=principal)
    make_hazard(days(5))
    assert services.detect_breaches(days(6)) == 1
    breach = CommitmentBreach.objects.get()
    services.revoke_breach(county_supervisor, breach.pk, reason="整改期限已依法延期，系统未同步")
    assert services.detect_breaches(days(7)) == 0
    assert CommitmentBreach.objects.standing().count() == 0


@pytest.mark.parametrize(
    ("period", "deadline", "found"),
    [
        ((0, 60), 0, True),  # the first day of the period
        ((0, 60), 60, True),  # the last day of the period
        ((0, 60), 61, False),  # after the period
        ((5, 60), 4, False),  # before the period began
        ((5, 60), 5, True),
    ],
)
def test_the_deadline_must_fall_within_the_period(
    enterprise_a, make_hazard, period, deadline, found
):
    zero_out(enterprise_a, days(period[0]), days(period[1]))
    make_hazard(days(deadline))
    assert services.detect_breaches(days(deadline + 30)) == (1 if found else 0)


def test_a_closed_hazard_breaks_nothing(enterprise_a, make_hazard):
    zero_out(enterprise_a, today(), days(60))
    make_hazard(days(10), state=State.CLOSED)
    assert services.detect_breaches(days(20)) == 0


def test_a_general_hazard_breaks_nothing(enterprise_a, make_hazard):
    zero_out(enterprise_a, today(), days(60))
    make_hazard(days(10), major=False)
    assert services.detect_breaches(days(20)) == 0


def test_a_planned_hazard_not_yet_started_counts_too(enterprise_a, make_hazard):
    zero_out(enterprise_a, today(), days(60))
    make_hazard(days(10), state=State.PLANNED)
    assert services.detect_breaches(days(20)) == 1


def test_a_withdrawn_commitment_is_not_checked(enterprise_a, principal, make_hazard):
    kept = zero_out(enterprise_a, days(1), days(30))
    withdrawn = zero_out(enterprise_a, days(31), days(60))
    services.withdraw(principal, withdrawn.pk, reason="承诺人调整，重新签订")
    make_hazard(days(20))
    make_hazard(days(40))
    assert services.detect_breaches(days(50)) == 1
    assert CommitmentBreach.objects.get().commitment == kept


def test_only_zero_out_commitments_are_checked(enterprise_a, make_hazard):
    post(enterprise_a, period_start=today(), period_end=days(60))
    make_hazard(days(10))
    assert services.detect_breaches(days(20)) == 0


def test_another_enterprises_hazard_breaks_nothing_here(
    users, enterprise_a, enterprise_a2, officer, town, make_hazard
):
    from conftest import make_user

    zero_out(enterprise_a, today(), days(60))
    manager_a2 = make_user("safety_a2", Role.SAFETY_OFFICER, enterprise=enterprise_a2)
    hazard(enterprise_a2, manager_a2, town, days(10))
    assert services.detect_breaches(days(20)) == 0
    zero_out(enterprise_a2, today(), days(60))
    assert services.detect_breaches(days(20)) == 1
    assert CommitmentBreach.objects.get().enterprise == enterprise_a2


def test_each_overdue_hazard_is_its_own_breach(enterprise_a, make_hazard):
    zero_out(enterprise_a, today(), days(60))
    first, second = make_hazard(days(10)), make_hazard(days(12))
    assert services.detect_breaches(days(11)) == 1
    assert services.detect_breaches(days(13)) == 1
    assert {b[1] for b in breaches()} == {first.pk, second.pk}
    assert [b[2] for b in breaches()] == [days(11), days(13)]


def test_nothing_to_check_is_zero(db):
    assert services.detect_breaches() == 0


def test_the_task_runs_daily_just_after_midnight_in_shanghai(settings, enterprise_a, make_hazard):
    assert settings.HUEY["utc"] is True
    task = tasks.detect_breaches.s()
    # The scheduler asks with naive UTC times: 16:15 UTC is 00:15 the next day in Shanghai.
    assert task.validate_datetime(datetime.datetime(2026, 3, 1, 16, 15))
    assert not task.validate_datetime(datetime.datetime(2026, 3, 1, 0, 15))
    assert not task.validate_datetime(datetime.datetime(2026, 3, 1, 16, 16))
    due = HUEY.read_periodic(datetime.datetime(2026, 3, 1, 16, 15))
    assert task.name in {t.name for t in due}
    # The task is the service on today's date.
    zero_out(enterprise_a, days(-10), days(60))
    make_hazard(days(1))
    Hazard.objects.update(deadline=days(-1))  # as if the deadline had passed yesterday
    assert tasks.detect_breaches.call_local() == 1
    assert CommitmentBreach.objects.get().found_on == today()
