"""/api/v1/projects: scoped list and detail, registering, the steps with their documents, the
equipment register, and bad input answered in Chinese with nothing saved."""

from accounts.roles import Role
from conftest import bearer, post_json
from projects.models import Equipment, Project
from projects.tests.conftest import days_ago, pdf, snapshot


def test_the_api_lists_and_reads_projects_in_scope(users, world):
    client = bearer(users[Role.TOWN_SUPERVISOR])
    listed = client.get("/api/v1/projects").json()
    assert {p["id"] for p in listed["items"]} == {world["a"].pk, world["a2"].pk}
    detail = client.get(f"/api/v1/projects/{world['a'].pk}").json()
    assert detail["state"] == "registered" and detail["events"][0]["action"] == "register"
    assert "design" in detail["actions"]
    assert client.get(f"/api/v1/projects/{world['b'].pk}").status_code == 404
    assert client.get(f"/api/v1/projects/{world['far'].pk}").status_code == 404
    assert bearer(users[Role.EMPLOYEE]).get("/api/v1/projects").status_code == 403


def test_the_api_registers_and_takes_steps_with_a_document(users, enterprise_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = bearer(users[Role.PRINCIPAL])
    created = post_json(
        client,
        "/api/v1/projects",
        {"name": "熔炼车间改建", "kind": "rebuild", "is_metal_smelting": True},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    response = client.post(
        f"/api/v1/projects/{pk}/design",
        {"on": days_ago(2).isoformat(), "designer": "某设计院", "document": pdf()},
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "designed"
    refused = client.post(
        f"/api/v1/projects/{pk}/start-construction", {"on": days_ago(1).isoformat()}
    )
    assert refused.status_code == 409
    assert "设计审查通过前" in refused.json()["detail"]


def test_bad_input_is_a_chinese_422_with_nothing_saved(users, world):
    client = bearer(users[Role.SUPERVISOR])
    before = snapshot()
    bad = post_json(
        client,
        "/api/v1/projects",
        {"name": "x", "kind": "demolish", "enterprise_id": world["a"].enterprise_id},
    )
    assert bad.status_code == 422
    missing = post_json(client, "/api/v1/projects", {"name": "x", "kind": "new"})
    assert missing.status_code == 422 and "企业" in missing.json()["detail"]
    step = client.post(f"/api/v1/projects/{world['a'].pk}/design", {"designer": "某"})
    assert step.status_code == 422 and "日期" in step.json()["detail"]
    assert step.json()["errors"] == {"on": ["请填写日期"]}
    equipment = post_json(
        client, "/api/v1/projects/equipment", {"name": "冲床", "kind": "production", "quantity": 0}
    )
    assert equipment.status_code == 422
    assert snapshot() == before
    assert Project.objects.count() == 4


def test_the_api_equipment_register_matches_and_is_scoped(users, enterprise_a, enterprise_b):
    client = bearer(users[Role.PRINCIPAL])
    made = post_json(
        client, "/api/v1/projects/equipment", {"name": "无芯工频感应电炉", "kind": "production"}
    )
    assert made.status_code == 201
    assert made.json()["obsolete"][0]["entry"] == "CY-03"
    assert made.json()["obsolete"][0]["unconfirmed"] is True
    county = bearer(users[Role.SUPERVISOR])
    post_json(
        county,
        "/api/v1/projects/equipment",
        {"enterprise_id": enterprise_b.pk, "name": "抛丸机", "kind": "production"},
    )
    mine = client.get("/api/v1/projects/equipment").json()["items"]
    assert [i["name"] for i in mine] == ["无芯工频感应电炉"]
    assert len(county.get("/api/v1/projects/equipment").json()["items"]) == 2
    assert Equipment.objects.count() == 2
