"""The demo's ratings (standardization.demo, called by load_demo): the registry's values become
certified ratings, one expired, one application under way, and nothing new on a second run."""

import pytest

from accounts.roles import Role
from standardization import demo
from standardization.models import Rating
from standardization.states import State

pytestmark = pytest.mark.django_db


def test_demo_ratings(users, enterprise_a, enterprise_a2, enterprise_b):
    for enterprise in (enterprise_a, enterprise_a2, enterprise_b):
        enterprise.is_demo = True
    enterprise_a2.standardization = "level2"
    enterprise_a2.save()
    enterprise_a.save()
    enterprise_b.save()
    enterprises = [enterprise_a, enterprise_a2, enterprise_b]
    loaded = demo.load(enterprises, users[Role.SUPERVISOR], users[Role.PRINCIPAL])
    assert loaded["ratings"] == 1 and loaded["expired"] == 1 and loaded["pending"] == 1
    assert loaded["benchmarks"] == 1
    valid = Rating.objects.get(enterprise=enterprise_a2, state=State.VALID)
    assert valid.events.count() == 5
    assert Rating.objects.filter(state=State.EXPIRED).count() == 1
    assert Rating.objects.get(enterprise=enterprise_a, state=State.APPLIED)
    for enterprise in enterprises:
        enterprise.refresh_from_db()
    assert [e.standardization for e in enterprises] == ["none", "level2", "none"]
    again = demo.load(enterprises, users[Role.SUPERVISOR], users[Role.PRINCIPAL])
    assert again["ratings"] == 0 and Rating.objects.count() == 3
