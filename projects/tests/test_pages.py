"""The project pages and the enterprise tab: who sees which projects (every role), the steps
offered and taken through the pages, bad input shown in Chinese with nothing saved."""

import pytest

from accounts.roles import Role
from projects import services
from projects.models import Project
from projects.tests.conftest import days_ago, designed, pdf, project_data, snapshot

# Which of the `world` projects each role sees on the list; None: a 403.
SEES = {
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


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_projects_of_its_scope_and_no_other(client, users, world, role):
    client.force_login(users[role])
    response = client.get("/projects/")
    if SEES[role] is None:
        assert response.status_code == 403
        assert client.get(f"/projects/{world['a'].pk}/").status_code == 403
        return
    assert response.status_code == 200
    shown = {p.pk for p in response.context["page"]}
    assert shown == {world[key].pk for key in SEES[role]}
    for key, project in world.items():
        status = client.get(f"/projects/{project.pk}/").status_code
        assert status == (200 if key in SEES[role] else 404), (key, status)
    api = client.get("/api/v1/projects")
    if users[role].role in ("grid_member", "expert"):
        return  # the API is not theirs (api.use); the data scope is the same
    assert {p["id"] for p in api.json()["items"]} == {world[key].pk for key in SEES[role]}


def test_the_flag_shows_on_the_bureau_list_first_with_its_alert(client, users, world):
    services.act(
        users[Role.SUPERVISOR], world["b"].pk, "report_unreviewed", on=days_ago(2), note="已开工"
    )
    client.force_login(users[Role.COUNTY_ADMIN])
    response = client.get("/projects/")
    assert response.context["page"][0].pk == world["b"].pk
    html = response.content.decode()
    assert "未经审查擅自建设" in html and 'id="flagged-alert"' in html
    flagged = client.get("/projects/?flagged=on")
    assert [p.pk for p in flagged.context["page"]] == [world["b"].pk]


def test_the_county_sees_the_designs_waiting_for_its_review(
    client, users, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    admin = users[Role.COUNTY_ADMIN]
    designed(admin, world["a"])
    services.act(admin, world["a"].pk, "submit_review", on=days_ago(1))
    client.force_login(users[Role.SUPERVISOR])
    response = client.get("/projects/")
    assert response.context["awaiting_review"] == 1
    assert 'id="review-alert"' in response.content.decode()
    waiting = client.get("/projects/?state=under_review")
    assert [p.pk for p in waiting.context["page"]] == [world["a"].pk]
    client.force_login(users[Role.PRINCIPAL])
    assert 'id="review-alert"' not in client.get("/projects/").content.decode()


def test_a_principal_registers_and_records_the_design_on_the_pages(
    client, principal, enterprise_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(principal)
    assert client.get("/projects/new/").status_code == 200
    response = client.post(
        "/projects/new/",
        {
            "name": "铸造车间新建",
            "kind": "new",
            "is_metal_smelting": "on",
            "planned_start": "2026-05-01",
        },
    )
    project = Project.objects.get(name="铸造车间新建")
    assert (
        response.status_code == 302
        and project.enterprise == enterprise_a
        and project.is_metal_smelting
    )
    page = client.get(f"/projects/{project.pk}/")
    assert [name for name, _, _ in page.context["steps"]] == ["design"]
    response = client.post(
        f"/projects/{project.pk}/design/",
        {
            "design-on": days_ago(3).isoformat(),
            "design-designer": "某设计院",
            "design-document": pdf(),
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == "designed"
    event = project.events.get(action="design")
    download = client.get(f"/projects/documents/{event.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_step_refused_on_the_page_says_why_in_chinese_and_changes_nothing(
    client, principal, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    project = services.register(principal, project_data())
    designed(principal, project)
    client.force_login(principal)
    before = snapshot()
    response = client.post(
        f"/projects/{project.pk}/start_construction/",
        {"start_construction-on": days_ago(1).isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    assert "设计审查通过前" in response.content.decode()
    response = client.post(f"/projects/{project.pk}/design/", {"design-on": "明天"}, follow=True)
    assert "未保存" in response.content.decode()
    assert snapshot() == before


def test_the_registration_form_refuses_bad_input_in_chinese(client, principal):
    client.force_login(principal)
    before = snapshot()
    response = client.post("/projects/new/", {"name": "", "kind": "demolish"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "请选择" in response.content.decode() or "必填" in response.content.decode()
    assert snapshot() == before


def test_the_enterprise_tab_lists_projects_and_equipment_with_their_flags(
    client, principal, users, enterprise_a, world
):
    services.act(
        users[Role.SUPERVISOR], world["a"].pk, "report_unreviewed", on=days_ago(2), note="已开工"
    )
    services.record_equipment(principal, {"name": "无芯工频感应电炉", "kind": "production"})
    client.force_login(principal)
    html = client.get(f"/projects/enterprises/{enterprise_a.pk}/").content.decode()
    assert world["a"].name in html and "未经审查擅自建设" in html
    assert "无芯工频感应电炉" in html and "待核对" in html
    assert world["b"].name not in html
    detail = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert "三同时与设备" in detail
    client.force_login(users[Role.EMPLOYEE])
    assert client.get(f"/projects/enterprises/{enterprise_a.pk}/").status_code == 403
    assert "三同时与设备" not in client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()


def test_equipment_pages_add_and_edit_with_a_match_message(client, principal, enterprise_a):
    client.force_login(principal)
    url = f"/projects/enterprises/{enterprise_a.pk}/equipment/new/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"name": "热处理铅浴炉", "kind": "production", "quantity": 1, "in_use": "on"},
        follow=True,
    )
    assert "淘汰落后工艺设备目录" in response.content.decode()
    item = enterprise_a.equipment.get()
    before = snapshot()
    response = client.post(
        f"/projects/equipment/{item.pk}/edit/", {"name": "", "kind": "x", "quantity": 0}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert snapshot() == before
    assert client.get("/projects/catalogue/").status_code == 200
