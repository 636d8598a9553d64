"""/api/v1/standardization: list and detail scoped, an application with the veto answered
409 naming the hazard, bad input 422 in Chinese."""

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for
from standardization.models import Rating
from standardization.tests.conftest import has_chinese, major_hazard, rated

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


def _post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_every_step_through_the_api(client, users, enterprise_a):
    client_for(client, users[Role.PRINCIPAL])
    rating = _post(
        client, "/api/v1/standardization", {"enterprise_id": enterprise_a.pk, "grade": "level3"}
    ).json()
    base = f"/api/v1/standardization/{rating['id']}"
    # The enterprise may not take the bureau's steps.
    assert _post(client, f"{base}/start-review", {"reviewers": ["王评审"]}).status_code == 403
    client_for(client, users[Role.SUPERVISOR])
    today = timezone.localdate().isoformat()
    steps = [
        ("start-review", {"reviewers": ["王评审", "李评审"]}, "reviewing"),
        (
            "record-review",
            {"passed": True, "conclusion": "符合要求", "reviewed_on": today},
            "reviewed",
        ),
        ("announce", {"announced_on": today}, "announced"),
        ("certify", {"certificate_no": "鲁AQBIII202600001", "issued_on": today}, "valid"),
        ("start-check", {"note": "随机抽查"}, "checking"),
        ("conclude-check", {"outcome": "kept", "conclusion": "保持"}, "valid"),
    ]
    for step, body, state in steps:
        response = _post(client, f"{base}/{step}", body)
        assert response.status_code == 200, (step, response.json())
        assert response.json()["state"] == state
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level3"
    # A step out of its state is a 409 with the reason; nothing changes.
    response = _post(client, f"{base}/announce", {"announced_on": today})
    assert response.status_code == 409 and "不能公告" in response.json()["detail"]


def test_a_step_refuses_bad_input_in_chinese_and_out_of_scope_is_404(
    client, users, enterprise_a, enterprise_b, supervisor
):
    inside = rated(users, enterprise_a, "level3")
    outside = rated(users, enterprise_b, "level3")
    client_for(client, users[Role.SUPERVISOR])
    base = f"/api/v1/standardization/{inside.pk}"
    response = _post(client, f"{base}/start-check", {"note": "x" * 5000})
    assert response.status_code == 422 and has_chinese(response.json()["detail"])
    response = _post(client, f"{base}/conclude-check", {"outcome": "kept", "conclusion": "x"})
    assert response.status_code == 409  # no check is open
    response = _post(client, f"{base}/renew", [])
    assert response.status_code == 422
    client_for(client, users[Role.PRINCIPAL])  # of enterprise_a: enterprise_b is not theirs
    assert _post(client, f"/api/v1/standardization/{outside.pk}/renew", {}).status_code == 404
    inside.refresh_from_db()
    assert inside.state == "valid" and not inside.checks.exists()


def test_the_announcement_is_vetoed_through_the_api(client, users, enterprise_a, supervisor):
    client_for(client, users[Role.PRINCIPAL])
    rating = _post(
        client, "/api/v1/standardization", {"enterprise_id": enterprise_a.pk, "grade": "level3"}
    ).json()
    base = f"/api/v1/standardization/{rating['id']}"
    client_for(client, users[Role.SUPERVISOR])
    today = timezone.localdate().isoformat()
    _post(client, f"{base}/start-review", {"reviewers": ["王评审"]})
    _post(
        client,
        f"{base}/record-review",
        {"passed": True, "conclusion": "符合", "reviewed_on": today},
    )
    hazard = major_hazard(supervisor, enterprise_a)
    response = _post(client, f"{base}/announce", {"announced_on": today})
    assert response.status_code == 409 and f"第{hazard.pk}号" in response.json()["detail"]
    assert Rating.objects.get(pk=rating["id"]).state == "reviewed"
