"""The enterprise API under /api/v1/: bearer tokens and sessions, filters and pagination, pinyin
search, create and partial update, Chinese 422s for bad data, the OpenAPI document and the
locally served Swagger UI."""

import json
import re

import pytest
from django.test import Client

from accounts.roles import Role
from accounts.services import create_token, revoke_token
from conftest import client_for, make_code, make_enterprise, post_json
from enterprises.models import Enterprise

URL = "/api/v1/enterprises"


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def admin(users):
    return users[Role.COUNTY_ADMIN]


@pytest.fixture
def token(admin):
    _, raw = create_token(admin, "数据对接")
    return raw


@pytest.fixture
def api(token):
    """A client that authenticates only with the bearer token (no session, CSRF enforced)."""
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def patch_json(client, url, payload):
    return client.patch(url, json.dumps(payload), content_type="application/json")


def valid_payload(town, **extra):
    payload = {
        "credit_code": make_code(70),
        "name": "高唐县恒通机械制造有限公司",
        "address": "高唐县赵寨子镇工业路8号",
        "jurisdiction_id": town.pk,
        "industry": "machinery",
        "employee_count": 45,
        "principal_name": "孙立新",
        "principal_phone": "13612345678",
    }
    payload.update(extra)
    return payload


def ids(response):
    return [item["id"] for item in response.json()["items"]]


# --- reading ---------------------------------------------------------------------------------


def test_list_with_bearer_token(api, enterprise_a, enterprise_a2, enterprise_b):
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert set(ids(response)) == {enterprise_a.pk, enterprise_a2.pk, enterprise_b.pk}
    item = next(i for i in body["items"] if i["id"] == enterprise_a.pk)
    assert item["name"] == "高唐县精工铸造有限公司"
    assert item["sector_tags"] == ["foundry"]
    assert item["jurisdiction_name"] == "赵寨子镇"


def test_responses_carry_readable_chinese(api, enterprise_a):
    assert "高唐县精工铸造有限公司".encode() in api.get(f"{URL}/{enterprise_a.pk}").content


def test_list_with_session(client, users, enterprise_a):
    client_for(client, users[Role.SUPERVISOR])
    response = client.get(URL)
    assert response.status_code == 200
    assert enterprise_a.pk in ids(response)


def test_list_paginates_with_limit_and_offset(api, town_a, users):
    for serial in range(10, 17):
        make_enterprise(town_a, serial=serial, name=f"高唐县第{serial}机械厂")
    total = Enterprise.objects.count()
    assert total == 10

    first = api.get(URL, {"limit": 4, "offset": 0}).json()
    second = api.get(URL, {"limit": 4, "offset": 4}).json()
    last = api.get(URL, {"limit": 4, "offset": 8}).json()
    beyond = api.get(URL, {"limit": 4, "offset": 40}).json()
    assert [first["count"], second["count"], last["count"], beyond["count"]] == [total] * 4
    assert [len(first["items"]), len(second["items"]), len(last["items"])] == [4, 4, 2]
    assert beyond["items"] == []
    seen = [item["id"] for page in (first, second, last) for item in page["items"]]
    assert sorted(seen) == sorted(Enterprise.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "offset=-1", "limit=abc"])
def test_bad_pagination_is_a_chinese_422(api, enterprise_a, query):
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert has_chinese(response.json()["errors"][0]["message"])


def test_list_filters(api, enterprise_a, enterprise_a2, enterprise_b, town_a, town_b, grid_a2):
    Enterprise.objects.filter(pk=enterprise_b.pk).update(status="suspended")

    def found(**params):
        response = api.get(URL, params)
        assert response.status_code == 200
        assert response.json()["count"] == len(response.json()["items"])
        return set(ids(response))

    a, a2, b = enterprise_a.pk, enterprise_a2.pk, enterprise_b.pk
    assert found(industry="textile") == {a2}
    assert found(town=town_a.pk) == {a, a2}
    assert found(town=grid_a2.pk) == {a2}
    assert found(town=town_b.pk) == {b}
    assert found(tag="foundry") == {a}
    assert found(status="suspended") == {b}
    assert found(status="operating") == {a, a2}
    assert found(industry="machinery", town=town_b.pk) == set()
    assert found(q="纺织") == {a2}
    assert found(q=enterprise_b.credit_code[:12]) >= {b}
    assert found(q=enterprise_b.credit_code) == {b}


