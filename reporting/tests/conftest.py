import datetime

import pytest
from django.utils import timezone

from reporting import services
from reporting.kinds import CommitmentKind, WorkType
from reporting.models import CommitmentBreach, CommitmentEvent, SafetyCommitment


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def this_year():
    return services.period_for_year(today().year)


def zero_out(enterprise, start=None, end=None, recorder=None, **extra):
    """A 动态清零 commitment of `enterprise` (default: this calendar year), recorded by
    `recorder` through the services or, without one, by the platform."""
    default_start, default_end = this_year()
    values = {
        "kind": CommitmentKind.ZERO_OUT,
        "committer_name": "王建国",
        "period_start": start or default_start,
        "period_end": end or default_end,
        "signed_on": min(start or default_start, today()),
    }
    values.update(extra)
    if recorder is not None:
        return services.record(recorder, enterprise_id=enterprise.pk, **values)
    return services.create(enterprise, None, **values)


def post(enterprise, recorder=None, **extra):
    values = {
        "kind": CommitmentKind.POST,
        "committer_name": "李强",
        "committer_post": "铸造车间浇注工",
        "period_start": today(),
        "period_end": days(180),
    }
    values.update(extra)
    if recorder is not None:
        return services.record(recorder, enterprise_id=enterprise.pk, **values)
    return services.create(enterprise, None, **values)


def high_risk(enterprise, work_type=WorkType.CONFINED_SPACE, **extra):
    values = {
        "kind": CommitmentKind.HIGH_RISK_WORK,
        "work_type": work_type,
        "committer_name": "张立新",
        "committer_post": "有限空间作业负责人",
        "period_start": today(),
        "period_end": days(30),
    }
    values.update(extra)
    return services.create(enterprise, None, **values)


def world():
    """Everything a refused action must leave alone."""
    return (
        list(SafetyCommitment.objects.order_by("pk").values()),
        list(CommitmentBreach.objects.order_by("pk").values()),
        list(CommitmentEvent.objects.order_by("pk").values()),
    )


@pytest.fixture
def commitments(users, enterprise_a, enterprise_a2, enterprise_b):
    """A 动态清零 commitment of each enterprise for this year ("a" recorded by its principal),
    each with one breach recorded by the county supervisor."""
    from accounts.roles import Role

    made = {
        "a": zero_out(enterprise_a, recorder=users[Role.PRINCIPAL]),
        "a2": zero_out(enterprise_a2),
        "b": zero_out(enterprise_b),
    }
    supervisor = users[Role.SUPERVISOR]
    breaches = {
        key: services.record_breach(supervisor, c.pk, description=f"检查发现违反承诺（{key}）")
        for key, c in made.items()
    }
    return {"commitments": made, "breaches": breaches}
