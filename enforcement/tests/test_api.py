"""The draw API: create, detail, verify, publish; refusals answer 4xx with the Chinese reason
and change nothing."""

import pytest

from accounts.roles import Role
from conftest import client_for
from enforcement.models import AssignmentInspector, Draw


@pytest.fixture
def api(client, users, inspectors, many_enterprises):
    return client_for(client, users[Role.ENFORCEMENT_OFFICER])


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_create_verify_publish(api):
    created = _post(api, "/api/v1/draws", {"name": "接口抽查", "enterprise_count": 4, "seed": "s1"})
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["seed"] == "s1" and data["pool_size"] == 23 and data["inspector_count"] == 6
    assert len(data["assignments"]) == 4
    for assignment in data["assignments"]:
        assert len(assignment["inspectors"]) == 2
        assert set(assignment["inspectors"][0]) == {"id", "name", "badge_number"}
    verify = _post(api, f"/api/v1/draws/{data['id']}/verify", {})
    assert verify.json() == {"ok": True, "problems": []}
    AssignmentInspector.objects.filter(assignment__draw_id=data["id"]).first().delete()
    broken = _post(api, f"/api/v1/draws/{data['id']}/verify", {}).json()
    assert broken["ok"] is False and broken["problems"]
    published = _post(api, f"/api/v1/draws/{data['id']}/publish", {})
    assert published.json()["published"] is True
    assert _post(api, f"/api/v1/draws/{data['id']}/publish", {}).status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"name": "多", "enterprise_count": 24}, 422, "超过符合条件的企业数（23）"),
        (
            {"name": "少", "enterprise_count": 2, "inspectors_per_enterprise": 1},
            422,
            "不得少于 2 名",
        ),
        ({"name": "人", "enterprise_count": 2, "inspectors_per_enterprise": 7}, 422, "仅有 6 名"),
        ({"name": "计划", "enterprise_count": 2, "plan_id": 99999}, 404, "执法计划不存在"),
        (
            {"name": "行业", "enterprise_count": 2, "filters": {"industry": "x"}},
            422,
            "行业代码无效",
        ),
        ({"name": "\x00", "enterprise_count": 2}, 422, "请求数据有误"),
        ({"enterprise_count": 2}, 422, "请求数据有误"),
        ([1, 2], 422, "请求数据有误"),
    ],
)
def test_refusals(api, body, status, reason):
    response = _post(api, "/api/v1/draws", body)
    assert response.status_code == status, response.content
    assert reason in response.json()["detail"]
    assert not Draw.objects.exists()


def test_unknown_draw_is_404(api):
    assert api.get("/api/v1/draws/999999").status_code == 404
    assert _post(api, "/api/v1/draws/999999/verify", {}).status_code == 404
