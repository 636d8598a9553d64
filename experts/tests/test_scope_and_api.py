"""Who sees which visit, page and API alike: the county's staff every visit of the county, a
town its own enterprises', an expert only the visits they are on (not one of an enterprise they
follow otherwise), an enterprise its own; outside that a 404, a role without the action a 403.
And /api/v1/expert-visits and /api/v1/confined-spaces answer what the pages show."""

import pytest

from accounts.roles import UPPER_ROLES as UPPER
from accounts.roles import Role
from conftest import client_for, make_user
from experts import services
from experts.tests.conftest import diagnose, space_data, today

pytestmark = pytest.mark.django_db

COUNTY_WIDE = {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, *UPPER}
NO_VIEW = {Role.EMPLOYEE}


@pytest.fixture
def visits(users, enterprise_a, enterprise_b, visiting_expert):
    """One visit at enterprise_a (the visiting expert's) and one at enterprise_b (town B's),
    with another expert."""
    supervisor = users[Role.SUPERVISOR]
    services.save_space(users[Role.PRINCIPAL], enterprise_a.pk, **space_data())
    mine = services.plan_visit(
        supervisor, enterprise_a.pk, planned_on=today(), expert_ids=[visiting_expert.pk]
    )
    diagnose(visiting_expert, mine, findings=2)
    other_expert = make_user("expert_li", Role.EXPERT)
    theirs = services.plan_visit(
        supervisor, enterprise_b.pk, planned_on=today(), expert_ids=[other_expert.pk]
    )
    return mine, theirs


def _expected(role, inside: bool) -> int:
    if role in NO_VIEW:
        return 403
    if role in COUNTY_WIDE:
        return 200
    return 200 if inside else 404


@pytest.mark.parametrize("role", list(Role))
def test_visit_pages_by_role(client, users, visits, role):
    mine, theirs = visits
    client_for(client, users[role])
    # The fixture's expert follows enterprise_a but is on neither visit: nothing.
    sees_mine = role != Role.EXPERT
    assert client.get(f"/experts/visits/{mine.pk}/").status_code == _expected(role, sees_mine)
    assert client.get(f"/experts/visits/{theirs.pk}/").status_code == _expected(role, False)
    listing = client.get("/experts/")
    if role in NO_VIEW:
        assert listing.status_code == 403
        return
    page = listing.content.decode()
    assert (f"/experts/visits/{mine.pk}/" in page) == sees_mine
    assert (f"/experts/visits/{theirs.pk}/" in page) == (role in COUNTY_WIDE)


@pytest.mark.parametrize("role", list(Role))
def test_visit_api_by_role(client, users, visits, role):
    mine, theirs = visits
    client_for(client, users[role])
    sees_mine = role != Role.EXPERT
    for visit, inside in ((mine, sees_mine), (theirs, False)):
        for path in (
            f"/api/v1/expert-visits/{visit.pk}",
            f"/api/v1/expert-visits/{visit.pk}/findings",
        ):
            assert client.get(path).status_code == _expected(role, inside), path
    listing = client.get("/api/v1/expert-visits")
    if role in NO_VIEW:
        assert listing.status_code == 403
        return
    ids = {row["id"] for row in listing.json()["items"]}
    expected = {mine.pk} if sees_mine else set()
    if role in COUNTY_WIDE:
        expected.add(theirs.pk)
    assert ids == expected


def test_the_visiting_expert_sees_their_visit_only(client, visits, visiting_expert):
    mine, theirs = visits
    client_for(client, visiting_expert)
    assert client.get(f"/experts/visits/{mine.pk}/").status_code == 200
    assert client.get(f"/experts/visits/{theirs.pk}/").status_code == 404
    assert client.get(f"/experts/visits/{theirs.pk}/diagnose/").status_code == 404
    rows = client.get("/api/v1/expert-visits").json()["items"]
    assert [row["id"] for row in rows] == [mine.pk]


def test_the_api_reads_a_visit_and_its_findings(client, users, visits, visiting_expert):
    mine, _theirs = visits
    client_for(client, users[Role.PRINCIPAL])
    body = client.get(f"/api/v1/expert-visits/{mine.pk}").json()
    assert body["state"] == "in_progress" and body["state_label"] == "进行中"
    assert body["experts"] == ["expert_zhang"]
    assert body["finding_count"] == 2 and body["open_count"] == 2
    assert [p["part_label"] for p in body["parts"]] == ["现场会诊"]
    findings = client.get(f"/api/v1/expert-visits/{mine.pk}/findings").json()
    assert [f["description"] for f in findings] == [
        "污水池入口未设警示标志0",
        "污水池入口未设警示标志1",
    ]
    assert {f["hazard_state"] for f in findings} == {"reported"}
    filtered = client.get("/api/v1/expert-visits?state=reported").json()
    assert filtered["count"] == 0
    assert client.get("/api/v1/expert-visits?state=nope").status_code == 422
    assert client.get(f"/api/v1/expert-visits/{2**70}").status_code == 422
    assert client.get("/api/v1/expert-visits/987654321").status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_the_ledger_api_by_role(client, users, enterprise_a, enterprise_b, visits, role):
    # A space at enterprise_b too, kept by its own principal.
    principal_b = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    services.save_space(principal_b, enterprise_b.pk, **space_data(name="脱硫塔"))
    client_for(client, users[role])
    response = client.get("/api/v1/confined-spaces")
    if role in NO_VIEW:
        assert response.status_code == 403
        return
    names = sorted(row["name"] for row in response.json()["items"])
    if role in COUNTY_WIDE:
        assert names == ["1号污水池", "脱硫塔"]
    else:
        assert names == ["1号污水池"]
    row = client.get(f"/api/v1/confined-spaces?enterprise={enterprise_a.pk}").json()["items"][0]
    assert row["kind"] == "sewage_pit" and row["hazard_labels"] == ["缺氧", "有毒气体"]
    assert row["lockout"] is True and row["monitoring"] is False


def test_another_county_sees_nothing(client, visits, far_enterprise):
    far_county = far_enterprise.jurisdiction.parent
    far = make_user("far_supervisor", Role.SUPERVISOR, far_county)
    mine, _ = visits
    client_for(client, far)
    assert client.get(f"/experts/visits/{mine.pk}/").status_code == 404
    assert client.get("/api/v1/expert-visits").json()["count"] == 0
    assert client.get("/api/v1/confined-spaces").json()["count"] == 0
