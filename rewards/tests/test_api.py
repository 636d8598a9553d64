"""/api/v1/reports: scoped list (an employee only their own), create for an enterprise's
people, the rule endpoints (a rule paying no more outside duty refused in Chinese, nothing
saved), approve and pay, 4xx bodies with a Chinese detail."""

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for, post_json
from hazards import services as hazards
from rewards import services
from rewards.models import EmployeeReport, Reward, RewardRule
from rewards.tests.conftest import RULE, employee_report

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


def test_list_scoped_per_role(client, users, employee, officer, enterprise_a):
    employee_report(employee, enterprise_a)
    services.report_as_user(officer, enterprise_a.pk, description="他人报告", within_duty=True)
    client_for(client, employee)
    items = client.get(URL).json()["items"]
    assert len(items) == 1 and items[0]["reporter_id"] == employee.pk
    client_for(client, officer)
    assert client.get(URL).json()["count"] == 2
    client_for(client, users[Role.TOWN_SUPERVISOR])
    assert client.get(URL).json()["count"] == 2
    other = EmployeeReport.objects.exclude(reporter=employee).get()
    client_for(client, employee)
    response = client.get(f"{URL}/{other.pk}")
    assert response.status_code == 404


def test_outsider_sees_nothing(client, outsider, employee, enterprise_a):
    report = employee_report(employee, enterprise_a)
    client_for(client, outsider)
    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}/{report.pk}").status_code == 404


def test_create_report(client, employee, enterprise_a, enterprise_b):
    client_for(client, employee)
    body = {"enterprise_id": enterprise_a.pk, "description": "护栏松动", "within_duty": False}
    response = post_json(client, URL, body)
    assert response.status_code == 201
    assert response.json()["within_duty"] is False and response.json()["state"] == "pending"
    response = post_json(client, URL, {**body, "enterprise_id": enterprise_b.pk})
    assert response.status_code == 403 and "本企业" in response.json()["detail"]
    response = post_json(client, URL, {"enterprise_id": enterprise_a.pk, "description": "x"})
    assert response.status_code == 422
    assert EmployeeReport.objects.count() == 1


def test_staff_cannot_create(client, users, enterprise_a):
    client_for(client, users[Role.SUPERVISOR])
    body = {"enterprise_id": enterprise_a.pk, "description": "x", "within_duty": True}
    response = post_json(client, URL, body)
    assert response.status_code == 403 and "报告隐患" in response.json()["detail"]


def test_rules(client, officer, employee, enterprise_a):
    client_for(client, officer)
    url = f"{URL}/rules/{enterprise_a.pk}"
    response = post_json(client, url, {**RULE, "outside_duty": "40"})
    assert response.status_code == 422
    assert "岗位职责外发现事故隐患向本企业举报经查实后提高奖励标准" in response.json()["detail"]
    assert not RewardRule.objects.exists()
    response = post_json(client, url, RULE)
    assert response.status_code == 201 and response.json()["outside_duty"] == "100.00"
    assert len(client.get(url).json()) == 1
    client_for(client, employee)
    response = post_json(client, url, RULE)
    assert response.status_code == 403 and "奖励标准" in response.json()["detail"]


def test_approve_and_pay(client, employee, officer, principal, enterprise_a, rule):
    report = employee_report(employee, enterprise_a)
    hazards.confirm(officer, report.hazard_id)
    reward = Reward.objects.get()
    client_for(client, principal)
    today = timezone.localdate().isoformat()
    pay = f"{URL}/rewards/{reward.pk}/pay"
    response = post_json(client, pay, {"paid_on": today, "method": "现金"})
    assert response.status_code == 409 and "审批后" in response.json()["detail"]
    response = client.post(f"{URL}/rewards/{reward.pk}/approve")
    assert response.status_code == 200 and response.json()["reward"]["state"] == "approved"
    response = post_json(client, pay, {"paid_on": today, "method": "银行转账"})
    assert response.status_code == 200 and response.json()["reward"]["state"] == "paid"
    client_for(client, employee)
    mine = client.get(f"{URL}/{report.pk}").json()
    assert mine["reward"]["amount"] == "50.00" and mine["reward"]["paid_on"] == today
    response = client.post(f"{URL}/rewards/{reward.pk}/approve")
    assert response.status_code == 403


def test_openapi_lists_the_endpoints(client, officer):
    client_for(client, officer)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/reports" in paths and "/api/v1/reports/rules/{enterprise_id}" in paths
