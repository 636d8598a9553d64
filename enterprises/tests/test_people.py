"""enterprises.people.audience: the one resolver of every app's RECIPIENTS table."""

import pytest

from accounts.roles import Role
from conftest import make_user
from enterprises.people import COUNTY, ENTERPRISE, MANAGERS, REQUESTER, TOWN, Audience, audience


def names(found):
    return [user.username for user in found]


@pytest.fixture
def far_staff(far_enterprise):
    county = far_enterprise.jurisdiction.parent
    return [
        make_user("far_supervisor", Role.SUPERVISOR, county),
        make_user("far_admin", Role.COUNTY_ADMIN, county),
        make_user("far_town", Role.TOWN_SUPERVISOR, far_enterprise.jurisdiction),
    ]


def test_each_level_reaches_its_roles_there(users, outsider, enterprise_a):
    assert names(audience(enterprise_a, [Audience(ENTERPRISE, MANAGERS)])) == [
        "principal_a",
        "safety_a",
    ]
    town = [Audience(TOWN, (Role.TOWN_SUPERVISOR, Role.GRID_MEMBER))]
    # The town's own supervisor, not the other town's; a grid member sits at the grid, not the town.
    assert names(audience(enterprise_a, town)) == ["town_a_supervisor"]
    county = [Audience(COUNTY, (Role.SUPERVISOR, Role.TOWN_SUPERVISOR, Role.GRID_MEMBER))]
    # Every node on the enterprise's path: the county, its town, its grid.
    assert set(names(audience(enterprise_a, county))) == {
        "supervisor",
        "town_a_supervisor",
        "grid_a_member",
    }


def test_never_the_actor_nor_an_inactive_user_and_each_once(users, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    colleague = make_user("supervisor_2", Role.SUPERVISOR, supervisor.jurisdiction)
    retired = make_user("supervisor_3", Role.SUPERVISOR, supervisor.jurisdiction)
    retired.is_active = False
    retired.save()
    twice = [Audience(COUNTY, (Role.SUPERVISOR,)), Audience(COUNTY, (Role.SUPERVISOR,))]
    assert names(audience(enterprise_a, twice)) == ["supervisor", "supervisor_2"]
    assert names(audience(enterprise_a, twice, exclude=supervisor.pk)) == [colleague.username]


def test_never_another_countys_supervisors(users, enterprise_a, far_staff):
    every_level = [Audience(level, tuple(Role)) for level in (ENTERPRISE, TOWN, COUNTY)]
    found = set(names(audience(enterprise_a, every_level)))
    assert found.isdisjoint({user.username for user in far_staff})
    assert {"supervisor", "county_admin", "town_a_supervisor", "principal_a"} <= found


def test_a_requester_is_the_given_user_if_active(users, enterprise_a):
    town = users[Role.TOWN_SUPERVISOR]
    asked = [Audience(REQUESTER)]
    assert names(audience(enterprise_a, asked, requester=town)) == [town.username]
    assert audience(enterprise_a, asked) == []
    town.is_active = False
    town.save()
    assert audience(enterprise_a, asked, requester=town) == []


def test_no_audience_is_nobody_and_an_unknown_level_is_refused(users, enterprise_a):
    assert audience(enterprise_a, []) == []
    with pytest.raises(ValueError):
        Audience("province", (Role.SUPERVISOR,))
    # Roles are kept in one order, whatever order (or set) they were given in.
    assert Audience(COUNTY, frozenset({Role.SUPERVISOR, Role.COUNTY_ADMIN})).roles == (
        Role.COUNTY_ADMIN,
        Role.SUPERVISOR,
    )
