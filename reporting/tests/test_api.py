"""/api/v1/commitments: the lists and a commitment's detail per role (token or session), 404
outside scope and 403 for a role without the action, and every write with its 4xx answers in
Chinese and nothing changed: 401 without credentials, 403 role, 404 scope, 409 state, 422 data."""

import pytest

from accounts.roles import Role
from conftest import client_for, post_json
from reporting.models import CommitmentBreach, SafetyCommitment
from reporting.tests.conftest import days, post, this_year, today, world, zero_out
from reporting.tests.roles import BREACHERS, RECORDERS, REVOKERS, ROLES, SCOPE

URL = "/api/v1/commitments"
NAMES = {"高唐县精工铸造有限公司": "a", "山东鑫泰纺织有限公司": "a2", "清平木业有限公司": "b"}


def keys(response):
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["count"] == len(body["items"])
    return {NAMES[item["enterprise_name"]] for item in body["items"]}


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["", "/breaches"])
def test_lists_are_exactly_the_scope(client, api, users, commitments, role, auth, path):
    caller = api(role) if auth == "token" else client_for(client, users[role])
    response = caller.get(URL + path)
    if SCOPE[role] is None:
        assert response.status_code == 403
        assert has_chinese(response.json()["detail"])
        return
    assert keys(response) == SCOPE[role]


@pytest.mark.parametrize("role", ROLES)
def test_detail_is_found_only_in_scope(api, commitments, role):
    caller = api(role)
    for key, commitment in commitments["commitments"].items():
        response = caller.get(f"{URL}/{commitment.pk}")
        if SCOPE[role] is not None and key in SCOPE[role]:
            assert response.status_code == 200
            body = response.json()
            assert (body["kind"], body["status"], body["breach_count"]) == ("zero_out", "active", 1)
            [breach] = body["breaches"]
            assert breach["description"] == f"检查发现违反承诺（{key}）"
            assert [e["action"] for e in body["events"]] == ["recorded", "breach_recorded"]
        elif SCOPE[role] is None and key == "a":
            assert response.status_code == 403
        else:
            assert response.status_code == 404
            assert response.json() == {"detail": "对象不存在"}


def test_list_items_and_filters(api, users, commitments, enterprise_a, town_b, principal):
    from reporting import services

    future = post(enterprise_a, period_start=days(5))
    services.withdraw(principal, future.pk, reason="登记有误")
    caller = api(Role.SUPERVISOR)
    body = caller.get(URL, {"kind": "post"}).json()
    [item] = body["items"]
    assert (item["id"], item["status"], item["status_label"]) == (future.pk, "withdrawn", "已撤回")
    assert (item["title"], item["breach_count"], item["withdraw_reason"]) == (
        "岗位承诺",
        0,
        "登记有误",
    )
    assert keys(caller.get(URL, {"town": town_b.pk})) == {"b"}
    assert keys(caller.get(URL, {"enterprise": enterprise_a.pk})) == {"a"}
    assert keys(caller.get(URL, {"q": "鑫泰"})) == {"a2"}
    assert keys(caller.get(URL, {"status": "active"})) == {"a", "a2", "b"}
    assert caller.get(URL, {"status": "withdrawn"}).json()["count"] == 1
    assert keys(caller.get(URL, {"kind": "bogus"})) == {"a", "a2", "b"}  # ignored
    # Filters never widen the scope: a town the grid member cannot see is ignored.
    assert keys(api(Role.GRID_MEMBER).get(URL, {"town": town_b.pk})) == {"a"}
    assert keys(api(Role.GRID_MEMBER).get(URL, {"enterprise": future.enterprise_id})) == {"a"}


def test_breach_list_filters(api, commitments, county_supervisor):
    from reporting import services

    services.revoke_breach(county_supervisor, commitments["breaches"]["b"].pk, reason="误记")
    caller = api(Role.SUPERVISOR)
    assert keys(caller.get(f"{URL}/breaches")) == {"a", "a2"}
    revoked = caller.get(f"{URL}/breaches", {"revoked": "revoked"}).json()["items"]
    assert [(NAMES[b["enterprise_name"]], b["revoked"], b["revoke_reason"]) for b in revoked] == [
        ("b", True, "误记")
    ]
    assert keys(caller.get(f"{URL}/breaches", {"revoked": "all"})) == {"a", "a2", "b"}
    assert keys(caller.get(f"{URL}/breaches", {"cause": "reported"})) == {"a", "a2"}
    assert keys(caller.get(f"{URL}/breaches", {"cause": "overdue_major_hazard"})) == set()


