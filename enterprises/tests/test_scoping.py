"""Who may do what to which enterprise, for every role, on every page and API endpoint.

The expected outcome comes from accounts.roles.PERMISSIONS (what a role may do) and from the
fixtures' scopes (which enterprises a role sees): a role that may not act gets 403; an
enterprise outside a user's scope is a 404, never a 403 that would confirm it exists.
"""

import io
import json

import pytest
from django.forms.models import model_to_dict
from openpyxl import load_workbook

from accounts.roles import COUNTY_ROLES, PERMISSIONS, UPPER_ROLES, Role
from conftest import client_for, make_code
from enterprises.forms import EnterpriseForm
from enterprises.models import Enterprise

ROLES = list(Role)
MISSING_PK = 987654

# Which of the fixtures' enterprises each role sees (the conftest builds the scopes so).
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},  # enterprise_a2 is in the other grid of the same town
    Role.EXPERT: {"a"},  # assigned enterprise_a only
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    Role.EMPLOYEE: {"a"},
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}


def allowed(role, action):
    return role in PERMISSIONS[action]


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def enterprises(enterprise_a, enterprise_a2, enterprise_b):
    return {"a": enterprise_a, "a2": enterprise_a2, "b": enterprise_b}


@pytest.fixture
def as_role(client, users):
    def login(role):
        return client_for(client, users[role])

    return login


def form_data(enterprise, **changes):
    """The edit form as a browser would post it for `enterprise`, with `changes` applied."""
    data = model_to_dict(enterprise, fields=EnterpriseForm.Meta.fields)
    data["sector_tags"] = [tag.pk for tag in data["sector_tags"]]
    data.update(changes)
    return {key: ("" if value is None else value) for key, value in data.items()}


def new_enterprise_data(jurisdiction, grid=None, serial=50, name="高唐县新登记机械有限公司"):
    return {
        "credit_code": make_code(serial),
        "name": name,
        "address": "高唐县赵寨子镇工业园",
        "jurisdiction": jurisdiction.pk,
        "grid": grid.pk if grid else "",
        "industry": "machinery",
        "sector_tags": ["foundry"],
        "employee_count": 30,
        "principal_name": "李明",
        "principal_phone": "13900000002",
        "standardization": "none",
        "status": "operating",
    }


def api_payload(jurisdiction, serial=60, name="高唐县接口登记有限公司"):
    return {
        "credit_code": make_code(serial),
        "name": name,
        "jurisdiction_id": jurisdiction.pk,
        "industry": "machinery",
        "employee_count": 12,
        "principal_name": "赵强",
        "principal_phone": "13700000003",
    }


def patch(client, pk, payload):
    return client.patch(
        f"/api/v1/enterprises/{pk}", json.dumps(payload), content_type="application/json"
    )


