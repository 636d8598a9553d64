"""The dashboard, its drill-down, export and API for every role: a node outside the user's scope
is a 404; roles without targets.view a 403; the figures are the snapshots'."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from accounts.roles import Role, can
from conftest import bearer, client_for
from core.models import Jurisdiction
from hazards.models import Hazard
from hazards.states import Source, State
from targets import services
from targets.models import Period, Snapshot

ROLES = list(Role)


@pytest.fixture
def figures(users, county, town_a, town_b, enterprise_a, enterprise_b, far_enterprise):
    Hazard.objects.create(
        enterprise=enterprise_a,
        source=Source.ENFORCEMENT,
        description="除尘系统未设置泄爆装置",
        found_on=date(2024, 5, 1),
        found_by="张检查",
        is_major=True,
        major_reason="测试",
        state=State.CONFIRMED,
    )
    services.refresh_live()
    return services


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_for_every_role(client, users, figures, role, county, town_a):
    user = users[role]
    response = client_for(client, user).get("/targets/")
    if not can(user, "targets.view"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    # Each at their own node: the province, the city, the county or the town.
    assert response.context["node"] == user.jurisdiction
    body = response.content.decode()
    assert "超过1月31日未整改的重大事故隐患" in body and "任务6" in body


@pytest.mark.parametrize("path", ["/targets/", "/targets/export/", "/targets/gaps/majors_overdue/"])
def test_a_node_outside_scope_is_not_found(client, users, figures, town_b, far_enterprise, path):
    far_county = Jurisdiction.objects.get(pk=far_enterprise.jurisdiction.parent_id)
    town = client_for(client, users[Role.TOWN_SUPERVISOR])
    assert town.get(f"{path}?node={town_b.pk}").status_code == 404
    assert town.get(f"{path}?node=abc").status_code == 404
    county = client_for(client, users[Role.SUPERVISOR])
    assert county.get(f"{path}?node={far_county.pk}").status_code == 404
    assert county.get(f"{path}?node={town_b.pk}").status_code == 200


def test_the_county_sees_its_towns_and_the_overdue_major(client, users, figures, county, town_a):
    response = client_for(client, users[Role.SUPERVISOR]).get("/targets/")
    line = next(x for x in response.context["board"].lines if x.measure.key == "majors_overdue")
    assert line.now.value == 1 and line.now.light == "red"
    assert [n.name for n in response.context["board"].children] == ["赵寨子镇", "清平镇"]
    gaps = client.get(f"/targets/gaps/majors_overdue/?node={town_a.pk}")
    assert [e.name for e in gaps.context["page"]] == ["高唐县精工铸造有限公司"]
    town_level = client.get("/targets/gaps/remote_capability/")
    assert town_level.status_code == 200 and town_level.context["page"] is None
    # Each measure's page draws its own trend: a count on its own scale.
    chart = gaps.context["chart"]
    assert chart["title"] == "超过1月31日未整改的重大事故隐患走势" and chart["percent"] is False
    assert [s["data"][-1] for s in chart["series"]] == [1.0]
    assert town_level.context["chart"]["percent"] is True
    assert client.get("/targets/gaps/nonsense/").status_code == 404


def test_export_holds_every_table(client, users, figures):
    response = client_for(client, users[Role.SUPERVISOR]).get("/targets/export/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[1:] == ["下级区划指标", "下级区划状态", "年末指标"]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    overdue = next(r for r in rows if r[0] == "超过1月31日未整改的重大事故隐患")
    assert overdue[2] == 1 and overdue[6] == "未达标"
    towns = list(book["下级区划指标"].iter_rows(values_only=True))
    assert [r[0] for r in towns[1:]] == ["赵寨子镇", "清平镇"]


def test_refresh_is_the_bureaus(client, users, figures):
    assert (
        client_for(client, users[Role.TOWN_SUPERVISOR]).post("/targets/refresh/").status_code == 403
    )
    response = client_for(client, users[Role.SUPERVISOR]).post("/targets/refresh/")
    assert response.status_code == 302
    assert Snapshot.objects.filter(period=Period.LIVE).exists()


@pytest.mark.parametrize("role", ROLES)
def test_api_for_every_role(users, figures, role, town_b):
    client = bearer(users[role])
    response = client.get("/api/v1/targets")
    if not can(users[role], "targets.view"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    data = response.json()
    keys = [m["key"] for m in data["measures"]]
    assert "connect" in keys and "zero_penalty" in keys
    overdue = next(m for m in data["measures"] if m["key"] == "majors_overdue")
    assert overdue["value"] == 1 and overdue["light"] == "red"
    if role == Role.TOWN_SUPERVISOR:
        assert client.get(f"/api/v1/targets?node={town_b.pk}").status_code == 404
    else:
        assert client.get(f"/api/v1/targets?node={town_b.pk}").status_code == 200


def test_api_refuses_bad_input(users, figures):
    client = bearer(users[Role.SUPERVISOR])
    assert client.get("/api/v1/targets?year=1999").status_code == 422
    assert client.get("/api/v1/targets?node=99999999999999999999").status_code == 422
    assert client.get("/api/v1/targets?node=999999").status_code == 404
