import pytest

from accounts.roles import Role
from risks import services
from risks.models import Assessment, Measure, Risk, RiskEvent, RiskPoint, RiskUnit

LEC_RED = {"l": "6", "e": "6", "c": "15"}  # D = 540
LEC_YELLOW = {"l": "3", "e": "3", "c": "3"}  # D = 27
LS_BLUE = {"l": "2", "s": "2"}  # R = 4


def make_register(user, enterprise, *, factors=None, method="lec", unit_kind="workshop"):
    """A unit, a point and one risk with its first assessment, entered by `user`."""
    unit = services.add_unit(user, enterprise.pk, name="铸造车间", kind=unit_kind)
    point = services.add_point(user, unit.pk, name="中频炉", location="车间东侧")
    risk = services.add_risk(
        user,
        point.pk,
        factor_kind="thing",
        accident_type="scald_burn",
        description="中频炉炉衬侵蚀，铁水穿炉遇水爆炸",
        emergency_steps="立即停炉断电，人员撤离至安全区域",
        method=method,
        factors=factors or LEC_YELLOW,
    )
    return unit, point, risk


def snapshot():
    """Everything a refused change must leave alone."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (RiskUnit, RiskPoint, Risk, Assessment, Measure, RiskEvent)
    ]


@pytest.fixture
def manager(users):
    return users[Role.SAFETY_OFFICER]


@pytest.fixture
def register(manager, enterprise_a):
    unit, point, risk = make_register(manager, enterprise_a)
    return {"unit": unit, "point": point, "risk": risk}
