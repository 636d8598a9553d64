"""The routine checks on the pages and the API: the list, answering (bad input in Chinese,
nothing saved), the workbench's items, and the town's list of enterprises whose system is not
running (真建、真用)."""

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from accounts.roles import Role
from conftest import client_for, post_json
from hazards.models import Hazard
from risks import checks, services
from risks.models import CheckResult, CheckTask
from risks.tests.conftest import make_register
from workbench.items import items_for

DAY = date(2025, 9, 30)


@pytest.fixture
def task(manager, enterprise_a):
    _, _, risk = make_register(manager, enterprise_a)
    services.add_measure(
        manager,
        risk.pk,
        kind="management",
        description="检查炉衬厚度",
        control_level="workshop",
        owner_name="王芳",
    )
    checks.generate(DAY)
    return CheckTask.objects.get()


@pytest.fixture
def today():
    with mock.patch("django.utils.timezone.localdate", return_value=DAY):
        yield DAY


def test_answering_on_the_page(client, manager, task, today):
    client_for(client, manager)
    page = client.get(reverse("risks:checks")).content.decode()
    assert "检查炉衬厚度" in page and reverse("risks:check_answer", args=[task.pk]) in page
    url = reverse("risks:check_answer", args=[task.pk])
    response = client.post(url, {"result": "not_in_place", "note": ""})
    assert "请填写说明" in response.content.decode()
    response = client.post(url, {"result": "maybe"})
    assert "选择一个有效的选项" in response.content.decode()
    task.refresh_from_db()
    assert task.result == CheckResult.PENDING and not Hazard.objects.exists()
    response = client.post(url, {"result": "not_in_place", "note": "炉衬测厚记录缺失"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.result == CheckResult.NOT_IN_PLACE and task.hazard.source == "self_inspection"


def test_the_api(client, manager, task, today):
    client_for(client, manager)
    items = client.get("/api/v1/risks/checks").json()["items"]
    assert [item["id"] for item in items] == [task.pk]
    refused = post_json(
        client, f"/api/v1/risks/checks/{task.pk}/answer", {"result": "not_in_place", "note": ""}
    )
    assert refused.status_code == 422 and "note" in refused.json()["errors"]
    done = post_json(client, f"/api/v1/risks/checks/{task.pk}/answer", {"result": "in_place"})
    assert done.status_code == 200 and done.json()["result"] == "in_place"


def test_missed_checks_on_the_workbench_and_the_town_list(
    client, users, manager, task, enterprise_a, enterprise_a2
):
    later = date(2025, 10, 9)
    keys = {item.key: item.count for item in items_for(manager, later)}
    assert keys["checks_missed"] == 1
    keys = {item.key: item.count for item in items_for(manager, DAY)}
    assert keys["checks_open"] == 1 and "checks_missed" not in keys
    town = users[Role.TOWN_SUPERVISOR]
    client_for(client, town)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        page = client.get(reverse("risks:not_running")).content.decode()
    assert enterprise_a.name in page and "排查漏检" in page
    assert enterprise_a2.name in page and "未建立管控措施" in page  # no register at all
    with mock.patch("django.utils.timezone.localdate", return_value=DAY):
        page = client.get(reverse("risks:not_running")).content.decode()
    assert "排查漏检" not in page  # not due yet


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE])
def test_enterprise_roles_do_not_see_the_town_list(client, users, role):
    client_for(client, users[role])
    assert client.get(reverse("risks:not_running")).status_code == 403
