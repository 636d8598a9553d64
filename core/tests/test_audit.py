"""The audit trail (django-auditlog) of enterprise changes made through the pages and the API,
and the jurisdiction tree that the scoping gate's path prefixes rest on."""

import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from accounts.roles import Role
from accounts.services import create_token
from conftest import client_for, make_code
from core.models import Jurisdiction, JurisdictionKind
from enterprises.forms import EnterpriseForm
from enterprises.models import Enterprise


def entries(obj, action=None):
    found = LogEntry.objects.get_for_object(obj).order_by("pk")
    if action is not None:
        found = found.filter(action=action)
    return list(found)


def form_data(enterprise, **changes):
    data = model_to_dict(enterprise, fields=EnterpriseForm.Meta.fields)
    data["sector_tags"] = [tag.pk for tag in data["sector_tags"]]
    data.update(changes)
    return {key: ("" if value is None else value) for key, value in data.items()}


# --- enterprise changes are audited ----------------------------------------------------------


def test_creating_an_enterprise_on_the_page_is_audited(client, users, town_a, grid_a):
    supervisor = users[Role.SUPERVISOR]
    client_for(client, supervisor)
    response = client.post(
        "/enterprises/new/",
        {
            "credit_code": make_code(80),
            "name": "高唐县审计测试有限公司",
            "jurisdiction": town_a.pk,
            "grid": grid_a.pk,
            "industry": "machinery",
            "sector_tags": ["foundry", "spray_painting"],
            "employee_count": 33,
            "principal_name": "钱进",
            "principal_phone": "13500000005",
            "standardization": "none",
            "status": "operating",
        },
    )
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(name="高唐县审计测试有限公司")

    [created] = entries(enterprise, LogEntry.Action.CREATE)
    assert created.actor == supervisor
    changes = created.changes_dict
    assert changes["name"][1] == "高唐县审计测试有限公司"
    assert changes["credit_code"][1] == make_code(80)
    assert changes["employee_count"][1] == "33"
    assert changes["jurisdiction"][1] == str(town_a.pk)
    # Derived columns are left out of the log.
    assert not {"name_initials", "scope_path", "updated_at"} & set(changes)

    # auditlog records the many-to-many tags as their own entry.
    [tags] = entries(enterprise, LogEntry.Action.UPDATE)
    assert tags.actor == supervisor
    assert tags.changes_dict["sector_tags"]["type"] == "m2m"
    assert tags.changes_dict["sector_tags"]["operation"] == "add"
    assert sorted(tags.changes_dict["sector_tags"]["objects"]) == sorted(["机械铸造", "喷涂"])


def test_editing_an_enterprise_on_the_page_records_before_and_after(client, users, enterprise_a):
    town_supervisor = users[Role.TOWN_SUPERVISOR]
    client_for(client, town_supervisor)
    LogEntry.objects.all().delete()
    data = form_data(
        enterprise_a,
        name="高唐县精工铸造集团有限公司",
        employee_count=130,
        status="suspended",
        sector_tags=["foundry", "labor_intensive"],
    )
    response = client.post(f"/enterprises/{enterprise_a.pk}/edit/", data)
    assert response.status_code == 302

    fields = [e for e in entries(enterprise_a) if "sector_tags" not in e.changes_dict]
    [changed] = fields
    assert changed.actor == town_supervisor
    assert changed.changes_dict == {
        "name": ["高唐县精工铸造有限公司", "高唐县精工铸造集团有限公司"],
        "employee_count": ["120", "130"],
        "status": ["operating", "suspended"],
    }

    m2m = [e.changes_dict["sector_tags"] for e in entries(enterprise_a) if e not in fields]
    assert m2m == [{"type": "m2m", "operation": "add", "objects": ["劳动密集型"]}]
    assert all(e.actor == town_supervisor for e in entries(enterprise_a))


def test_removing_a_sector_tag_is_audited(client, users, enterprise_a):
    client_for(client, users[Role.SUPERVISOR])
    LogEntry.objects.all().delete()
    client.post(f"/enterprises/{enterprise_a.pk}/edit/", form_data(enterprise_a, sector_tags=[]))
    [removed] = entries(enterprise_a)
    assert removed.changes_dict["sector_tags"]["operation"] in ("delete", "clear")
    assert removed.actor == users[Role.SUPERVISOR]