# --- the list, the export and the import page ------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_page_shows_exactly_the_enterprises_in_scope(as_role, enterprises, role):
    response = as_role(role).get("/enterprises/")
    if not allowed(role, "enterprise.list"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {e.pk for e in response.context["page"].object_list}
    assert shown == {enterprises[key].pk for key in SCOPE[role]}
    html = response.content.decode()
    for key, enterprise in enterprises.items():
        assert (enterprise.credit_code in html) == (key in SCOPE[role])


@pytest.mark.parametrize("role", ROLES)
def test_list_page_town_filter_cannot_widen_the_scope(as_role, enterprises, town_b, role):
    """Filtering by the other town's id shows nothing more than the scope holds."""
    response = as_role(role).get("/enterprises/", {"town": town_b.pk})
    if not allowed(role, "enterprise.list"):
        assert response.status_code == 403
        return
    shown = {e.pk for e in response.context["page"].object_list}
    assert shown <= {enterprises[key].pk for key in SCOPE[role]}


@pytest.mark.parametrize("role", ROLES)
def test_export_contains_exactly_the_enterprises_in_scope(as_role, enterprises, role):
    response = as_role(role).get("/enterprises/export.xlsx")
    if not allowed(role, "enterprise.export"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).active
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {enterprises[key].credit_code for key in SCOPE[role]}


@pytest.mark.parametrize("role", ROLES)
def test_import_page_and_template_follow_the_import_permission(as_role, users, role):
    client = as_role(role)
    expected = 200 if allowed(role, "enterprise.import") else 403
    assert client.get("/enterprises/import/").status_code == expected
    assert client.get("/enterprises/import/template.xlsx").status_code == expected


# --- detail and edit pages -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_is_found_only_in_scope(as_role, enterprises, role):
    client = as_role(role)
    assert allowed(role, "enterprise.view")
    for key, enterprise in enterprises.items():
        response = client.get(f"/enterprises/{enterprise.pk}/")
        assert response.status_code == (200 if key in SCOPE[role] else 404), key
        if response.status_code == 200:
            assert enterprise.name in response.content.decode()
    assert client.get(f"/enterprises/{MISSING_PK}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_get(as_role, enterprises, role):
    client = as_role(role)
    pks = {key: e.pk for key, e in enterprises.items()} | {"missing": MISSING_PK}
    for key, pk in pks.items():
        response = client.get(f"/enterprises/{pk}/edit/")
        if not allowed(role, "enterprise.edit"):
            # The same 403 whatever the id, so it tells nothing about other enterprises.
            expected = 403
        else:
            expected = 200 if key in SCOPE[role] else 404
        assert response.status_code == expected, key


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_post(as_role, enterprises, role):
    client = as_role(role)
    for key, enterprise in enterprises.items():
        before = Enterprise.objects.get(pk=enterprise.pk)
        data = form_data(before, principal_name="新负责人", address="新地址1号")
        response = client.post(f"/enterprises/{enterprise.pk}/edit/", data)
        after = Enterprise.objects.get(pk=enterprise.pk)
        if not allowed(role, "enterprise.edit"):
            assert response.status_code == 403, key
        elif key not in SCOPE[role]:
            assert response.status_code == 404, key
        else:
            assert response.status_code == 302, key
            assert response["Location"] == f"/enterprises/{enterprise.pk}/"
            assert (after.principal_name, after.address) == ("新负责人", "新地址1号")
            continue
        assert (after.principal_name, after.address) == (before.principal_name, before.address)


@pytest.mark.parametrize("role", ROLES)
def test_create_page(as_role, town_a, grid_a, role):
    client = as_role(role)
    count = Enterprise.objects.count()
    if not allowed(role, "enterprise.create"):
        assert client.get("/enterprises/new/").status_code == 403
        response = client.post("/enterprises/new/", new_enterprise_data(town_a, grid_a))
        assert response.status_code == 403
        assert Enterprise.objects.count() == count
        return
    assert client.get("/enterprises/new/").status_code == 200
    response = client.post("/enterprises/new/", new_enterprise_data(town_a, grid_a))
    created = Enterprise.objects.get(name="高唐县新登记机械有限公司")
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{created.pk}/"
    assert created.grid == grid_a
    assert list(created.sector_tags.values_list("code", flat=True)) == ["foundry"]


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_list_returns_exactly_the_enterprises_in_scope(as_role, enterprises, role):
    response = as_role(role).get("/api/v1/enterprises")
    if not allowed(role, "enterprise.list"):
        assert response.status_code == 403
        assert has_chinese(response.json()["detail"])
        return
    assert response.status_code == 200
    body = response.json()
    assert {item["id"] for item in body["items"]} == {enterprises[k].pk for k in SCOPE[role]}
    assert body["count"] == len(SCOPE[role])


@pytest.mark.parametrize("role", ROLES)
def test_api_detail_is_found_only_in_scope(as_role, enterprises, role):
    client = as_role(role)
    for key, enterprise in enterprises.items():
        response = client.get(f"/api/v1/enterprises/{enterprise.pk}")
        if key in SCOPE[role]:
            assert response.status_code == 200, key
            assert response.json()["credit_code"] == enterprise.credit_code
        else:
            assert response.status_code == 404, key
            assert has_chinese(response.json()["detail"])
    assert client.get(f"/api/v1/enterprises/{MISSING_PK}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_api_create(as_role, town_a, role):
    client = as_role(role)
    count = Enterprise.objects.count()
    response = client.post(
        "/api/v1/enterprises", json.dumps(api_payload(town_a)), content_type="application/json"
    )
    if allowed(role, "enterprise.create"):
        assert response.status_code == 201, response.content.decode()
        assert response.json()["name"] == "高唐县接口登记有限公司"
        assert Enterprise.objects.count() == count + 1
    else:
        assert response.status_code == 403
        assert has_chinese(response.json()["detail"])
        assert Enterprise.objects.count() == count


@pytest.mark.parametrize("role", ROLES)
def test_api_patch(as_role, enterprises, role):
    """principal_name is a field enterprise users may change, so the outcome depends only on
    the edit permission and the scope. Outside the scope it is 404 before anything else."""
    client = as_role(role)
    for key, enterprise in [*enterprises.items(), ("missing", None)]:
        pk = enterprise.pk if enterprise else MISSING_PK
        response = patch(client, pk, {"principal_name": "接口改名"})
        if key not in SCOPE[role]:
            assert response.status_code == 404, key
        elif not allowed(role, "enterprise.edit"):
            assert response.status_code == 403, key
            assert has_chinese(response.json()["detail"])
        else:
            assert response.status_code == 200, key
            assert response.json()["principal_name"] == "接口改名"
            continue
        if enterprise:
            assert Enterprise.objects.get(pk=pk).principal_name == enterprise.principal_name


# --- anonymous -------------------------------------------------------------------------------


def test_anonymous_pages_redirect_to_login(client, enterprise_a):
    for url in [
        "/enterprises/",
        f"/enterprises/{enterprise_a.pk}/",
        f"/enterprises/{enterprise_a.pk}/edit/",
        "/enterprises/new/",
        "/enterprises/export.xlsx",
        "/enterprises/import/",
        "/enterprises/import/template.xlsx",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    response = client.post(f"/enterprises/{enterprise_a.pk}/edit/", {"name": "匿名"})
    assert response.status_code == 302
    assert Enterprise.objects.get(pk=enterprise_a.pk).name == enterprise_a.name


def test_anonymous_api_is_401_with_a_chinese_reason(client, enterprise_a, town_a):
    count = Enterprise.objects.count()
    responses = [
        client.get("/api/v1/enterprises"),
        client.get(f"/api/v1/enterprises/{enterprise_a.pk}"),
        client.post(
            "/api/v1/enterprises", json.dumps(api_payload(town_a)), content_type="application/json"
        ),
        patch(client, enterprise_a.pk, {"name": "匿名修改"}),
    ]
    for response in responses:
        assert response.status_code == 401
        assert has_chinese(response.json()["detail"])
    assert Enterprise.objects.count() == count
    assert Enterprise.objects.get(pk=enterprise_a.pk).name == enterprise_a.name


# --- a town supervisor stays in its town -----------------------------------------------------


def test_town_supervisor_cannot_create_an_enterprise_in_the_other_town(as_role, town_b):
    client = as_role(Role.TOWN_SUPERVISOR)
    count = Enterprise.objects.count()
    response = client.post("/enterprises/new/", new_enterprise_data(town_b))
    assert response.status_code == 200
    assert "jurisdiction" in response.context["form"].errors
    assert has_chinese(response.context["form"].errors["jurisdiction"][0])
    assert Enterprise.objects.count() == count

    response = client.post(
        "/api/v1/enterprises", json.dumps(api_payload(town_b)), content_type="application/json"
    )
    assert response.status_code == 422
    assert "jurisdiction_id" in response.json()["errors"]
    assert Enterprise.objects.count() == count


def test_town_supervisor_cannot_move_an_enterprise_to_the_other_town(
    as_role, enterprise_a, town_a, grid_a, town_b
):
    client = as_role(Role.TOWN_SUPERVISOR)
    data = form_data(enterprise_a, jurisdiction=town_b.pk, grid="")
    response = client.post(f"/enterprises/{enterprise_a.pk}/edit/", data)
    assert response.status_code == 200
    assert "jurisdiction" in response.context["form"].errors
    enterprise_a.refresh_from_db()
    assert (enterprise_a.jurisdiction, enterprise_a.grid) == (town_a, grid_a)

    response = patch(client, enterprise_a.pk, {"jurisdiction_id": town_b.pk, "grid_id": None})
    assert response.status_code == 422
    enterprise_a.refresh_from_db()
    assert (enterprise_a.jurisdiction, enterprise_a.grid) == (town_a, grid_a)


def test_town_supervisor_cannot_put_an_enterprise_in_a_grid_of_another_town(
    as_role, enterprise_a, town_b, grid_a
):
    from core.models import Jurisdiction, JurisdictionKind

    grid_b = Jurisdiction.objects.create(
        code="371526-11-g1", name="清平镇第一网格", kind=JurisdictionKind.GRID, parent=town_b
    )
    client = as_role(Role.TOWN_SUPERVISOR)
    response = client.post(
        f"/enterprises/{enterprise_a.pk}/edit/", form_data(enterprise_a, grid=grid_b.pk)
    )
    assert response.status_code == 200
    assert "grid" in response.context["form"].errors
    enterprise_a.refresh_from_db()
    assert enterprise_a.grid == grid_a


# --- enterprise users edit their contact facts only ------------------------------------------


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.SAFETY_OFFICER])
def test_enterprise_user_edits_contacts_but_not_bureau_fields(as_role, enterprise_a, role):
    client = as_role(role)
    data = form_data(
        enterprise_a,
        principal_phone="13811112222",
        safety_officer_name="周安全",
        safety_officer_phone="0635-7654321",
        employee_count=150,
        industry="textile",
        status="closed",
        standardization="level1",
        name="改掉的名称有限公司",
        sector_tags=["spray_painting"],
    )
    response = client.post(f"/enterprises/{enterprise_a.pk}/edit/", data)
    assert response.status_code == 302
    enterprise_a.refresh_from_db()
    assert enterprise_a.principal_phone == "13811112222"
    assert enterprise_a.safety_officer_name == "周安全"
    assert enterprise_a.safety_officer_phone == "0635-7654321"
    assert enterprise_a.employee_count == 150
    assert enterprise_a.industry == "machinery"
    assert enterprise_a.status == "operating"
    assert enterprise_a.standardization == "none"
    assert enterprise_a.name == "高唐县精工铸造有限公司"
    assert list(enterprise_a.sector_tags.values_list("code", flat=True)) == ["foundry"]


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.SAFETY_OFFICER])
def test_enterprise_user_api_patch_of_status_is_refused_with_a_chinese_reason(
    as_role, enterprise_a, role
):
    client = as_role(role)
    response = patch(client, enterprise_a.pk, {"status": "closed", "principal_name": "某人"})
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "企业用户不能修改" in detail
    assert "status" in detail
    enterprise_a.refresh_from_db()
    assert enterprise_a.status == "operating"
    assert enterprise_a.principal_name == "王建国"


def test_county_roles_are_the_ones_that_see_the_other_town():
    """The table above agrees with accounts.roles: exactly the county roles and those above
    the county see enterprise_b."""
    assert {role for role, keys in SCOPE.items() if "b" in keys} == COUNTY_ROLES | UPPER_ROLES
    assert set(SCOPE) == set(Role)
