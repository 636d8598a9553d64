import pytest

from accounts.roles import Role
from conftest import make_enterprise, make_user


@pytest.fixture
def inspectors(county):
    """Six enforcement officers with badge numbers at the county (the pool)."""
    result = []
    for i in range(6):
        user = make_user(f"inspector{i}", Role.ENFORCEMENT_OFFICER, county)
        user.full_name = f"执法员{i}"
        user.badge_number = f"37152600{i:02d}"
        user.phone = f"1390000000{i}"
        user.save()
        result.append(user)
    return result


@pytest.fixture
def many_enterprises(town_a, town_b):
    """Twenty more enterprises, ten in each town."""
    return [
        make_enterprise(town_a if i % 2 else town_b, None, serial=100 + i, name=f"测试企业{i:02d}")
        for i in range(20)
    ]