def test_saving_an_unchanged_form_records_no_field_change(client, users, enterprise_a):
    Enterprise.objects.filter(pk=enterprise_a.pk).update(
        longitude=Decimal("116.23"), latitude=Decimal("36.86")
    )
    enterprise_a.refresh_from_db()
    client_for(client, users[Role.SUPERVISOR])
    LogEntry.objects.all().delete()
    response = client.post(f"/enterprises/{enterprise_a.pk}/edit/", form_data(enterprise_a))
    assert response.status_code == 302
    assert entries(enterprise_a) == []


def test_an_enterprise_users_edit_is_audited_with_that_user(client, users, enterprise_a):
    principal = users[Role.PRINCIPAL]
    client_for(client, principal)
    LogEntry.objects.all().delete()
    client.post(
        f"/enterprises/{enterprise_a.pk}/edit/",
        form_data(enterprise_a, principal_phone="13811112222", status="closed"),
    )
    [entry] = entries(enterprise_a)
    assert entry.actor == principal
    assert entry.changes_dict == {"principal_phone": ["13800000001", "13811112222"]}


def test_page_audit_records_the_client_address(client, users, enterprise_a):
    client_for(client, users[Role.SUPERVISOR])
    LogEntry.objects.all().delete()
    client.post(
        f"/enterprises/{enterprise_a.pk}/edit/",
        form_data(enterprise_a, address="新地址"),
        REMOTE_ADDR="10.1.2.3",
    )
    [entry] = entries(enterprise_a)
    assert entry.remote_addr == "10.1.2.3"


