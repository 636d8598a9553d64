"""The situations that found the holes, end to end: a unit separator in a hazard description
and a vertical tab in an address (stored, they broke the exports), a lone surrogate in hazard
and enterprise text (a 500), latitude 999, dates in year 1 and 9999, a 1 MB description; by the
API and by the pages, each a Chinese refusal that stores nothing. Good text with tabs and line
breaks where text is multi-line is still taken."""

import json

import pytest
from django.test import Client

from accounts.roles import Role
from conftest import bearer, client_for
from core.inputs import date_bounds
from enterprises.models import Enterprise
from hazards.models import Hazard

HAZARDS = "/api/v1/hazards"
ENTERPRISES = "/api/v1/enterprises"


def _enterprise_facts():
    return list(Enterprise.objects.order_by("pk").values())


def _send(client, method, url, body: str):
    return client.generic(method, url, body, content_type="application/json")


def _report(enterprise) -> dict:
    return {"enterprise_id": enterprise.pk, "source": "enforcement", "description": "配电箱未接地"}


def _messages(response):
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["detail"] == "请求数据有误"
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.fixture
def admin_api(users):
    return bearer(users[Role.COUNTY_ADMIN])


@pytest.mark.parametrize(
    "description, expected",
    [
        ("配电箱\x1f未接地", "控制字符"),
        ("配电箱\x00未接地", "控制字符"),
        ("配电箱\ud800未接地", "无效字符"),
        ("长" * 1_000_000, "最多 5000 个字符"),
    ],
    ids=["unit separator", "NUL", "lone surrogate", "1 MB"],
)
def test_the_hazard_api_refuses_a_bad_description(admin_api, enterprise_a, description, expected):
    body = json.dumps({**_report(enterprise_a), "description": description})
    response = _send(admin_api, "POST", HAZARDS, body)
    assert expected in _messages(response)["description"]
    assert not Hazard.objects.exists()


def test_the_hazard_api_takes_tabs_and_line_breaks_in_a_description(admin_api, enterprise_a):
    body = json.dumps({**_report(enterprise_a), "description": "一、配电箱未接地\r\n二、\t无警示"})
    response = _send(admin_api, "POST", HAZARDS, body)
    assert response.status_code == 201, response.content
    assert Hazard.objects.get().description == "一、配电箱未接地\r\n二、\t无警示"


@pytest.mark.parametrize(
    "changes, field, expected",
    [
        ({"address": "东关街\x0b12号"}, "address", "控制字符"),
        ({"address": "东关街\n12号"}, "address", "换行"),
        ({"name": "精工\ud800铸造"}, "name", "无效字符"),
        ({"latitude": 999, "longitude": 116.2}, "latitude", "合理范围"),
        ({"latitude": 36.8, "longitude": -999}, "longitude", "合理范围"),
        ({"latitude": 116.2, "longitude": 36.8}, "latitude", "填反"),
    ],
    ids=["vertical tab", "line break", "lone surrogate", "latitude 999", "longitude", "swapped"],
)
def test_the_enterprise_api_refuses_bad_facts(admin_api, enterprise_a, changes, field, expected):
    before = _enterprise_facts()
    response = _send(admin_api, "PATCH", f"{ENTERPRISES}/{enterprise_a.pk}", json.dumps(changes))
    assert response.status_code == 422, response.content
    assert expected in json.dumps(response.json(), ensure_ascii=False)
    assert _enterprise_facts() == before


def test_the_enterprise_api_takes_a_point_in_the_county(admin_api, enterprise_a):
    changes = {"latitude": 36.862019, "longitude": 116.231456}
    response = _send(admin_api, "PATCH", f"{ENTERPRISES}/{enterprise_a.pk}", json.dumps(changes))
    assert response.status_code == 200, response.content
    enterprise_a.refresh_from_db()
    assert float(enterprise_a.latitude) == pytest.approx(36.862019)


@pytest.mark.parametrize("found_on", ["0001-01-01", "9999-12-31", "1900-01-01"])
def test_the_hazard_api_refuses_an_implausible_date(admin_api, enterprise_a, found_on):
    body = json.dumps({**_report(enterprise_a), "found_on": found_on})
    messages = _messages(_send(admin_api, "POST", HAZARDS, body))
    earliest, latest = date_bounds()
    assert messages["found_on"] == (
        f"日期超出合理范围：应在 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 之间"
    )
    assert not Hazard.objects.exists()


def _page(client, user):
    return client_for(client, user)


def test_the_report_page_refuses_a_control_character_and_stores_nothing(
    client, users, enterprise_a
):
    page = _page(client, users[Role.COUNTY_ADMIN])
    response = page.post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "enforcement",
            "description": "配电箱\x1f未接地",
            "found_on": "2025-03-10",
        },
    )
    assert response.status_code == 200
    assert "控制字符" in response.content.decode()
    assert not Hazard.objects.exists()


def test_the_report_page_refuses_year_9999(client, users, enterprise_a):
    page = _page(client, users[Role.COUNTY_ADMIN])
    response = page.post(
        "/hazards/report/",
        {
            "enterprise": enterprise_a.pk,
            "source": "enforcement",
            "description": "配电箱未接地",
            "found_on": "9999-12-31",
        },
    )
    assert "日期超出合理范围" in response.content.decode()
    assert not Hazard.objects.exists()


def test_the_enterprise_edit_page_refuses_a_vertical_tab_and_latitude_999(
    client, users, enterprise_a
):
    before = _enterprise_facts()
    page = _page(client, users[Role.COUNTY_ADMIN])
    form = page.get(f"/enterprises/{enterprise_a.pk}/edit/").context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "sector_tags"
    }
    data.update(address="东关街\x0b12号", latitude="999", longitude="116.2")
    response = page.post(f"/enterprises/{enterprise_a.pk}/edit/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "控制字符" in " ".join(errors["address"])
    assert "合理范围" in " ".join(errors["latitude"])
    assert _enterprise_facts() == before


def test_an_unauthenticated_client_still_gets_401_first(enterprise_a):
    body = json.dumps({**_report(enterprise_a), "description": "\x1f"})
    assert _send(Client(), "POST", HAZARDS, body).status_code == 401