def test_lists_paginate(api, enterprise_a):
    for n in range(7):
        post(enterprise_a, committer_name=f"员工{n}")
    caller = api(Role.SUPERVISOR)
    pages = [caller.get(URL, {"limit": 3, "offset": o}).json() for o in (0, 3, 6)]
    assert [p["count"] for p in pages] == [7, 7, 7]
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert caller.get(URL, {"limit": 0}).status_code == 422


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"town": "abc"}, "query.town", "应为整数"),
        ({"enterprise": "一"}, "query.enterprise", "应为整数"),
        ({"offset": -1}, "query.offset", "数值过小"),
    ],
)
def test_a_malformed_filter_is_a_chinese_422(api, params, field, message, db, users):
    response = api(Role.SUPERVISOR).get(URL, params)
    assert response.status_code == 422
    assert {"field": field, "message": message} in response.json()["errors"]


def test_no_credentials_is_a_401(client, db):
    assert client.get(URL).status_code == 401
    assert client.post(URL, "{}", content_type="application/json").status_code == 401


# --- writing -----------------------------------------------------------------------------------


def zero_out_payload(**changes):
    start, end = this_year()
    payload = {
        "kind": "zero_out",
        "committer_name": "王建国",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "signed_on": start.isoformat(),
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize("role", ROLES)
def test_who_records(api, users, enterprise_a, role):
    before = world()
    response = post_json(api(role), URL, zero_out_payload())
    if role in RECORDERS:
        assert response.status_code == 201
        body = response.json()
        assert (body["enterprise_id"], body["committer_post"]) == (enterprise_a.pk, "主要负责人")
        assert "动态清零" in body["content"]
        assert body["events"][0]["actor"] == users[role].display_name
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "您的角色不能登记安全承诺"}
        assert world() == before


def test_recording_for_another_enterprise_is_a_404(api, enterprise_b):
    before = world()
    response = post_json(api(Role.PRINCIPAL), URL, zero_out_payload(enterprise_id=enterprise_b.pk))
    assert response.status_code == 404
    assert world() == before


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        (zero_out_payload(kind="promise"), 422, "请选择承诺类型"),
        (zero_out_payload(kind="high_risk_work"), 422, "请选择高风险作业类型"),
        (zero_out_payload(period_end="2020-01-01"), 422, "承诺期结束日期不能早于开始日期"),
        (zero_out_payload(committer_name=" "), 422, "请填写承诺人姓名"),
        (zero_out_payload(signed_on=days(30).isoformat()), 422, "签订日期不能晚于今天"),
    ],
)
def test_bad_data_is_a_422_with_the_reason(api, users, payload, status, detail):
    before = world()
    response = post_json(api(Role.SAFETY_OFFICER), URL, payload)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert world() == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (zero_out_payload(committer_name="王" * 41), "committer_name", "内容过长：最多 40 个字符"),
        (
            zero_out_payload(committer_name="王\x00"),
            "committer_name",
            "含有换行、制表符、控制字符或无效字符，请删除后重试",
        ),
        (zero_out_payload(period_start="2026-02-30"), "period_start", "格式不正确"),
        ({"kind": "zero_out"}, "committer_name", "缺少必填字段"),
        ("[1, 2]", "", "应为 JSON 对象"),
        ("{not json", "", "JSON 格式错误"),
    ],
)
def test_unreadable_bodies_are_a_chinese_422(api, users, payload, field, message):
    before = world()
    response = post_json(api(Role.PRINCIPAL), URL, payload)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求数据有误"
    assert any(e["field"] == field and e["message"] == message for e in body["errors"]), body
    assert world() == before


def test_an_overlapping_zero_out_is_a_409(api, principal, enterprise_a):
    zero_out(enterprise_a, recorder=principal)
    before = world()
    response = post_json(api(Role.PRINCIPAL), URL, zero_out_payload())
    assert response.status_code == 409
    assert "承诺期不能重叠" in response.json()["detail"]
    assert world() == before


@pytest.mark.parametrize("role", ROLES)
def test_withdraw_per_role(api, enterprise_a, enterprise_b, role):
    mine = post(enterprise_a, period_start=days(3))
    theirs = post(enterprise_b, period_start=days(3))
    caller = api(role)
    before = world()
    outside = post_json(caller, f"{URL}/{theirs.pk}/withdraw", {"reason": "登记有误"})
    if SCOPE[role] is not None and "b" in SCOPE[role]:
        assert outside.status_code == 403
    else:
        assert outside.status_code == 404
    assert world() == before
    response = post_json(caller, f"{URL}/{mine.pk}/withdraw", {"reason": "登记有误"})
    if role in RECORDERS:
        assert response.status_code == 200
        assert response.json()["status"] == "withdrawn"
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "您的角色不能撤回安全承诺"}
        assert world() == before