def test_api_changes_are_audited_with_the_token_owner(client, users, enterprise_a):
    admin = users[Role.COUNTY_ADMIN]
    _, raw = create_token(admin, "对接")
    LogEntry.objects.all().delete()
    response = client.patch(
        f"/api/v1/enterprises/{enterprise_a.pk}",
        json.dumps({"status": "suspended", "longitude": 116.2, "latitude": 36.8}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200
    [entry] = entries(enterprise_a)
    assert entry.actor == admin
    assert entry.remote_addr == "10.9.8.7"
    assert entry.changes_dict["status"] == ["operating", "suspended"]
    assert set(entry.changes_dict) == {"status", "longitude", "latitude"}

    # The same coordinates again, written with fewer decimal places, are not a change.
    LogEntry.objects.all().delete()
    response = client.patch(
        f"/api/v1/enterprises/{enterprise_a.pk}",
        json.dumps({"longitude": 116.2, "latitude": 36.8}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200
    assert entries(enterprise_a) == []


def test_a_refused_edit_leaves_no_audit_entry(client, users, enterprise_a, town_b):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    LogEntry.objects.all().delete()
    response = client.post(
        f"/enterprises/{enterprise_a.pk}/edit/",
        form_data(enterprise_a, jurisdiction=town_b.pk, grid="", name="搬走"),
    )
    assert response.status_code == 200
    assert entries(enterprise_a) == []


def test_detail_page_shows_the_change_history(client, users, enterprise_a):
    client_for(client, users[Role.SUPERVISOR])
    client.post(
        f"/enterprises/{enterprise_a.pk}/edit/",
        form_data(enterprise_a, status="suspended"),
    )
    html = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert "正常生产 → 停产整顿" in html


# --- the jurisdiction tree -------------------------------------------------------------------


def test_paths_of_children_extend_their_parents_path(
    province, city, county, town_a, town_b, grid_a, grid_a2
):
    assert province.path == f"/{province.pk}/"
    assert county.path == f"/{province.pk}/{city.pk}/{county.pk}/"
    assert town_a.path == f"{county.path}{town_a.pk}/"
    assert grid_a.path == f"{town_a.path}{grid_a.pk}/"
    for child, parent in [(town_a, county), (town_b, county), (grid_a, town_a), (grid_a2, town_a)]:
        assert child.path.startswith(parent.path)
        assert child.path != parent.path
    # Siblings do not share a prefix beyond their parent.
    assert not grid_a2.path.startswith(grid_a.path)
    assert not town_b.path.startswith(town_a.path)


def test_prefix_match_finds_a_node_and_everything_below_it(county, town_a, grid_a, grid_a2, town_b):
    below_town_a = Jurisdiction.objects.filter(path__startswith=town_a.path)
    assert set(below_town_a) == {town_a, grid_a, grid_a2}
    assert set(Jurisdiction.objects.filter(path__startswith=county.path)) == {
        county,
        town_a,
        town_b,
        grid_a,
        grid_a2,
    }


def test_pk_prefixes_do_not_confuse_the_tree(county):
    """/1/ must not match /10/: every path segment ends with a slash."""
    towns = [
        Jurisdiction.objects.create(
            code=f"t{i}", name=f"镇{i}", kind=JurisdictionKind.TOWN, parent=county
        )
        for i in range(12)
    ]
    for town in towns:
        matched = Jurisdiction.objects.filter(path__startswith=town.path)
        assert list(matched) == [town]


def test_enterprise_scope_path_is_its_grid_or_its_town(enterprise_a, enterprise_b, grid_a, town_b):
    assert enterprise_a.scope_path == grid_a.path
    assert enterprise_b.scope_path == town_b.path


def test_a_grid_under_a_grid_is_rejected(grid_a):
    nested = Jurisdiction(
        code="g-in-g", name="网格中的网格", kind=JurisdictionKind.GRID, parent=grid_a
    )
    with pytest.raises(ValidationError) as error:
        nested.clean()
    assert "parent" in error.value.message_dict
    assert "网格" in error.value.message_dict["parent"][0]


@pytest.mark.parametrize(
    ("kind", "parent"),
    [
        (JurisdictionKind.TOWN, "town_a"),
        (JurisdictionKind.TOWN, None),
        (JurisdictionKind.GRID, "county"),
        (JurisdictionKind.GRID, None),
        (JurisdictionKind.STREET, "grid_a"),
        (JurisdictionKind.ZONE, "town_a"),
        (JurisdictionKind.COUNTY, "town_a"),
        (JurisdictionKind.COUNTY, "county"),
        (JurisdictionKind.CITY, None),
        (JurisdictionKind.CITY, "county"),
        (JurisdictionKind.PROVINCE, "city"),
        (JurisdictionKind.TOWN, "city"),
    ],
)
def test_other_misplaced_kinds_are_rejected(request, county, town_a, grid_a, kind, parent):
    parent_node = request.getfixturevalue(parent) if parent else None
    node = Jurisdiction(code="x", name="错位", kind=kind, parent=parent_node)
    with pytest.raises(ValidationError):
        node.clean()


@pytest.mark.parametrize(
    ("kind", "parent"),
    [
        (JurisdictionKind.COUNTY, None),
        (JurisdictionKind.PROVINCE, None),
        (JurisdictionKind.CITY, "province"),
        (JurisdictionKind.COUNTY, "city"),
        (JurisdictionKind.COUNTY, "province"),
        (JurisdictionKind.ZONE, "county"),
        (JurisdictionKind.STREET, "county"),
        (JurisdictionKind.GRID, "town_a"),
    ],
)
def test_allowed_placements_pass_clean(request, county, town_a, kind, parent):
    parent_node = request.getfixturevalue(parent) if parent else None
    Jurisdiction(code="y", name="合规", kind=kind, parent=parent_node).clean()


def test_an_existing_node_cannot_change_its_parent(grid_a, town_b):
    grid_a.parent = town_b
    with pytest.raises(ValidationError) as error:
        grid_a.clean()
    assert "不能更换上级" in error.value.message_dict["parent"][0]


def test_admin_refuses_a_grid_under_a_grid(client, platform_admin, grid_a):
    client_for(client, platform_admin)
    count = Jurisdiction.objects.count()
    response = client.post(
        "/admin/core/jurisdiction/add/",
        {
            "code": "g-in-g",
            "name": "网格中的网格",
            "kind": "grid",
            "parent": grid_a.pk,
            "sort_order": 0,
        },
    )
    assert response.status_code == 200
    assert Jurisdiction.objects.count() == count
