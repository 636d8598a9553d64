"""A query string is typed input: every API list and every page refuses a control character in
any query parameter (NUL above all, which PostgreSQL cannot hold even in a WHERE clause) with a
Chinese reason, before any view filters by it."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from anjian.api import api
from conftest import bearer
from core.middleware import QUERY_MESSAGE

DOCUMENT = api.get_openapi_schema()
BAD = {"NUL": "\x00", "unit separator": "隐患\x1f", "escape": "\x1b[31m"}


def _query_operations():
    """(path, parameter) for every GET operation without path parameters and each of its
    query parameters."""
    for path, operations in DOCUMENT["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            if parameter["in"] == "query":
                yield path, parameter["name"]


OPERATIONS = sorted(set(_query_operations()))


def test_the_walk_finds_the_filters():
    assert ("/api/v1/hazards", "q") in OPERATIONS
    assert len(OPERATIONS) >= 20


@pytest.mark.django_db
@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
@pytest.mark.parametrize(("path", "name"), OPERATIONS)
def test_every_api_filter_refuses_control_characters(users, path, name, bad):
    client = Client(HTTP_AUTHORIZATION=bearer(users[Role.SUPERVISOR]))
    response = client.get(f"{path}?{quote(name)}={quote(bad)}")
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"] == [{"field": name, "message": QUERY_MESSAGE}]


PAGES = [
    "enterprises:list",
    "hazards:ledger",
    "monitoring:overview",
    "monitoring:alarms",
    "enforcement:inspections",
    "enforcement:penalties",
    "accidents:list",
    "grading:list",
]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_every_page_refuses_control_characters_in_its_filters(client, users, page):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get(f"{reverse(page)}?q=%00&page=1")
    assert response.status_code == 400
    assert QUERY_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_tabs_and_ordinary_text_still_filter(client, users):
    client.force_login(users[Role.SUPERVISOR])
    assert client.get(reverse("hazards:ledger") + "?q=%E9%93%B8%E9%80%A0%09").status_code == 200
    assert client.get(reverse("enterprises:list") + "?q=精工").status_code == 200
