"""Who sees what, for every role: draws and their assignments (pages, API, public page),
plans and their key list, penalties. Outside scope is a 404; a role without the action 403."""

import pytest

from accounts.roles import Role
from conftest import client_for
from enforcement.models import DrawAssignment
from enforcement.penalties import services as penalty_services
from enforcement.plans import services
from enforcement.plans.services import DrawRequest

# Which of enterprise_a ("a"), enterprise_a2 ("a2", town_a's other grid) and enterprise_b ("b",
# town_b) each role sees in a county draw, plan or penalty list. None: the role may not look.
DRAW_SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},
    Role.EXPERT: None,
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    Role.EMPLOYEE: None,
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},  # 聊城市, above the county: reads all of it
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}
PLAN_SCOPE = {
    role: (None if role in (Role.PRINCIPAL, Role.SAFETY_OFFICER) else scope)
    for role, scope in DRAW_SCOPE.items()
}
PENALTY_SCOPE = DRAW_SCOPE


@pytest.fixture
def world(users, inspectors, enterprise_a, enterprise_a2, enterprise_b, outsider):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    draw = services.create_draw(
        enforcer, DrawRequest(name="全县抽查", enterprise_count=3, seed="scope")
    )
    services.publish_draw(enforcer, draw.pk)
    hidden = services.create_draw(
        enforcer, DrawRequest(name="未公开抽查", enterprise_count=3, seed="hidden")
    )
    for enterprise in (enterprise_a, enterprise_a2, enterprise_b):
        enterprise.sector_tags.add("foundry")
    plan = services.create_plan(enforcer, 2026, random_by_month={"5": 30})
    penalties = {
        key: penalty_services.file_penalty(
            enforcer, ent.pk, "未按规定开展粉尘清扫", "《安全生产法》第一百零二条"
        )
        for key, ent in (("a", enterprise_a), ("a2", enterprise_a2), ("b", enterprise_b))
    }
    names = {
        enterprise_a.name: "a",
        enterprise_a2.name: "a2",
        enterprise_b.name: "b",
    }
    return {
        "draw": draw,
        "hidden": hidden,
        "plan": plan,
        "penalties": penalties,
        "names": names,
        "users": users,
        "outsider": outsider,
    }


def _keys(world, names):
    return {world["names"][n] for n in names}


@pytest.mark.parametrize("role", list(Role))
def test_draw_api_scope(client, world, role):
    client_for(client, world["users"][role])
    expected = DRAW_SCOPE[role]
    response = client.get(f"/api/v1/draws/{world['draw'].pk}")
    listing = client.get("/api/v1/draws")
    if expected is None:
        assert response.status_code == 403
        assert listing.status_code == 403
        return
    assert response.status_code == 200
    seen = _keys(world, [a["enterprise_name"] for a in response.json()["assignments"]])
    assert seen == expected
    ids = {d["id"] for d in listing.json()["items"]}
    assert world["draw"].pk in ids
    hidden = client.get(f"/api/v1/draws/{world['hidden'].pk}")
    if role in (Role.PRINCIPAL, Role.SAFETY_OFFICER):
        assert hidden.status_code == 404  # not published yet: the enterprise is not told
        assert world["hidden"].pk not in ids
    else:
        assert hidden.status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_draw_page_scope(client, world, role):
    client_for(client, world["users"][role])
    response = client.get(f"/enforcement/draws/{world['draw'].pk}/")
    expected = DRAW_SCOPE[role]
    if expected is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert {key for name, key in world["names"].items() if name in html} == expected


def test_outsider_sees_own_town_only(client, world):
    client_for(client, world["outsider"])
    data = client.get(f"/api/v1/draws/{world['draw'].pk}").json()
    assert _keys(world, [a["enterprise_name"] for a in data["assignments"]]) == {"b"}
    penalties = client.get("/api/v1/penalties").json()["items"]
    assert _keys(world, [p["enterprise_name"] for p in penalties]) == {"b"}
    other = world["penalties"]["a"].pk
    assert client.get(f"/api/v1/penalties/{other}").status_code == 404
    assert client.get(f"/enforcement/penalties/{other}/").status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_plan_scope(client, world, role):
    client_for(client, world["users"][role])
    expected = PLAN_SCOPE[role]
    response = client.get(f"/api/v1/plans/{world['plan'].pk}")
    page = client.get(f"/enforcement/plans/{world['plan'].pk}/")
    if expected is None:
        assert response.status_code == 403
        assert page.status_code == 403
        return
    assert response.status_code == 200 and page.status_code == 200
    assert _keys(world, [i["enterprise_name"] for i in response.json()["items"]]) == expected


@pytest.mark.parametrize("role", list(Role))
def test_penalty_scope(client, world, role):
    client_for(client, world["users"][role])
    expected = PENALTY_SCOPE[role]
    response = client.get("/api/v1/penalties")
    page = client.get("/enforcement/penalties/")
    if expected is None:
        assert response.status_code == 403
        assert page.status_code == 403
        return
    assert response.status_code == 200 and page.status_code == 200
    assert _keys(world, [p["enterprise_name"] for p in response.json()["items"]]) == expected
    html = page.content.decode()
    assert {key for name, key in world["names"].items() if name in html} == expected


@pytest.mark.parametrize("role", list(Role))
def test_only_officers_and_supervisors_create(client, world, role):
    client_for(client, world["users"][role])
    before = DrawAssignment.objects.count()
    response = client.post(
        "/api/v1/draws",
        {"name": "再抽", "enterprise_count": 1, "avoid_repeat": False},
        content_type="application/json",
    )
    may = role in (Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER)
    assert response.status_code == (201 if may else 403), response.content
    if not may:
        assert DrawAssignment.objects.count() == before
        assert "您的角色" in response.json()["detail"]
    plan = client.post("/api/v1/plans", {"year": 2027}, content_type="application/json")
    assert plan.status_code == (201 if may else 403)


def test_anonymous_gets_401_and_login_redirect(client, world):
    assert client.get("/api/v1/draws").status_code == 401
    assert client.get("/enforcement/draws/").status_code == 302
    assert client.get("/public/draws/").status_code == 200
