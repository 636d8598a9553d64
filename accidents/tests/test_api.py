"""/api/v1/accidents: the bodies a client sees (201/200 with the record and its history), the
filters and pagination, and every 4xx: 403 for a role, 404 out of scope, 409 for a voided
record, 422 with Chinese messages and the field at fault, 401 without credentials. A refused
request changes nothing; no request is a server error."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accidents import services
from accidents.models import AccidentCase
from accidents.tests.conftest import (
    external_data,
    has_chinese,
    local_data,
    recently,
    snapshot,
)
from accounts.roles import Role
from conftest import post_json

URL = "/api/v1/accidents"
HUGE = "99999999999999999999"
ADMIN, TOWN, OFFICER = Role.COUNTY_ADMIN, Role.TOWN_SUPERVISOR, Role.ENFORCEMENT_OFFICER


def test_create_answers_the_record_with_its_history(api, enterprise_a):
    response = post_json(api(TOWN), URL, local_data(enterprise_a, direct_loss="1000"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["enterprise_id"] == enterprise_a.pk
    assert body["enterprise_name"] == enterprise_a.name
    assert body["industry"] == "machinery" and body["sector_tags"] == ["foundry"]
    assert (body["category"], body["category_label"]) == ("machinery", "机械伤害")
    assert (body["level"], body["level_label"]) == ("larger", "较大事故")
    assert body["direct_loss"] == "1000.00"
    assert body["recorded_by"] == "town_a_supervisor"
    assert body["voided_at"] is None
    assert [e["action"] for e in body["events"]] == ["recorded"]
    assert body["events"][0]["action_label"] == "登记"


def test_patch_and_void(api, enterprise_a):
    caller = api(ADMIN)
    accident = post_json(caller, URL, local_data(enterprise_a)).json()
    url = f"{URL}/{accident['id']}"
    response = post_json(caller, url, {"deaths": 30, "note": "核实"}, "patch")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["level"] == "especially_major"
    correction = body["events"][-1]
    assert correction["action"] == "corrected" and correction["note"] == "核实"
    assert correction["fields"]["deaths"] == {"label": "死亡人数", "from": "0", "to": "30"}
    # direct_loss: null clears an assessment (not yet assessed)
    post_json(caller, url, {"direct_loss": "20"}, "patch")
    cleared = post_json(caller, url, {"direct_loss": None}, "patch").json()
    assert cleared["direct_loss"] is None
    voided = post_json(caller, f"{url}/void", {"reason": "重复登记"})
    assert voided.status_code == 200
    assert voided.json()["void_reason"] == "重复登记"
    assert voided.json()["events"][-1]["action_label"] == "作废"
    before = snapshot()
    again = post_json(caller, f"{url}/void", {"reason": "再次"})
    assert again.status_code == 409 and "已作废" in again.json()["detail"]
    patch = post_json(caller, url, {"deaths": 1}, "patch")
    assert patch.status_code == 409
    assert snapshot() == before


def test_refusals_name_the_field(api, enterprise_a, enterprise_b):
    before = snapshot()
    cases = [
        (TOWN, external_data(), 403, "source"),
        (TOWN, local_data(enterprise_b), 404, "enterprise_id"),
        (ADMIN, local_data(enterprise_a, enterprise_id=None), 422, "enterprise_id"),
        (ADMIN, external_data(enterprise_id=enterprise_a.pk), 422, "enterprise_id"),
        (ADMIN, local_data(enterprise_a, is_near_miss=True), 422, "is_near_miss"),
        (ADMIN, local_data(enterprise_a, occurred_at=timezone.now() + timedelta(hours=1)),
         422, "occurred_at"),
        (ADMIN, local_data(enterprise_a, category="dust"), 422, "category"),
        (ADMIN, external_data(location=""), 422, "location"),
        (ADMIN, external_data(industry="steel"), 422, "industry"),
        (ADMIN, external_data(sector_tags=["nope"]), 422, "sector_tags"),
    ]  # fmt: skip
    for role, payload, status, field in cases:
        response = post_json(api(role), URL, payload)
        assert response.status_code == status, (field, response.content)
        body = response.json()
        assert has_chinese(body["detail"])
        assert body["errors"] == {field: [body["detail"]]}
    assert snapshot() == before


def test_pydantic_refusals_are_chinese_422(api, enterprise_a):
    before = snapshot()
    for changes in (
        {"deaths": -1},
        {"serious_injuries": "many"},
        {"direct_loss": "1.234"},
        {"direct_loss": "-5"},
        {"occurred_at": "yesterday"},
        {"enterprise_id": -3},
        {"sector_tags": "foundry"},
        {"title": "长" * 201},
        {"summary": "经过\x00"},
    ):
        response = post_json(api(ADMIN), URL, local_data(enterprise_a, **changes))
        assert response.status_code == 422, (changes, response.content)
        assert response.json()["detail"] == "请求数据有误"
        assert has_chinese(response.json()["errors"][0]["message"])
        assert response.json()["errors"][0]["field"].split(".")[0] in changes
    for missing in ("source", "title", "occurred_at", "category", "summary"):
        payload = local_data(enterprise_a)
        del payload[missing]
        response = post_json(api(ADMIN), URL, payload)
        assert response.status_code == 422
        assert response.json()["errors"][0] == {"field": missing, "message": "缺少必填字段"}
    assert snapshot() == before


def test_the_source_is_not_changed_by_patch(api, world):
    before = snapshot()
    response = post_json(api(ADMIN), f"{URL}/{world['a'].pk}", {"source": "external"}, "patch")
    assert response.status_code == 422
    assert response.json()["errors"] == {"source": [response.json()["detail"]]}
    assert snapshot() == before


def test_void_needs_a_reason(api, world):
    before = snapshot()
    for body in ({}, {"reason": ""}, {"reason": "  "}, {"reason": "\x00"}, {"reason": 5}):
        response = post_json(api(ADMIN), f"{URL}/{world['a'].pk}/void", body)
        assert response.status_code == 422, (body, response.content)
    assert snapshot() == before


def test_the_list_filters_and_pages(api, world, town_a):
    caller = api(ADMIN)

    def titles(query=""):
        response = caller.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        body = response.json()
        return [item["title"] for item in body["items"]], body["count"]

    everything, count = titles()
    assert count == 4  # a, a2, b, ext: not the other county's
    assert titles("source=external") == ([world["ext"].title], 1)
    assert titles("level=larger") == ([world["ext"].title], 1)
    assert titles(f"town={town_a.pk}")[1] == 2
    assert titles(f"enterprise={world['b'].enterprise_id}") == ([world["b"].title], 1)
    assert titles("q=纺织")[0] == [world["a2"].title]
    assert titles(f"year={timezone.localdate().year - 5}") == ([], 0)
    page, total = titles("limit=2&offset=1")
    assert total == 4 and page == everything[1:3]
    services.void(world["a"].recorded_by, world["a"], "重复")
    assert titles()[1] == 3
    assert titles("voided=1") == ([world["a"].title], 1)
    assert titles("voided=all")[1] == 4


def test_the_list_is_newest_first(api, users, enterprise_a):
    admin = users[ADMIN]
    for days in (40, 10, 25):
        services.record(
            admin, local_data(enterprise_a, title=f"{days}天前", occurred_at=recently(days))
        )
    items = api(ADMIN).get(URL).json()["items"]
    assert [item["title"] for item in items] == ["10天前", "25天前", "40天前"]


def test_credentials(client, world):
    assert client.get(URL).status_code == 401
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer aj_nope").status_code == 401
    response = post_json(client, URL, external_data())
    assert response.status_code == 401
    assert AccidentCase.objects.count() == 5


LONG = "长" * 300
NUL = "\x00"
NO_500 = [
    ("get", "/abc", None),
    ("get", f"/{HUGE}", None),
    ("get", "/-1", None),
    ("get", f"?town={HUGE}", None),
    ("get", f"?enterprise={HUGE}", None),
    ("get", f"?year={HUGE}", None),
    ("get", "?year=-5", None),
    ("get", "?q=%00", None),
    ("get", "?q=" + "高" * 500, None),
    ("get", "?source=%00&level=%00&category=%00&voided=%00", None),
    ("get", f"?limit={HUGE}", None),
    ("get", f"?offset={HUGE}", None),
    ("delete", "/{pk}", None),
    ("put", "/{pk}", "{}"),
    ("patch", "/{pk}", "{not json"),
    ("patch", "/{pk}", "[1]"),
    ("patch", "/{pk}", "null"),
    ("patch", "/{pk}", {"deaths": None}),
    ("patch", "/{pk}", {"title": None}),
    ("patch", "/{pk}", {"occurred_at": "0001-01-01T00:00:00+14:00"}),
    ("patch", "/{pk}", {"occurred_at": "99999-01-01T00:00:00"}),
    ("patch", "/{pk}", {"enterprise_id": int(HUGE)}),
    ("patch", "/{pk}", {"direct_loss": "NaN"}),
    ("patch", "/{pk}", {"direct_loss": "Infinity"}),
    ("patch", "/{pk}", {"direct_loss": 1e20}),
    ("patch", "/{pk}", {"deaths": 10**12}),
    ("patch", "/{pk}", {"location": LONG}),
    ("patch", "/{pk}", {"cause": NUL}),
    ("patch", "/{pk}", {"sector_tags": [NUL]}),
    ("patch", "/{pk}", {"sector_tags": [1, 2]}),
    ("patch", "/{pk}", {"category": NUL}),
    ("patch", f"/{HUGE}", {"deaths": 1}),
    ("post", "", ""),
    ("post", "", "x=1"),
    ("post", "", {"source": "local"}),
    ("post", "/{pk}/void", "{bad"),
    ("post", "/{pk}/void", {"reason": LONG * 10}),
    ("post", f"/{HUGE}/void", {"reason": "重复"}),
    ("post", "/abc/void", {"reason": "重复"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), NO_500, ids=[f"{n}-{c[0]}" for n, c in enumerate(NO_500)]
)
def test_no_request_is_a_server_error(api, world, method, path, body):
    url = URL + path.replace("{pk}", str(world["a"].pk))
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    before = snapshot()
    kwargs = {} if body is None else {"data": body, "content_type": "application/json"}
    response = getattr(api(ADMIN), method)(url, **kwargs)
    assert response.status_code < 500, response.content[:300]
    if method != "get":
        assert response.status_code >= 400, response.content[:300]
        assert snapshot() == before
        if response.get("Content-Type", "").startswith("application/json"):
            assert has_chinese(response.json()["detail"])


def test_the_openapi_document_lists_the_endpoints(client, users):
    client.force_login(users[ADMIN])
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths[URL]) == {"get", "post"}
    assert set(paths[URL + "/{accident_id}"]) == {"get", "patch"}
    assert set(paths[URL + "/{accident_id}/void"]) == {"post"}
