from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from hazards import services as hazard_services
from standardization import services
from standardization.models import Rating, RatingDocument, RatingEvent, SpotCheck


def today():
    return timezone.localdate()


def snapshot():
    """Everything a refused step must leave alone."""
    from enterprises.models import Enterprise

    return (
        list(Rating.objects.order_by("pk").values()),
        list(RatingEvent.objects.order_by("pk").values()),
        list(SpotCheck.objects.order_by("pk").values()),
        list(RatingDocument.objects.order_by("pk").values()),
        list(Enterprise.objects.order_by("pk").values_list("pk", "standardization")),
    )


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def major_hazard(supervisor, enterprise, description="铸造熔炼炉冷却水无温度流量差监测报警"):
    """An open major hazard, judged major by the bureau (confirmed)."""
    hazard = hazard_services.report(
        supervisor, enterprise.pk, source="enforcement", description=description
    )
    reviewer = _another_reviewer(supervisor)
    hazard_services.confirm(reviewer, hazard.pk)
    return hazard_services.judge_major(
        reviewer, hazard.pk, is_major=True, reason="熔炼炉冷却系统缺少报警联锁"
    )


def _another_reviewer(user):
    """Nobody confirms a hazard they reported: the county administrator does."""
    from accounts.models import User

    return User.objects.filter(role=Role.COUNTY_ADMIN).exclude(pk=user.pk).first()


def general_hazard(supervisor, enterprise):
    hazard = hazard_services.report(
        supervisor, enterprise.pk, source="enforcement", description="车间通道堆放杂物"
    )
    return hazard_services.confirm(_another_reviewer(supervisor), hazard.pk)


def rated(users, enterprise, grade="level3", issued_on=None, supervisor=None) -> Rating:
    """A rating taken through every step to a certificate."""
    manager = (
        users[Role.PRINCIPAL] if enterprise.pk == users[Role.PRINCIPAL].enterprise_id else None
    )
    supervisor = supervisor or users[Role.SUPERVISOR]
    if manager is None:
        from conftest import make_user

        manager = make_user(f"principal_{enterprise.pk}", Role.PRINCIPAL, enterprise=enterprise)
    day = issued_on or today()
    rating = services.apply(manager, enterprise.pk, grade, "申请三级")
    if day < today():  # a rating of the past: applied before it was reviewed
        Rating.objects.filter(pk=rating.pk).update(
            applied_at=timezone.now() - timedelta(days=(today() - day).days + 30)
        )
    services.start_review(supervisor, rating, ["王评审", "李评审"])
    services.record_review(supervisor, rating, True, "符合三级要求", day)
    services.announce(supervisor, rating, day)
    return services.certify(supervisor, rating, f"GT-{enterprise.pk}-{grade}", day)


@pytest.fixture
def supervisor(users):
    return users[Role.SUPERVISOR]


@pytest.fixture
def principal(users):
    return users[Role.PRINCIPAL]
