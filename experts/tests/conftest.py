from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import make_user
from experts import services
from experts.models import (
    ConfinedSpace,
    ExpertEvent,
    ExpertVisit,
    SpaceReview,
    VisitFinding,
    VisitPart,
)
from hazards.models import Hazard


def today():
    return timezone.localdate()


def snapshot():
    return [
        list(m.objects.order_by("pk").values())
        for m in (
            ConfinedSpace,
            ExpertVisit,
            VisitPart,
            VisitFinding,
            SpaceReview,
            ExpertEvent,
            Hazard,
        )
    ]


def space_data(**extra):
    values = {
        "name": "1号污水池",
        "location": "厂区东南角",
        "kind": "sewage_pit",
        "hazards": ["oxygen_deficiency", "toxic_gas"],
        "responsible": "李安全",
        "lockout": True,
        "isolation": True,
        "scan_entry": False,
        "monitoring": False,
        "last_checked_on": today() - timedelta(days=3),
    }
    values.update(extra)
    return values


@pytest.fixture
def visiting_expert(db):
    """An expert assigned to no enterprise yet: a visit assigns them."""
    return make_user("expert_zhang", Role.EXPERT)


@pytest.fixture
def space(users, enterprise_a):
    return services.save_space(users[Role.PRINCIPAL], enterprise_a.pk, **space_data())


@pytest.fixture
def visit(users, enterprise_a, visiting_expert):
    return services.plan_visit(
        users[Role.SUPERVISOR],
        enterprise_a.pk,
        planned_on=today(),
        expert_ids=[visiting_expert.pk],
    )


def diagnose(expert, visit, findings=1):
    services.record_part(
        expert,
        visit.pk,
        part="diagnose",
        held_on=today(),
        attendees=6,
        content="查看污水池和脱硫塔",
    )
    for n in range(findings):
        services.add_finding(expert, visit.pk, description=f"污水池入口未设警示标志{n}")
