"""The demo: the demo enterprise through the services (a paid reward, one waiting for
approval, a rejected report), others as background; a second run adds nothing."""

import pytest

from accounts.roles import Role
from enterprises.models import Enterprise
from rewards import demo
from rewards.models import EmployeeReport, ReportState, Reward, RewardState

pytestmark = pytest.mark.django_db


def test_demo_and_a_second_run(users, enterprise_a, enterprise_a2, enterprise_b):
    made = demo.load(
        users[Role.PRINCIPAL],
        users[Role.SAFETY_OFFICER],
        users[Role.EMPLOYEE],
        Enterprise.objects.all(),
    )
    assert made["enterprises"] == 3
    home = EmployeeReport.objects.filter(enterprise=enterprise_a)
    assert home.count() == 4
    assert home.filter(state=ReportState.NOT_VERIFIED).count() == 1
    states = set(
        Reward.objects.filter(report__enterprise=enterprise_a).values_list("state", flat=True)
    )
    assert states == {RewardState.PAID, RewardState.PROPOSED}
    assert EmployeeReport.objects.exclude(enterprise=enterprise_a).exists()
    before = (EmployeeReport.objects.count(), Reward.objects.count())
    again = demo.load(
        users[Role.PRINCIPAL],
        users[Role.SAFETY_OFFICER],
        users[Role.EMPLOYEE],
        Enterprise.objects.all(),
    )
    assert again["reports"] == 0
    assert (EmployeeReport.objects.count(), Reward.objects.count()) == before
