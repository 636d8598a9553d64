"""The demo's commitments (reporting.demo, called by load_demo): this year's 动态清零 commitment
for every enterprise given, a post and a confined-space commitment for the first, a breach
found at once for an overdue major hazard, and nothing new on a second run."""

import datetime

from accounts.roles import Role
from hazards.models import Hazard, Source, State
from reporting import demo
from reporting.models import CommitmentBreach, CommitmentEvent, SafetyCommitment
from reporting.tests.conftest import this_year, today, zero_out


def counts():
    return (
        SafetyCommitment.objects.count(),
        CommitmentBreach.objects.count(),
        CommitmentEvent.objects.count(),
    )


def overdue_major(enterprise):
    """A major hazard of `enterprise` in rectification whose deadline passed yesterday."""
    return Hazard.objects.create(
        enterprise=enterprise,
        source=Source.ENFORCEMENT,
        description="除尘系统未设置锁气卸灰装置",
        found_by="检查组",
        found_on=today() - datetime.timedelta(days=20),
        is_major=True,
        state=State.RECTIFYING,
        deadline=today() - datetime.timedelta(days=1),
    )


def test_the_demo_records_commitments_and_finds_the_breach(
    users, enterprise_a, enterprise_a2, enterprise_b
):
    principal = users[Role.PRINCIPAL]
    overdue_major(enterprise_b)
    result = demo.load([enterprise_a, enterprise_a2, enterprise_b], {enterprise_a.pk: principal})
    start, end = this_year()
    # The deadline (yesterday) lies in this year's period unless today is 1 January.
    expected_breaches = 1 if today() > start else 0
    assert result == {"commitments": 5, "breaches": expected_breaches}
    zero_outs = SafetyCommitment.objects.filter(kind="zero_out")
    assert {c.enterprise_id for c in zero_outs} == {
        enterprise_a.pk,
        enterprise_a2.pk,
        enterprise_b.pk,
    }
    assert {(c.period_start, c.period_end) for c in zero_outs} == {(start, end)}
    first = SafetyCommitment.objects.filter(enterprise=enterprise_a)
    assert sorted(first.values_list("kind", "work_type")) == [
        ("high_risk_work", "confined_space"),
        ("post", ""),
        ("zero_out", ""),
    ]
    assert {c.recorded_by for c in first} == {principal}  # the manager given records them
    assert {c.recorded_by for c in zero_outs.exclude(enterprise=enterprise_a)} == {None}
    if expected_breaches:
        breach = CommitmentBreach.objects.get()
        assert (breach.enterprise, breach.cause) == (enterprise_b, "overdue_major_hazard")


def test_a_second_run_creates_nothing(users, enterprise_a, enterprise_a2, enterprise_b):
    overdue_major(enterprise_a2)
    enterprises = [enterprise_a, enterprise_a2, enterprise_b]
    managers = {enterprise_a.pk: users[Role.SAFETY_OFFICER]}
    demo.load(enterprises, managers)
    before = counts()
    assert demo.load(enterprises, managers) == {"commitments": 0, "breaches": 0}
    assert counts() == before
    # Without the managers (a later run of load_demo) it still finds its commitments.
    assert demo.load(enterprises, {}) == {"commitments": 0, "breaches": 0}
    assert counts() == before


def test_a_zero_out_commitment_recorded_by_hand_is_kept(users, enterprise_a, enterprise_a2):
    principal = users[Role.PRINCIPAL]
    _, end = this_year()
    own = zero_out(enterprise_a, today(), end, recorder=principal)
    result = demo.load([enterprise_a, enterprise_a2], {enterprise_a.pk: principal})
    assert result["commitments"] == 3  # a2's 动态清零, a's post and confined-space
    assert list(SafetyCommitment.objects.filter(enterprise=enterprise_a, kind="zero_out")) == [own]
