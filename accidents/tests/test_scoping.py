"""Who sees and changes what, for every role (roles.SCOPE, roles.CHANGES): the list page and the
API list show exactly the role's set; a record outside it is a 404 on every page and endpoint,
never a 403; a role without "accident.view" gets a 403 everywhere; a role that may look but not
change gets a 403 on the forms and the write endpoints, for records it can see."""

import pytest

from accidents.models import AccidentCase
from accidents.tests.conftest import external_data, local_data, snapshot
from accidents.tests.roles import CHANGES, RECORDERS, ROLES, SCOPE
from accounts.roles import Role
from conftest import client_for, post_json

URL = "/api/v1/accidents"


def keys(world, titles):
    by_title = {accident.title: key for key, accident in world.items()}
    return {by_title[t] for t in titles if t in by_title}


def keys_in_html(world, html):
    return {key for key, accident in world.items() if accident.title in html}


@pytest.mark.parametrize("role", ROLES)
def test_list_page_and_api_list_show_the_role_scope(client, users, world, role):
    client_for(client, users[role])
    page = client.get("/accidents/")
    listing = client.get(URL)
    expected = SCOPE[role]
    if expected is None:
        assert page.status_code == 403
        assert listing.status_code == 403
        assert "无权" in listing.json()["detail"]
        return
    assert page.status_code == 200
    assert keys_in_html(world, page.content.decode()) == expected
    assert listing.status_code == 200
    assert keys(world, [item["title"] for item in listing.json()["items"]]) == expected


@pytest.mark.parametrize("role", ROLES)
def test_detail_is_a_404_outside_the_scope(client, users, world, role):
    client_for(client, users[role])
    expected = SCOPE[role]
    for key, accident in world.items():
        page = client.get(f"/accidents/{accident.pk}/")
        api = client.get(f"{URL}/{accident.pk}")
        if expected is None:
            assert (page.status_code, api.status_code) == (403, 403), key
        elif key in expected:
            assert (page.status_code, api.status_code) == (200, 200), key
            assert accident.title in page.content.decode()
            assert api.json()["title"] == accident.title
        else:
            assert (page.status_code, api.status_code) == (404, 404), key
            assert api.json() == {"detail": "对象不存在"}


@pytest.mark.parametrize("role", ROLES)
def test_edit_and_void_pages_per_role(client, users, world, role):
    client_for(client, users[role])
    expected = SCOPE[role]
    for key, accident in world.items():
        for action in ("edit", "void"):
            response = client.get(f"/accidents/{accident.pk}/{action}/")
            if expected is None:
                status = 403
            elif key not in expected:
                status = 404
            elif key in CHANGES[role]:
                status = 200
            else:
                status = 403
            assert response.status_code == status, (key, action)


@pytest.mark.parametrize("role", ROLES)
def test_writes_through_the_api_per_role(api, users, world, role):
    caller = api(role)
    expected = SCOPE[role]
    for key, accident in world.items():
        before = snapshot()
        patch = post_json(caller, f"{URL}/{accident.pk}", {"minor_injuries": 7}, "patch")
        if expected is None:
            status = 403
        elif key not in expected:
            status = 404
        elif key in CHANGES[role]:
            status = 200
        else:
            status = 403
        assert patch.status_code == status, (key, patch.content)
        if status != 200:
            assert snapshot() == before
            continue
        assert AccidentCase.objects.get(pk=accident.pk).minor_injuries == 7
        voided = post_json(caller, f"{URL}/{accident.pk}/void", {"reason": "测试作废"})
        assert voided.status_code == 200
        assert voided.json()["voided_at"] is not None


@pytest.mark.parametrize("role", ROLES)
def test_who_records(api, client, users, enterprise_a, enterprise_b, role):
    caller = api(role)
    may = role in RECORDERS
    page = client_for(client, users[role]).get("/accidents/new/")
    assert page.status_code == (200 if may else 403)
    # enterprise_a is in every recorder's area, enterprise_b only in the county's.
    local = post_json(caller, URL, local_data(enterprise_a))
    assert local.status_code == (201 if may else 403), local.content
    other_town = post_json(caller, URL, local_data(enterprise_b))
    county = role in (Role.COUNTY_ADMIN, Role.SUPERVISOR)
    assert other_town.status_code == (201 if county else 404 if may else 403)
    external = post_json(caller, URL, external_data())
    assert external.status_code == (201 if county else 403), external.content
    created = AccidentCase.objects.count()
    assert created == (3 if county else 1 if may else 0)


def test_the_other_town_sees_its_own_and_the_bulletins(client, outsider, world):
    client_for(client, outsider)
    titles = [item["title"] for item in client.get(URL).json()["items"]]
    assert keys(world, titles) == {"b", "ext"}
    assert client.get(f"/accidents/{world['a'].pk}/").status_code == 404
    assert client.get(f"/accidents/enterprises/{world['a'].enterprise_id}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_enterprise_tab_per_role(client, users, world, role):
    client_for(client, users[role])
    expected = SCOPE[role]
    for key in ("a", "a2", "b", "far"):
        response = client.get(f"/accidents/enterprises/{world[key].enterprise_id}/")
        if expected is None:
            assert response.status_code == 403
        elif key in expected:
            assert response.status_code == 200
            html = response.content.decode()
            assert world[key].title in html
            # the external case concerns enterprise_a (same industry: machinery)
            assert (world["ext"].title in html) == (key == "a")
            assert keys_in_html(world, html) - {key, "ext"} == set()
        else:
            assert response.status_code == 404


def test_anonymous_gets_401_and_the_login_page(client, world):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{world['a'].pk}").status_code == 401
    for path in ("/accidents/", f"/accidents/{world['a'].pk}/", "/accidents/new/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_the_detail_page_offers_the_available_actions(client, users, world, role):
    """The 更正 and 作废 buttons are services.available_actions: shown on the records the role
    may change (CHANGES) and nowhere else; none on a voided record."""
    from accidents import services

    if SCOPE[role] is None:
        return
    client_for(client, users[role])
    for key in SCOPE[role]:
        accident = world[key]
        actions = services.available_actions(users[role], accident)
        assert actions == ({"correct", "void"} if key in CHANGES[role] else set()), key
        html = client.get(f"/accidents/{accident.pk}/").content.decode()
        assert (f"/accidents/{accident.pk}/edit/" in html) is ("correct" in actions), key
        assert (f"/accidents/{accident.pk}/void/" in html) is ("void" in actions), key
    if CHANGES[role]:
        key = sorted(CHANGES[role])[0]
        services.void(users[role], world[key], "测试作废")
        world[key].refresh_from_db()
        assert services.available_actions(users[role], world[key]) == set()
