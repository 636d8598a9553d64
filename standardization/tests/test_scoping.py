"""Scoping for every role: which ratings each role sees on the list, the API and a rating's
page, stated here (not read from the code under test)."""

import pytest

from accounts.roles import Role
from conftest import client_for
from standardization.tests.conftest import rated

pytestmark = pytest.mark.django_db

# "a" enterprise_a (town_a, grid_a), "a2" enterprise_a2 (town_a, other grid), "b" enterprise_b
# (town_b), "far" another county's. None: a 403.
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},
    Role.EXPERT: {"a"},
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    Role.EMPLOYEE: None,
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},  # 聊城市, above the county: reads all of it
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}


def _far_supervisor(enterprise):
    from conftest import make_user
    from core.models import Jurisdiction

    county = Jurisdiction.objects.get(pk=enterprise.jurisdiction.parent_id)
    return make_user("far_supervisor", Role.SUPERVISOR, county)


@pytest.fixture
def ratings(users, enterprise_a, enterprise_a2, enterprise_b, far_enterprise):
    return {
        "a": rated(users, enterprise_a),
        "a2": rated(users, enterprise_a2),
        "b": rated(users, enterprise_b),
        "far": rated(users, far_enterprise, supervisor=_far_supervisor(far_enterprise)),
    }


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_scope(client, users, ratings, role):
    client_for(client, users[role])
    expected = SCOPE[role]
    page = client.get("/standardization/")
    api = client.get("/api/v1/standardization?page_size=100")
    if expected is None:
        assert page.status_code == 403 and api.status_code == 403
        return
    names = {key: r.pk for key, r in ratings.items()}
    listed = {item["id"] for item in api.json()["items"]}
    assert listed == {names[key] for key in expected}
    shown = {r.pk for r in page.context["page"]}
    assert shown == listed
    for key, rating in ratings.items():
        status = client.get(f"/standardization/{rating.pk}/").status_code
        assert status == (200 if key in expected else 404), (role, key)