def test_invalid_filter_values_are_ignored_not_errors(
    api, enterprise_a, enterprise_a2, enterprise_b
):
    everything = {enterprise_a.pk, enterprise_a2.pk, enterprise_b.pk}
    for params in [{"status": "bogus"}, {"tag": "no-such-tag"}, {"town": 987654}]:
        response = api.get(URL, params)
        assert response.status_code == 200, params
        assert set(ids(response)) == everything, params


def test_a_non_integer_town_is_a_422(api, enterprise_a):
    response = api.get(URL, {"town": "abc"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "应为整数"


@pytest.mark.parametrize("q", ["gtxj", "GTXJ", "gtxjgz", "jgzz"])
def test_pinyin_initials_search(api, enterprise_a, enterprise_a2, enterprise_b, q):
    response = api.get(URL, {"q": q})
    assert [item["name"] for item in response.json()["items"]] == ["高唐县精工铸造有限公司"]


def test_detail(api, enterprise_a, grid_a):
    response = api.get(f"{URL}/{enterprise_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["credit_code"] == enterprise_a.credit_code
    assert body["grid_id"] == grid_a.pk
    assert body["employee_count"] == 120
    assert body["status"] == "operating"


def test_detail_of_a_missing_enterprise_is_a_chinese_404(api, enterprise_a):
    response = api.get(f"{URL}/987654")
    assert response.status_code == 404
    assert response.json()["detail"] == "对象不存在"


# --- writing ---------------------------------------------------------------------------------


def test_create_with_sector_tag_codes(api, town_a, grid_a, admin):
    payload = valid_payload(town_a, grid_id=grid_a.pk, sector_tags=["foundry", "spray_painting"])
    response = post_json(api, URL, payload)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    created = Enterprise.objects.get(pk=body["id"])
    assert created.name == "高唐县恒通机械制造有限公司"
    assert created.grid == grid_a
    assert sorted(created.sector_tags.values_list("code", flat=True)) == [
        "foundry",
        "spray_painting",
    ]
    assert sorted(body["sector_tags"]) == ["foundry", "spray_painting"]
    # Fields left out take the model's defaults.
    assert (created.status, created.standardization, created.above_scale) == (
        "operating",
        "none",
        False,
    )
    assert created.name_initials.startswith("gtxhtjx")


def test_create_normalises_a_lower_case_credit_code(api, town_a):
    payload = valid_payload(town_a, credit_code=make_code(71).lower())
    response = post_json(api, URL, payload)
    assert response.status_code == 201
    assert response.json()["credit_code"] == make_code(71)


def test_create_with_a_duplicate_credit_code_is_a_422(api, town_a, enterprise_a):
    count = Enterprise.objects.count()
    response = post_json(api, URL, valid_payload(town_a, credit_code=enterprise_a.credit_code))
    assert response.status_code == 422
    assert has_chinese(response.json()["errors"]["credit_code"][0])
    assert Enterprise.objects.count() == count


def test_patch_changes_only_the_given_fields(api, enterprise_a, town_a, grid_a):
    before = api.get(f"{URL}/{enterprise_a.pk}").json()
    response = patch_json(api, f"{URL}/{enterprise_a.pk}", {"employee_count": 200})
    assert response.status_code == 200
    after = response.json()
    assert after["employee_count"] == 200
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"employee_count", "updated_at"}
    enterprise_a.refresh_from_db()
    assert enterprise_a.employee_count == 200
    assert (enterprise_a.jurisdiction, enterprise_a.grid) == (town_a, grid_a)
    assert list(enterprise_a.sector_tags.values_list("code", flat=True)) == ["foundry"]


def test_patch_sector_tags_replaces_them(api, enterprise_a):
    response = patch_json(api, f"{URL}/{enterprise_a.pk}", {"sector_tags": ["labor_intensive"]})
    assert response.status_code == 200
    assert response.json()["sector_tags"] == ["labor_intensive"]
    assert response.json()["industry"] == "machinery"


def test_patch_grid_to_null_leaves_the_enterprise_in_its_town(api, enterprise_a, town_a):
    response = patch_json(api, f"{URL}/{enterprise_a.pk}", {"grid_id": None})
    assert response.status_code == 200
    enterprise_a.refresh_from_db()
    assert enterprise_a.grid is None
    assert enterprise_a.scope_path == town_a.path


# --- refusing bad data -----------------------------------------------------------------------


def _assert_chinese_422_and_nothing_created(response, count):
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert has_chinese(body["detail"])
    errors = body["errors"]
    messages = (
        [m for msgs in errors.values() for m in msgs]
        if isinstance(errors, dict)
        else [e["message"] for e in errors]
    )
    assert messages
    assert all(has_chinese(m) for m in messages), messages
    assert Enterprise.objects.count() == count
    return errors


def test_bad_credit_code_check_character_is_refused(api, town_a, users):
    count = Enterprise.objects.count()
    good = make_code(70)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    errors = _assert_chinese_422_and_nothing_created(
        post_json(api, URL, valid_payload(town_a, credit_code=bad)), count
    )
    assert errors["credit_code"] == ["统一社会信用代码校验位不正确，请核对"]


def test_a_string_for_employee_count_is_refused(api, town_a, users):
    count = Enterprise.objects.count()
    errors = _assert_chinese_422_and_nothing_created(
        post_json(api, URL, valid_payload(town_a, employee_count="很多")), count
    )
    assert errors == [{"field": "employee_count", "message": "应为整数"}]


def test_a_missing_required_field_is_refused(api, town_a, users):
    count = Enterprise.objects.count()
    payload = valid_payload(town_a)
    del payload["name"]
    errors = _assert_chinese_422_and_nothing_created(post_json(api, URL, payload), count)
    assert errors == [{"field": "name", "message": "缺少必填字段"}]


def test_a_blank_required_field_is_refused(api, town_a, users):
    count = Enterprise.objects.count()
    errors = _assert_chinese_422_and_nothing_created(
        post_json(api, URL, valid_payload(town_a, principal_phone="12345")), count
    )
    assert "principal_phone" in errors


@pytest.mark.parametrize("body", ["{not json", '{"name": "高唐县', "", "[1, 2]", "null"])
def test_a_body_that_is_not_a_json_object_is_refused(api, users, body):
    count = Enterprise.objects.count()
    _assert_chinese_422_and_nothing_created(post_json(api, URL, body), count)


def test_malformed_json_patch_is_refused_and_changes_nothing(api, enterprise_a):
    response = api.patch(
        f"{URL}/{enterprise_a.pk}", '{"name": "改名', content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "JSON 格式错误"
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "高唐县精工铸造有限公司"


def test_invalid_patch_changes_nothing(api, enterprise_a):
    response = patch_json(
        api, f"{URL}/{enterprise_a.pk}", {"name": "新名称", "credit_code": "91371526ABC"}
    )
    assert response.status_code == 422
    assert has_chinese(response.json()["errors"]["credit_code"][0])
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "高唐县精工铸造有限公司"


def test_an_out_of_range_number_is_a_422_not_a_500(api, enterprise_a):
    response = patch_json(api, f"{URL}/{enterprise_a.pk}", {"employee_count": -5})
    assert response.status_code == 422
    response = patch_json(api, f"{URL}/{enterprise_a.pk}", {"longitude": 1e12, "latitude": 1})
    assert response.status_code == 422
    enterprise_a.refresh_from_db()
    assert enterprise_a.longitude is None


# --- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Bearer aj_not-a-real-token", "Bearer ", "Bearer nonsense", "Token abc", "Basic Zm9vOmJhcg=="],
)
def test_a_bad_token_is_a_401(enterprise_a, header):
    response = Client(HTTP_AUTHORIZATION=header).get(URL)
    assert response.status_code == 401
    assert has_chinese(response.json()["detail"])


def test_a_revoked_token_is_a_401(admin, enterprise_a):
    token, raw = create_token(admin, "临时")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(URL).status_code == 200
    revoke_token(admin, token.pk)
    response = client.get(URL)
    assert response.status_code == 401
    assert has_chinese(response.json()["detail"])


def test_the_token_of_a_deactivated_user_is_a_401(admin, token, enterprise_a):
    admin.is_active = False
    admin.save()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(URL)
    assert response.status_code == 401


def test_a_bearer_token_needs_no_csrf_token_but_a_session_does(api, client, users, town_a):
    assert post_json(api, URL, valid_payload(town_a)).status_code == 201

    session = Client(enforce_csrf_checks=True)
    session.force_login(users[Role.SUPERVISOR])
    payload = valid_payload(town_a, credit_code=make_code(72), name="高唐县会话登记有限公司")
    response = post_json(session, URL, payload)
    assert response.status_code == 403
    assert not Enterprise.objects.filter(name="高唐县会话登记有限公司").exists()

    session.get("/enterprises/")  # sets the CSRF cookie, as the app's own pages do
    csrf = session.cookies["csrftoken"].value
    response = session.post(
        URL, json.dumps(payload), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201


def test_token_last_used_is_recorded(admin, token, api, enterprise_a):
    api.get(URL)
    assert admin.api_tokens.get().last_used_at is not None


# --- documentation ---------------------------------------------------------------------------


def test_openapi_document_lists_the_enterprise_paths(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert set(paths["/api/v1/enterprises"]) == {"get", "post"}
    assert set(paths["/api/v1/enterprises/{enterprise_id}"]) == {"get", "patch"}
    assert document["info"]["title"] == "安监平台 API"


def test_swagger_ui_is_served_from_local_static_files(client, users):
    client_for(client, users[Role.SUPERVISOR])
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assert not re.search(r"https?://", html), "the docs page must not load anything remote"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        asset.close()


# --- nothing is a 500 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/enterprises/abc", None),
        ("get", "/api/v1/enterprises/99999999999999999999", None),
        ("get", "/api/v1/enterprises/-1", None),
        ("get", "/api/v1/enterprises?town=99999999999999999999", None),
        ("get", "/api/v1/enterprises?q=" + "高" * 500, None),
        ("get", "/api/v1/enterprises?q=%00", None),
        ("get", "/api/v1/enterprises?limit=100000", None),
        ("get", "/api/v1/enterprises?limit=99999999999999999999", None),
        ("get", "/api/v1/enterprises?offset=99999999999999999999", None),
        ("get", "/api/v1/enterprises?offset=9223372036854775800&limit=100", None),
        ("get", "/api/v1/nothing-here", None),
        ("delete", "/api/v1/enterprises/{pk}", None),
        ("put", "/api/v1/enterprises/{pk}", "{}"),
        ("post", "/api/v1/enterprises/{pk}", "{}"),
        ("patch", "/api/v1/enterprises/{pk}", '{"employee_count": 99999999999999999999}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"jurisdiction_id": 99999999999999999999}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"sector_tags": "foundry"}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"sector_tags": ["no-such-tag"]}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"longitude": "east"}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"name": null}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"name": "' + "长" * 300 + '"}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"unknown": 1}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"status": "bogus"}'),
        ("patch", "/api/v1/enterprises/{pk}", '{"credit_code": "\\u0000"}'),
        ("post", "/api/v1/enterprises", '{"sector_tags": [1, 2]}'),
        ("post", "/api/v1/enterprises", "x=1&y=2"),
    ],
)
def test_no_path_is_a_server_error(api, enterprise_a, method, path, body):
    path = path.replace("{pk}", str(enterprise_a.pk))
    count = Enterprise.objects.count()
    kwargs = {} if body is None else {"data": body, "content_type": "application/json"}
    response = getattr(api, method)(path, **kwargs)
    assert response.status_code < 500, response.content[:300]
    assert Enterprise.objects.count() == count


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.TOWN_SUPERVISOR])
def test_who_edits_every_field_is_enterprise_edit_all(client, users, enterprise_a, role):
    """An enterprise's own users change only their contact facts (a 403 naming the rest); the
    bureau's and the town's editors (PERMISSIONS' enterprise.edit_all) change any field."""
    client_for(client, users[role])
    response = patch_json(
        client, f"{URL}/{enterprise_a.pk}", {"address": "新地址1号", "industry": "textile"}
    )
    enterprise_a.refresh_from_db()
    if role == Role.TOWN_SUPERVISOR:
        assert response.status_code == 200
        assert enterprise_a.industry == "textile"
    else:
        assert response.status_code == 403
        assert "industry" in response.json()["detail"]
        assert enterprise_a.industry == "machinery"
