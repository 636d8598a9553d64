from datetime import date, timedelta

import pytest
from django.utils import timezone

from campaigns import services


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def draft(users, today):
    """A county campaign (task 8's confined-space template), in draft."""
    return services.create_campaign(
        users["supervisor"],
        name="2026年有限空间作业专项整治",
        basis="《中华人民共和国安全生产法》第四十一条",
        starts_on=today,
        ends_on=today + timedelta(days=90),
        template_code="confined_space",
    )


def start(campaign, user, today: date):
    return services.start(
        user,
        campaign.pk,
        self_check_ends_on=today + timedelta(days=10),
        town_check_ends_on=today + timedelta(days=30),
        spot_check_ends_on=today + timedelta(days=60),
    )


@pytest.fixture
def running(draft, users, today):
    """The draft started on enterprise_a (town A) and enterprise_b (town B) by a list."""
    from enterprises.models import Enterprise

    ids = list(
        Enterprise.objects.filter(
            name__in=["高唐县精工铸造有限公司", "清平木业有限公司"]
        ).values_list("pk", flat=True)
    )
    services.set_targeting(users["supervisor"], draft.pk, enterprise_ids=ids)
    return start(draft, users["supervisor"], today)
