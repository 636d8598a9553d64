"""Every text and date field of every API request body, found by walking the API's own routers
(so an endpoint added later is covered without listing it here), refuses a control character,
a lone surrogate, an overlong string and a date in year 1 or 9999 with a 422 naming the field
in Chinese, and nothing is stored."""

import json
import types
import typing
from datetime import date, datetime

import pytest
from django.apps import apps
from django.test import Client

from accounts.roles import Role
from conftest import bearer
from exchange.services import register_platform

# Literal fields are left out: they accept only their own values. Fields here are not text:
NOT_TEXT = {
    ("/api/v1/video-events", "snapshot"): "Base64 decoded and checked as an image (413/422)",
}
# Longer than any text field's limit (the longest, an accident's summary, is 20,000).
OVERLONG = "长" * 100_001
# The other control characters are the same check (core/tests/test_inputs.py tries each).
BAD_TEXT = {
    "unit separator": ("说明\x1f内容", "控制字符"),
    "lone surrogate": ("隐患\ud800", "字符"),
    "overlong": (OVERLONG, "内容过长"),
}
BAD_DATES = {"year 1": "0001-01-01", "year 9999": "9999-12-31"}


def _kinds(annotation) -> set[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return set()
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in typing.get_args(annotation)))
    if origin is list:
        return {f"list_{kind}" for kind in _kinds(typing.get_args(annotation)[0])}
    if annotation is str:
        return {"str"}
    if annotation is datetime:
        return {"datetime"}
    if annotation is date:
        return {"date"}
    return set()


def _body_fields():
    from anjian.api import api

    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.models:
                    if model.__ninja_param_source__ not in ("body", "form"):
                        continue
                    (field,) = model.model_fields.values()
                    fields = field.annotation.model_fields
                    url = "/api/v1" + prefix + path.replace("{", "").replace("}", "")
                    source = model.__ninja_param_source__
                    for method in operation.methods:
                        for name, info in fields.items():
                            if (url, name) in NOT_TEXT:
                                continue
                            for kind in _kinds(info.annotation):
                                dated = kind.endswith(("date", "datetime"))
                                for case in BAD_DATES if dated else BAD_TEXT:
                                    if source == "form" and case == "lone surrogate":
                                        # A form body is UTF-8 bytes: no lone surrogate fits.
                                        continue
                                    yield pytest.param(
                                        method,
                                        url,
                                        operation,
                                        source,
                                        name,
                                        kind,
                                        case,
                                        id=f"{case}-{method} {url} {name}",
                                    )


FIELDS = list(_body_fields())


def test_the_walk_finds_the_text_fields():
    found = {(p.values[0], p.values[1], p.values[4]) for p in FIELDS}
    assert len(found) > 80
    assert ("POST", "/api/v1/hazards", "description") in found
    assert ("PATCH", "/api/v1/enterprises/enterprise_id", "address") in found
    assert ("POST", "/api/v1/commitments", "committer_name") in found
    assert ("POST", "/api/v1/accidents", "sector_tags") in found


def _row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {
            "accidents",
            "accounts",
            "core",
            "enforcement",
            "enterprises",
            "grading",
            "hazards",
            "monitoring",
            "reporting",
        }
        and model._meta.managed
    }


@pytest.fixture
def clients(users, enterprise_a):
    from monitoring.models import Gateway

    gateway = Gateway(enterprise=enterprise_a, code="GW-INPUT", name="输入测试网关")
    token = gateway.set_new_token()
    gateway.save()
    # A platform above that pushes tasks down (exchange/) has a token of its own.
    _, platform_token = register_platform(users[Role.COUNTY_ADMIN], name="输入测试上级平台")
    return {
        "user": bearer(users[Role.COUNTY_ADMIN]),
        "gateway": Client(HTTP_AUTHORIZATION=f"Bearer {token}"),
        "platform": Client(HTTP_AUTHORIZATION=f"Bearer {platform_token}"),
    }


def _client(clients, operation):
    from exchange.api import PlatformAuth
    from monitoring.api import GatewayAuth

    auth = operation.auth_callbacks or []
    if any(isinstance(a, GatewayAuth) for a in auth):
        return clients["gateway"]
    if any(isinstance(a, PlatformAuth) for a in auth):
        return clients["platform"]
    return clients["user"]


def _send(client, method, url, source, name, value):
    if source == "form":
        return client.post(url, {name: value})
    body = json.dumps({name: value})
    return client.generic(method, url, body, content_type="application/json")


def _errors_for(response, name):
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    return [e["message"] for e in body.get("errors", []) if e["field"].split(".")[0] == name]


@pytest.mark.parametrize("method, url, operation, source, name, kind, case", FIELDS)
def test_it_refuses_bad_input_in_every_field(
    clients, method, url, operation, source, name, kind, case
):
    if case in BAD_DATES:
        value, expected = BAD_DATES[case], "日期超出合理范围"
        if kind.endswith("datetime"):
            value += "T12:00:00+08:00"
    else:
        value, expected = BAD_TEXT[case]
    if kind.startswith("list_"):
        value = [value]
    before = _row_counts()
    response = _send(_client(clients, operation), method, url, source, name, value)
    messages = _errors_for(response, name)
    assert any(expected in m for m in messages), (response.json(), name)
    assert _row_counts() == before
