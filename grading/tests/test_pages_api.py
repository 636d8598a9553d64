"""Pages and API of grading, scoped for every role: the list with its filters and chart data,
an enterprise's grade with each factor's contribution adding up, the override forms, the rules
page; /api/v1/grades and /api/v1/grades/{enterprise_id}. Outside the scope is a 404."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.roles import Role
from conftest import client_for
from grading import engine, services
from grading.models import EnterpriseGrade, GradeOverride, OverrideState, RiskLevel

pytestmark = pytest.mark.django_db

ROLES = list(Role)
# Which of enterprise_a ("a"), enterprise_a2 ("a2", town_a's other grid) and enterprise_b
# ("b", the other town) each role sees; None: the role may not see grades at all.
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},
    Role.EXPERT: {"a"},
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    Role.EMPLOYEE: None,
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},  # 聊城市, above the county: reads all of it
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}


@pytest.fixture
def graded(users, enterprise_a, enterprise_a2, enterprise_b):
    engine.run()
    return {"a": enterprise_a, "a2": enterprise_a2, "b": enterprise_b}


@pytest.mark.parametrize("role", ROLES)
def test_list_page_scope(client, users, graded, role):
    response = client_for(client, users[role]).get("/grading/")
    if SCOPE[role] is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.content.decode()
    for key, enterprise in graded.items():
        assert (enterprise.name in body) == (key in SCOPE[role]), key


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_scope_and_contributions(client, users, graded, role):
    client = client_for(client, users[role])
    for key, enterprise in graded.items():
        response = client.get(f"/grading/{enterprise.pk}/")
        if SCOPE[role] is None:
            assert response.status_code == 403
            continue
        if key not in SCOPE[role]:
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        rows = response.context["rows"]
        grade = EnterpriseGrade.objects.get(enterprise=enterprise)
        assert sum(Decimal(str(row["contribution"])) for row in rows) == grade.score
        assert response.context["total"] == grade.score
        assert "近12个月生产安全事故" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_api_scope(users, graded, role):
    client = client_for(Client(), users[role])
    response = client.get("/api/v1/grades")
    if SCOPE[role] is None:
        assert response.status_code == 403
        assert client.get(f"/api/v1/grades/{graded['a'].pk}").status_code == 403
        return
    assert response.status_code == 200
    seen = {item["enterprise_id"] for item in response.json()["items"]}
    assert seen == {graded[key].pk for key in SCOPE[role]}
    for key, enterprise in graded.items():
        detail = client.get(f"/api/v1/grades/{enterprise.pk}")
        if key in SCOPE[role]:
            assert detail.status_code == 200
            data = detail.json()
            total = sum(Decimal(str(f["contribution"])) for f in data["factors"])
            assert total == Decimal(data["score"])
            assert data["frequency"]["label"]
            assert data["history"][0]["kind"] == "first"
        else:
            assert detail.status_code == 404
            assert detail.json() == {"detail": "对象不存在"}


def test_outsider_sees_only_own_town(client, outsider, graded):
    client = client_for(client, outsider)
    assert client.get(f"/grading/{graded['a'].pk}/").status_code == 404
    assert client.get(f"/grading/{graded['b'].pk}/").status_code == 200
    assert client.get(f"/grading/{graded['a'].pk}/card/").status_code == 404
    response = client.post(f"/grading/{graded['a'].pk}/override/", {"level": "red", "reason": "x"})
    assert response.status_code == 404
    assert not GradeOverride.objects.exists()


def test_api_requires_credentials(graded):
    assert Client().get("/api/v1/grades").status_code == 401


def test_api_filters(users, graded):
    client = client_for(Client(), users[Role.SUPERVISOR])
    level = EnterpriseGrade.objects.get(enterprise=graded["a"]).level
    items = client.get(f"/api/v1/grades?level={level}").json()["items"]
    assert graded["a"].pk in {item["enterprise_id"] for item in items}
    assert all(item["level"] == level for item in items)
    town = graded["b"].jurisdiction_id
    items = client.get(f"/api/v1/grades?town={town}").json()["items"]
    assert [item["enterprise_id"] for item in items] == [graded["b"].pk]
    assert client.get("/api/v1/grades?limit=0").status_code == 422


def test_list_filters_and_chart(client, users, graded):
    client = client_for(client, users[Role.SUPERVISOR])
    response = client.get("/grading/", {"town": graded["b"].jurisdiction_id})
    body = response.content.decode()
    assert graded["b"].name in body and graded["a"].name not in body
    assert sum(v["value"] for v in response.context["chart"]["values"]) == 1
    assert client.get("/grading/", {"changed": "7"}).status_code == 200
    assert client.get("/grading/", {"level": "nonsense", "town": "x"}).status_code == 200


def test_override_forms(client, users, graded):
    enterprise = graded["a"]
    town = client_for(Client(), users[Role.TOWN_SUPERVISOR])
    page = town.get(f"/grading/{enterprise.pk}/")
    assert page.context["request_form"] is not None and page.context["decision_form"] is None
    town.post(f"/grading/{enterprise.pk}/override/", {"level": "red", "reason": ""})
    assert not GradeOverride.objects.exists()
    town.post(f"/grading/{enterprise.pk}/override/", {"level": "red", "reason": "多次违规"})
    override = GradeOverride.objects.get()
    # The requester cannot approve (no form, and a hand-made POST is refused).
    assert town.get(f"/grading/{enterprise.pk}/").context["decision_form"] is None
    town.post(f"/grading/overrides/{override.pk}/decide/", {"decision": "approve"})
    override.refresh_from_db()
    assert override.state == OverrideState.PENDING
    supervisor = client_for(client, users[Role.SUPERVISOR])
    assert supervisor.get(f"/grading/{enterprise.pk}/").context["decision_form"] is not None
    response = supervisor.post(
        f"/grading/overrides/{override.pk}/decide/", {"decision": "approve", "note": "同意"}
    )
    assert response.status_code == 302
    assert EnterpriseGrade.objects.get(enterprise=enterprise).level == RiskLevel.RED
    page = supervisor.get(f"/grading/{enterprise.pk}/").content.decode()
    assert "多次违规" in page and "人工调整" in page
    supervisor.post(f"/grading/overrides/{override.pk}/revoke/", {"note": "已整改"})
    override.refresh_from_db()
    assert override.state == OverrideState.REVOKED


def test_enterprise_page_chip_and_card(client, users, graded):
    client = client_for(client, users[Role.PRINCIPAL])
    enterprise = graded["a"]
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "grade-chip" in page and f"/grading/{enterprise.pk}/card/" in page
    card = client.get(f"/grading/{enterprise.pk}/card/")
    assert card.status_code == 200 and "风险分值" in card.content.decode()
    employee = client_for(Client(), users[Role.EMPLOYEE])
    assert "grade-chip" not in employee.get(f"/enterprises/{enterprise.pk}/").content.decode()


def test_rules_page_and_recompute(client, users, graded):
    client = client_for(client, users[Role.SUPERVISOR])
    body = client.get("/grading/rules/").content.decode()
    assert "本平台设定" in body and "任务13" in body
    response = client.post(f"/grading/{graded['a'].pk}/recompute/")
    assert response.status_code == 302
    principal = client_for(Client(), users[Role.PRINCIPAL])
    principal.post(f"/grading/{graded['a'].pk}/recompute/")
    with pytest.raises(services.GradingRefused):
        services.recompute(users[Role.PRINCIPAL], graded["a"].pk)
