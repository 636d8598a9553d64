"""/api/v1/risks: scoped list and filters, the detail with assessments and measures, the
register's changes through the API, refusals in Chinese with the field named and nothing
saved."""

from decimal import Decimal

import pytest

from accounts.roles import Role
from conftest import client_for, make_user, post_json
from risks.models import Risk
from risks.tests.conftest import LEC_RED, make_register, snapshot

URL = "/api/v1/risks"


@pytest.fixture
def api(client, manager):
    return client_for(client, manager)


def test_the_list_is_scoped_and_filtered(client, users, manager, enterprise_a, enterprise_b):
    make_register(manager, enterprise_a, factors=LEC_RED)
    other = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    make_register(other, enterprise_b)
    client_for(client, users[Role.TOWN_SUPERVISOR])
    items = client.get(URL).json()["items"]
    assert [item["enterprise_id"] for item in items] == [enterprise_a.pk]
    assert items[0]["colour"] == "red" and items[0]["level"] == "重大风险"
    client_for(client, users[Role.SUPERVISOR])
    assert client.get(URL).json()["count"] == 2
    assert client.get(URL, {"colour": "yellow"}).json()["count"] == 1
    assert client.get(URL, {"enterprise": enterprise_b.pk}).json()["count"] == 1


def test_the_register_through_the_api(api, enterprise_a):
    unit = post_json(
        api,
        f"{URL}/units",
        {"enterprise_id": enterprise_a.pk, "name": "熔炼车间", "kind": "workshop"},
    )
    assert unit.status_code == 201
    point = post_json(api, f"{URL}/points", {"unit_id": unit.json()["id"], "name": "冲天炉"})
    assert point.status_code == 201
    risk = post_json(
        api,
        URL,
        {
            "point_id": point.json()["id"],
            "factor_kind": "thing",
            "accident_type": "scald_burn",
            "description": "炉前喷溅",
            "method": "ls",
            "l": 3,
            "s": 5,
        },
    )
    assert risk.status_code == 201, risk.content
    body = risk.json()
    assert body["colour"] == "orange" and Decimal(str(body["score"])) == 15
    risk_id = body["id"]
    again = post_json(
        api, f"{URL}/{risk_id}/assessments", {"method": "lec", "l": "6", "e": "6", "c": "15"}
    )
    assert again.status_code == 201
    assert again.json()["colour"] == "red" and len(again.json()["assessments"]) == 2
    measure = post_json(
        api,
        f"{URL}/{risk_id}/measures",
        {
            "kind": "engineering",
            "description": "炉前设挡板",
            "control_level": "company",
            "owner_name": "王建国",
        },
    )
    assert measure.status_code == 201
    measure_id = measure.json()["measures"][0]["id"]
    withdrawn = post_json(api, f"{URL}/measures/{measure_id}/withdraw", {"reason": "改造"})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["measures"][0]["withdrawn_at"]
    detail = api.get(f"{URL}/{risk_id}").json()
    assert detail["unit_name"] == "熔炼车间"


@pytest.mark.parametrize(
    "path, body, field, message",
    [
        ("assessments", {"method": "lec", "l": 4, "e": 6, "c": 15}, "l", "不能取 4"),
        ("assessments", {"method": "ls", "l": 3, "s": 6}, "s", "不能取 6"),
        (
            "measures",
            {"kind": "ppe", "description": "面罩", "control_level": "company", "owner_name": " "},
            "owner_name",
            "请填写管控责任人",
        ),
        (
            "measures",
            {"kind": "ppe", "description": "面罩", "control_level": "post", "owner_name": "张三"},
            "control_level",
            "不能设为岗位级",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_saved(
    api, manager, enterprise_a, path, body, field, message
):
    _, _, risk = make_register(manager, enterprise_a, factors=LEC_RED)
    before = snapshot()
    response = post_json(api, f"{URL}/{risk.pk}/{path}", body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_roles_and_scope(client, users, manager, enterprise_a, enterprise_b):
    _, _, risk = make_register(manager, enterprise_a)
    client_for(client, users[Role.SUPERVISOR])
    refused = post_json(client, f"{URL}/{risk.pk}/assessments", {"method": "ls", "l": 1, "s": 1})
    assert refused.status_code == 403
    other = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    client_for(client, other)
    assert client.get(f"{URL}/{risk.pk}").status_code == 404
    assert (
        post_json(
            client, f"{URL}/{risk.pk}/assessments", {"method": "ls", "l": 1, "s": 1}
        ).status_code
        == 404
    )
    assert Risk.objects.get().assessments.count() == 1
