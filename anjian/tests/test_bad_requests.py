"""Integers a database column cannot hold and bodies that are not JSON objects, on every kind of
endpoint: a Chinese 422 (or a 404 for an id that cannot exist), never a 500, and nothing acted
on."""

import json

import pytest
from django.utils import timezone

from accounts.roles import Role
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest
from monitoring.models import Alarm

BEYOND_64_BITS = str(2**64)


@pytest.fixture
def admin(api):
    return api(Role.COUNTY_ADMIN)


QUERIES = [
    "/alarms?enterprise={n}",
    "/penalties?enterprise={n}",
    "/penalties?year={n}",
    "/inspections?enterprise={n}",
    "/commitments?enterprise={n}",
    "/commitments?town={n}",
    "/commitments/breaches?enterprise={n}",
    "/hazards?enterprise={n}",
    "/hazards?town={n}",
    "/enterprises?town={n}",
    "/grades?town={n}",
    "/accidents?year={n}",
    "/accidents?enterprise={n}",
    "/points/1/readings?limit={n}",
    "/inspection-statistics?year={n}",
]


@pytest.mark.parametrize("query", QUERIES)
def test_an_integer_filter_beyond_64_bits_is_a_chinese_422(admin, query):
    response = admin.get("/api/v1" + query.format(n=BEYOND_64_BITS))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "请求数据有误"
    assert body["errors"][0]["message"] == "数值过大"


PATHS = [
    "/enterprises/{n}",
    "/hazards/{n}",
    "/grades/{n}",
    "/alarms/{n}",
    "/points/{n}/readings",
    "/draws/{n}",
    "/plans/{n}",
    "/penalties/{n}",
    "/inspections/{n}",
    "/inspections/1/documents/{n}",
    "/accidents/{n}",
    "/commitments/{n}",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("number", [BEYOND_64_BITS, "0"])
def test_a_path_id_that_cannot_exist_is_a_json_4xx(admin, path, number):
    response = admin.get("/api/v1" + path.format(n=number))
    assert response.status_code in (404, 422), response.content
    assert response.json()["detail"]


BODY_IDS = [
    ("/hazards", {"enterprise_id": 2**64, "source": "other", "description": "积水"}),
    ("/penalties", {"enterprise_id": 2**64, "violation": "x", "legal_basis": "y"}),
    ("/inspections", {"enterprise_id": 2**64, "kind": "on_site"}),
    ("/draws", {"name": "抽查", "enterprise_count": 1, "plan_id": 2**64}),
    ("/commitments", {"kind": "zero_out", "committer_name": "王", "enterprise_id": 2**64}),
]


@pytest.mark.parametrize(("path", "body"), BODY_IDS)
def test_an_id_beyond_64_bits_in_a_body_is_a_chinese_422(admin, path, body):
    response = admin.post("/api/v1" + path, json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content
    assert "数值过大" in json.dumps(response.json(), ensure_ascii=False)


@pytest.fixture
def alarm(users, enterprise_a):
    gateway = make_gateway(enterprise_a, "GW-BAD")
    make_point(gateway, "al9", "airlock_fault")
    now = timezone.now()
    ingest(gateway, [{"point": "al9", "ts": now.isoformat(), "value": True}], now=now)
    return Alarm.objects.get(point__code="al9")


@pytest.mark.parametrize("body", ["[1,2,3]", "[]", "1", '"确认"', "null", "true"])
@pytest.mark.parametrize("action", ["acknowledge", "close"])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_body_that_is_not_an_object_acts_on_nothing(api, alarm, body, action, content_type):
    supervisor = api(Role.SUPERVISOR)  # who may act on the alarm
    response = supervisor.post(
        f"/api/v1/alarms/{alarm.pk}/{action}", body, content_type=content_type
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == "请求数据有误"
    assert response.json()["errors"] == [{"field": "", "message": "应为 JSON 对象"}]
    before = alarm.state
    alarm.refresh_from_db()
    assert alarm.state == before


@pytest.mark.parametrize("body", ["[1,2,3]", "null", "7"])
def test_every_kind_of_endpoint_refuses_a_body_that_is_not_an_object(admin, enterprise_a, body):
    for method, path in [
        ("patch", f"/enterprises/{enterprise_a.pk}"),
        ("post", "/warnings/1/review"),
        ("post", "/draws/1/publish"),
        ("post", "/plans/1/approve"),
    ]:
        response = getattr(admin, method)("/api/v1" + path, body, content_type="application/json")
        assert response.status_code == 422, (path, response.content)


def test_a_deeply_nested_body_is_not_a_server_error(api):
    nested = '{"note": ' + "[" * 100_000 + "]" * 100_000 + "}"
    for path in ["/draws/1/publish", "/hazards", "/plans/1/approve"]:
        response = api(Role.SUPERVISOR).post(
            "/api/v1" + path, nested, content_type="application/json"
        )
        assert 400 <= response.status_code < 500, (path, response.content)
