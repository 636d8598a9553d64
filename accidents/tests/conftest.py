from datetime import timedelta

import pytest
from django.utils import timezone

from accidents import services
from accidents.models import AccidentCase, AccidentEvent
from accounts.roles import Role
from conftest import make_user


def recently(days=30):
    return timezone.now() - timedelta(days=days)


def local_data(enterprise, **changes):
    data = {
        "source": "local",
        "enterprise_id": enterprise.pk,
        "title": "冲压工段机械伤害事故",
        "occurred_at": recently(),
        "category": "machinery",
        "serious_injuries": 1,
        "summary": "维修工未停机清理积料，右手被卷入传动部位",
    }
    data.update(changes)
    return data


def external_data(**changes):
    data = {
        "source": "external",
        "title": "某地金属制品企业粉尘爆炸事故",
        "occurred_at": recently(90),
        "location": "外省某市某区",
        "industry": "machinery",
        "sector_tags": ["combustible_dust"],
        "category": "other_explosion",
        "deaths": 3,
        "summary": "除尘系统停运期间违规抛光作业，管道积尘遇火花爆炸",
    }
    data.update(changes)
    return data


def snapshot():
    """Everything a refused request must leave alone."""
    return (
        list(AccidentCase.objects.order_by("pk").values()),
        list(AccidentCase.sector_tags.through.objects.order_by("pk").values()),
        list(AccidentEvent.objects.order_by("pk").values()),
    )


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def world(users, enterprise_a, enterprise_a2, enterprise_b, far_enterprise):
    """One record of each kind (see roles.SCOPE): {"a", "a2", "b", "ext", "far"} → record."""
    admin = users[Role.COUNTY_ADMIN]
    far_admin = make_user("far_admin", Role.COUNTY_ADMIN, far_enterprise.jurisdiction.parent)
    return {
        "a": services.record(admin, local_data(enterprise_a, title="精工铸造浇注烫伤事故")),
        "a2": services.record(admin, local_data(enterprise_a2, title="鑫泰纺织梳棉机伤手事故")),
        "b": services.record(admin, local_data(enterprise_b, title="清平木业电锯伤手事故")),
        "ext": services.record(admin, external_data(title="外地抛光车间粉尘爆炸事故")),
        "far": services.record(far_admin, local_data(far_enterprise, title="冠县远方起重伤害事故")),
    }
