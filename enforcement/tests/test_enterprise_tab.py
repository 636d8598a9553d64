"""The enterprise page's 执法检查 tab (enforcement:enterprise): inspections with their documents,
penalty cases and the draws the enterprise was picked in, for every role: each section only
where the role may see it, each row through the scoping gate, an enterprise out of scope a 404."""

import re

import pytest
from django.urls import reverse

from accounts import roles
from accounts.roles import Role
from conftest import client_for
from enforcement import enterprise_tab
from enforcement.penalties import services as penalty_services
from enforcement.plans import services
from enforcement.plans.services import DrawRequest

FULL = {
    "inspections": {"done_a", "draft_a"},
    "penalties": {"penalty_a"},
    "draws": {"published", "unpublished"},
}
# An enterprise's own users: completed inspections only, published draws only.
OWN = {"inspections": {"done_a"}, "penalties": {"penalty_a"}, "draws": {"published"}}
COUNTY_B = {
    "inspections": {"done_b"},
    "penalties": {"penalty_b"},
    "draws": {"published", "unpublished"},
}
# What each role sees on the tab of enterprise_a and of enterprise_b: a dict of sections, 403
# (a role that may see none of them) or 404 (out of scope).
EXPECTED = {
    Role.COUNTY_ADMIN: (FULL, COUNTY_B),
    Role.SUPERVISOR: (FULL, COUNTY_B),
    Role.ENFORCEMENT_OFFICER: (FULL, COUNTY_B),
    Role.TOWN_SUPERVISOR: (FULL, 404),
    Role.GRID_MEMBER: (FULL, 404),
    Role.EXPERT: (403, 403),
    Role.PRINCIPAL: (OWN, 404),
    Role.SAFETY_OFFICER: (OWN, 404),
    Role.EMPLOYEE: (403, 403),
    Role.CITY_SUPERVISOR: (FULL, COUNTY_B),  # 聊城市, above the county: reads all of it
    Role.PROVINCE_SUPERVISOR: (FULL, COUNTY_B),
}
MARKERS = {"inspections": "data-inspection", "penalties": "data-penalty", "draws": "data-draw"}


@pytest.fixture
def world(users, inspect, enterprise_a, enterprise_a2, enterprise_b):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    published = services.create_draw(
        enforcer, DrawRequest(name="公开的抽查", enterprise_count=3, seed="tab-1")
    )
    services.publish_draw(enforcer, published.pk)
    unpublished = services.create_draw(
        enforcer,
        DrawRequest(name="未公开的抽查", enterprise_count=3, seed="tab-2", avoid_repeat=False),
    )
    objects = {
        "done_a": inspect(enterprise_a, wanting=1),
        "draft_a": inspect(enterprise_a, complete=False),
        "done_b": inspect(enterprise_b),
        "penalty_a": penalty_services.file_penalty(
            enforcer, enterprise_a.pk, "未采取措施消除事故隐患", "《安全生产法》第一百零二条"
        ),
        "penalty_b": penalty_services.file_penalty(
            enforcer, enterprise_b.pk, "未设置安全警示标志", "《安全生产法》第九十九条第（一）项"
        ),
        "published": published,
        "unpublished": unpublished,
    }
    return {"objects": objects, "a": enterprise_a, "b": enterprise_b, "users": users}


def _sections(world, html) -> dict:
    names = {
        ("inspections", o.pk): key
        for key, o in world["objects"].items()
        if key.startswith(("done", "draft"))
    }
    names.update(
        {("penalties", o.pk): key for key, o in world["objects"].items() if "penalty" in key}
    )
    names.update(
        {("draws", o.pk): key for key, o in world["objects"].items() if "published" in key}
    )
    found = {}
    for section, marker in MARKERS.items():
        if f'id="enforcement-{section}"' not in html:
            continue
        ids = {int(v) for v in re.findall(rf'{marker}="(\d+)"', html)}
        found[section] = {names[(section, pk)] for pk in ids}
    return found


def test_the_url():
    assert reverse("enforcement:enterprise", args=[7]) == "/enforcement/enterprise/7/"