def test_withdraw_refusals(api, principal, enterprise_a):
    in_force = zero_out(enterprise_a, recorder=principal)
    caller = api(Role.PRINCIPAL)
    before = world()
    response = post_json(caller, f"{URL}/{in_force.pk}/withdraw", {"reason": "不想承诺"})
    assert response.status_code == 409
    assert "不能撤回" in response.json()["detail"]
    future = post(enterprise_a, period_start=days(3))
    before = world()
    response = post_json(caller, f"{URL}/{future.pk}/withdraw", {"reason": ""})
    assert (response.status_code, response.json()) == (422, {"detail": "请填写撤回理由"})
    response = post_json(caller, f"{URL}/{future.pk}/withdraw", {})
    assert response.status_code == 422
    assert post_json(caller, f"{URL}/99999999/withdraw", {"reason": "x"}).status_code == 404
    assert world() == before


@pytest.mark.parametrize("role", ROLES)
def test_breach_per_role(api, users, enterprise_a, enterprise_b, role):
    mine, theirs = post(enterprise_a), post(enterprise_b)
    caller = api(role)
    before = world()
    outside = post_json(caller, f"{URL}/{theirs.pk}/breaches", {"description": "未佩戴"})
    in_scope = SCOPE[role] is not None and "b" in SCOPE[role]
    if in_scope and role in BREACHERS:
        assert outside.status_code == 201
    else:
        assert outside.status_code == (403 if in_scope else 404)
        assert world() == before
    response = post_json(caller, f"{URL}/{mine.pk}/breaches", {"description": "未佩戴防护用品"})
    if role in BREACHERS:
        assert response.status_code == 201
        body = response.json()
        assert (body["cause"], body["found_on"], body["recorded_by"]) == (
            "reported",
            today().isoformat(),
            users[role].display_name,
        )
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "您的角色不能记录违反承诺"}


def test_breach_refusals(api, principal, enterprise_a):
    commitment = post(enterprise_a, period_start=days(-5))
    caller = api(Role.TOWN_SUPERVISOR)
    url = f"{URL}/{commitment.pk}/breaches"
    before = world()
    for payload, status, detail in [
        ({"description": " "}, 422, "请填写违反承诺的情形"),
        ({"description": "x", "found_on": days(1).isoformat()}, 422, "发现日期不能晚于今天"),
        (
            {"description": "x", "found_on": days(-6).isoformat()},
            422,
            f"发现日期须在承诺期内（{days(-5):%Y-%m-%d}至{days(180):%Y-%m-%d}）",
        ),
    ]:
        response = post_json(caller, url, payload)
        assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert post_json(caller, url, {"found_on": "soon"}).status_code == 422
    assert world() == before
    future = post(enterprise_a, period_start=days(3))
    from reporting import services

    services.withdraw(principal, future.pk, reason="登记有误")
    before = world()
    response = post_json(caller, f"{URL}/{future.pk}/breaches", {"description": "x"})
    assert response.status_code == 409
    assert world() == before


@pytest.mark.parametrize("role", ROLES)
def test_revoke_per_role(api, users, commitments, role):
    caller = api(role)
    for key in ("b", "a"):
        breach = commitments["breaches"][key]
        before = world()
        response = post_json(caller, f"{URL}/breaches/{breach.pk}/revoke", {"reason": "误记"})
        visible = SCOPE[role] or {"a"}
        if key not in visible:
            assert response.status_code == 404
        elif role in REVOKERS:
            assert response.status_code == 200
            assert (response.json()["revoked"], response.json()["revoke_reason"]) == (True, "误记")
            continue
        else:
            assert response.status_code == 403
            assert response.json() == {"detail": "您的角色不能撤销违反承诺记录"}
        assert world() == before


def test_revoke_refusals(api, commitments):
    caller = api(Role.SUPERVISOR)
    breach = commitments["breaches"]["a"]
    url = f"{URL}/breaches/{breach.pk}/revoke"
    before = world()
    assert post_json(caller, url, {"reason": ""}).json() == {"detail": "请填写撤销理由"}
    assert world() == before
    assert post_json(caller, url, {"reason": "误记"}).status_code == 200
    before = world()
    response = post_json(caller, url, {"reason": "再次"})
    assert (response.status_code, response.json()) == (409, {"detail": "该违反承诺记录已撤销"})
    assert world() == before
    assert CommitmentBreach.objects.filter(pk=breach.pk).exists()
    assert SafetyCommitment.objects.count() == 3
