"""/api/v1/standardization: list and detail scoped, an application with the veto answered
409 naming the hazard, bad input 422 in Chinese."""

import pytest

from accounts.roles import Role
from conftest import client_for
from standardization.models import Rating
from standardization.tests.conftest import major_hazard, rated

pytestmark = pytest.mark.django_db


def test_list_and_detail_are_scoped(client, users, enterprise_a, enterprise_b):
    a = rated(users, enterprise_a, "level3")
    b = rated(users, enterprise_b, "level2")
    client_for(client, users[Role.TOWN_SUPERVISOR])
    body = client.get("/api/v1/standardization").json()
    assert [item["id"] for item in body["items"]] == [a.pk]
    detail = client.get(f"/api/v1/standardization/{a.pk}").json()
    assert detail["grade_label"] == "三级" and detail["standing"] is True
    assert [e["action"] for e in detail["events"]][-1] == "certified"
    assert client.get(f"/api/v1/standardization/{b.pk}").status_code == 404
    client_for(client, users[Role.SUPERVISOR])
    assert client.get("/api/v1/standardization?grade=level2").json()["count"] == 1
    client_for(client, users[Role.EMPLOYEE])
    assert client.get("/api/v1/standardization").status_code == 403


def test_apply_and_the_veto(client, users, enterprise_a, supervisor):
    client_for(client, users[Role.PRINCIPAL])
    hazard = major_hazard(supervisor, enterprise_a)
    response = client.post(
        "/api/v1/standardization",
        {"enterprise_id": enterprise_a.pk, "grade": "level3"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert f"第{hazard.pk}号" in response.json()["detail"]
    response = client.post(
        "/api/v1/standardization",
        {"enterprise_id": enterprise_a.pk, "grade": "bogus"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "等级" in response.json()["detail"]
    assert not Rating.objects.exists()
    hazard.state = "closed"
    hazard.save()
    response = client.post(
        "/api/v1/standardization",
        {"enterprise_id": enterprise_a.pk, "grade": "level3"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["state"] == "applied"