@pytest.mark.parametrize("role", list(Role))
def test_every_role(client, world, role):
    client_for(client, world["users"][role])
    for key, expected in zip(("a", "b"), EXPECTED[role], strict=True):
        response = client.get(reverse("enforcement:enterprise", args=[world[key].pk]))
        if expected in (403, 404):
            assert response.status_code == expected, (key, role)
            continue
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html  # a partial, for the enterprise page
        assert _sections(world, html) == expected, (key, role)


@pytest.mark.parametrize("role", [Role.ENFORCEMENT_OFFICER, Role.PRINCIPAL])
def test_documents_and_links(client, world, role):
    client_for(client, world["users"][role])
    html = client.get(reverse("enforcement:enterprise", args=[world["a"].pk])).content.decode()
    done = world["objects"]["done_a"]
    documents = {int(v) for v in re.findall(r'data-document="(\d+)"', html)}
    assert documents == set(done.documents.values_list("pk", flat=True))
    assert len(documents) == 2  # 现场检查记录 and 责令限期整改指令书
    assert "不符合 1 项" in html and "责令限期整改至" in html
    for document in done.documents.all():
        assert reverse("enforcement:document", args=[document.pk]) in html
        assert client.get(reverse("enforcement:document", args=[document.pk])).status_code == 200
    penalty = world["objects"]["penalty_a"]
    assert penalty.case_number in html and "立案" in html
    assert reverse("enforcement:penalty", args=[penalty.pk]) in html
    assert "公开的抽查" in html
    # only the bureau's inspectors get the button
    button = f"{reverse('enforcement:inspection_new')}?enterprise={world['a'].pk}"
    assert (button in html) == (role == Role.ENFORCEMENT_OFFICER)


def test_a_section_the_role_may_not_see_is_left_out(client, world, monkeypatch):
    principal = world["users"][Role.PRINCIPAL]
    less = roles.PERMISSIONS["penalty.view"] - {Role.PRINCIPAL}
    monkeypatch.setitem(roles.PERMISSIONS, "penalty.view", less)
    client_for(client, principal)
    url = reverse("enforcement:enterprise", args=[world["a"].pk])
    html = client.get(url).content.decode()
    assert _sections(world, html) == {"inspections": {"done_a"}, "draws": {"published"}}
    assert world["objects"]["penalty_a"].case_number not in html
    for action in ("inspection.view", "draw.view"):
        monkeypatch.setitem(roles.PERMISSIONS, action, roles.PERMISSIONS[action] - {Role.PRINCIPAL})
    assert client.get(url).status_code == 403


def test_outsider(client, world, outsider):
    client_for(client, outsider)
    assert client.get(reverse("enforcement:enterprise", args=[world["a"].pk])).status_code == 404
    html = client.get(reverse("enforcement:enterprise", args=[world["b"].pk])).content.decode()
    assert _sections(world, html) == {
        "inspections": {"done_b"},
        "penalties": {"penalty_b"},
        "draws": {"published", "unpublished"},
    }


def test_unknown_enterprise_and_anonymous(client, world):
    assert client.get(reverse("enforcement:enterprise", args=[world["a"].pk])).status_code == 302
    client_for(client, world["users"][Role.COUNTY_ADMIN])
    assert client.get("/enforcement/enterprise/999999/").status_code == 404


def test_rows_are_limited_newest_first(client, world, monkeypatch):
    monkeypatch.setattr(enterprise_tab, "TAB_ROWS", 1)
    client_for(client, world["users"][Role.ENFORCEMENT_OFFICER])
    html = client.get(reverse("enforcement:enterprise", args=[world["a"].pk])).content.decode()
    assert "共 2 次，显示最近 1 次" in html
    assert _sections(world, html)["inspections"] == {"draft_a"}  # same day, the later one
    assert "被抽中 2 次，显示最近 1 次" in html


def test_empty_sections(client, users, enterprise_a2):
    client_for(client, users[Role.ENFORCEMENT_OFFICER])
    html = client.get(reverse("enforcement:enterprise", args=[enterprise_a2.pk])).content.decode()
    assert "暂无执法检查" in html and "暂无行政处罚" in html and "未被抽中" in html
