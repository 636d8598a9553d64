"""The Excel export: who may have it, what each role's file holds, that the list filters apply,
and that an exported file imports back without changing anything."""

import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.roles import PERMISSIONS, Role
from conftest import client_for
from core.tests.test_xlsx import CONTROLS, FORMULAS, text_cells_only
from enterprises import spreadsheet
from enterprises.models import Enterprise, SectorTag
from enterprises.tests.test_import import (
    XLSX,
    post_import,
    snapshot,
    success_message,
)

EXPORT_URL = "/enterprises/export.xlsx"

EXPORTERS = sorted(PERMISSIONS["enterprise.export"])
NON_EXPORTERS = sorted(set(Role) - PERMISSIONS["enterprise.export"])

# Which of conftest's enterprises (by fixture name) each exporting role's file must hold.
SCOPE = {
    Role.COUNTY_ADMIN: {"enterprise_a", "enterprise_a2", "enterprise_b"},
    Role.SUPERVISOR: {"enterprise_a", "enterprise_a2", "enterprise_b"},
    Role.ENFORCEMENT_OFFICER: {"enterprise_a", "enterprise_a2", "enterprise_b"},
    Role.TOWN_SUPERVISOR: {"enterprise_a", "enterprise_a2"},  # town_a only
    Role.GRID_MEMBER: {"enterprise_a"},  # grid_a only
    Role.EXPERT: {"enterprise_a"},  # assigned only
    Role.CITY_SUPERVISOR: {"enterprise_a", "enterprise_a2", "enterprise_b"},  # 聊城市
    Role.PROVINCE_SUPERVISOR: {"enterprise_a", "enterprise_a2", "enterprise_b"},  # 山东省
}


def download(client, user, query: str = ""):
    """The export for `user` as (response, rows), each row a dict keyed by column header."""
    client_for(client, user)
    response = client.get(EXPORT_URL + query)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    response.xlsx = response.getvalue()  # a streamed body is read once
    sheet = load_workbook(io.BytesIO(response.xlsx)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == spreadsheet.HEADERS
    return response, [dict(zip(spreadsheet.HEADERS, r, strict=True)) for r in rows[1:]]


def names(rows) -> set[str]:
    return {r["企业名称"] for r in rows}


def test_every_exporting_role_has_a_scope_in_these_tests():
    assert set(SCOPE) == set(EXPORTERS)


@pytest.mark.parametrize("role", EXPORTERS)
def test_each_exporting_role_gets_exactly_the_enterprises_in_its_scope(
    client, users, request, role
):
    expected = {request.getfixturevalue(name) for name in SCOPE[role]}
    _, rows = download(client, users[role])
    assert sorted(r["统一社会信用代码"] for r in rows) == sorted(e.credit_code for e in expected)


def test_a_town_supervisor_exports_only_their_towns_enterprises(
    client, users, outsider, enterprise_a, enterprise_a2, enterprise_b
):
    _, rows = download(client, users[Role.TOWN_SUPERVISOR])
    assert names(rows) == {enterprise_a.name, enterprise_a2.name}
    assert {r["所属镇街"] for r in rows} == {"赵寨子镇"}
    _, rows = download(client, outsider)
    assert names(rows) == {enterprise_b.name}


def test_a_grid_member_exports_only_their_grids_enterprises(client, users, enterprise_a):
    _, rows = download(client, users[Role.GRID_MEMBER])
    assert [r["统一社会信用代码"] for r in rows] == [enterprise_a.credit_code]
    assert rows[0]["所属网格"] == "赵寨子镇第一网格"


def test_an_expert_exports_only_the_enterprises_assigned_to_them(
    client, users, enterprise_a, enterprise_b
):
    expert = users[Role.EXPERT]
    _, rows = download(client, expert)
    assert names(rows) == {enterprise_a.name}
    expert.assigned_enterprises.add(enterprise_b)
    _, rows = download(client, expert)
    assert names(rows) == {enterprise_a.name, enterprise_b.name}


@pytest.mark.parametrize("role", NON_EXPORTERS)
def test_roles_without_export_permission_get_403(client, users, role):
    client_for(client, users[role])
    assert client.get(EXPORT_URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(EXPORT_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_export_is_an_attachment_with_a_chinese_file_name(client, users):
    response, _ = download(client, users[Role.COUNTY_ADMIN])
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''" + quote("企业名录-"))
    assert disposition.endswith(".xlsx")


def test_the_industry_filter_applies(client, users, enterprise_a2):
    _, rows = download(client, users[Role.COUNTY_ADMIN], "?industry=textile")
    assert names(rows) == {enterprise_a2.name}


def test_filters_narrow_within_the_scope_never_beyond_it(client, users):
    # enterprise_a2 is textile, but in grid_a2: not the grid member's.
    _, rows = download(client, users[Role.GRID_MEMBER], "?industry=textile")
    assert rows == []


def test_the_town_tag_and_search_filters_apply(client, users, town_b, enterprise_a, enterprise_b):
    admin = users[Role.COUNTY_ADMIN]
    _, rows = download(client, admin, f"?town={town_b.pk}")
    assert names(rows) == {enterprise_b.name}
    _, rows = download(client, admin, "?tag=foundry")
    assert names(rows) == {enterprise_a.name}
    _, rows = download(client, admin, "?q=清平")
    assert names(rows) == {enterprise_b.name}
    _, rows = download(client, admin, "?industry=machinery&town=" + str(town_b.pk))
    assert rows == []


def test_an_invalid_filter_value_is_ignored(client, users, enterprise_a, enterprise_a2):
    _, rows = download(client, users[Role.TOWN_SUPERVISOR], "?industry=chemicals&town=999999")
    assert names(rows) == {enterprise_a.name, enterprise_a2.name}


def test_a_row_holds_the_labels_people_read_not_the_codes(client, users, enterprise_a):
    enterprise_a.sector_tags.add(SectorTag.objects.get(code="combustible_dust"))
    enterprise_a.dust_class = "metal"
    enterprise_a.dust_workers = 8
    enterprise_a.above_scale = True
    enterprise_a.standardization = "level2"
    enterprise_a.status = "suspended"
    enterprise_a.longitude = Decimal("116.231456")
    enterprise_a.latitude = Decimal("36.862019")
    enterprise_a.save()
    _, rows = download(client, users[Role.GRID_MEMBER])
    assert rows == [
        {
            "统一社会信用代码": enterprise_a.credit_code,
            "企业名称": "高唐县精工铸造有限公司",
            "地址": None,
            "所属镇街": "赵寨子镇",
            "所属网格": "赵寨子镇第一网格",
            "行业": "机械",
            "重点行业领域": "机械铸造、粉尘涉爆",
            "设备工艺": None,
            "粉尘类别": "金属粉尘",
            "涉粉作业人数": 8,
            "从业人数": 120,
            "规模以上": "是",
            "小微企业": "否",
            "主要负责人": "王建国",
            "主要负责人电话": "13800000001",
            "安全管理人员": None,
            "安全管理人员电话": None,
            "安全生产标准化": "二级",
            "经营状态": "停产整顿",
            "经度": 116.231456,
            "纬度": 36.862019,
        }
    ]


# --- round trip ---------------------------------------------------------------------------------


@pytest.fixture
def varied(enterprise_a, enterprise_a2, enterprise_b):
    """The three enterprises with most columns filled in, and in several ways."""
    enterprise_a.sector_tags.add(SectorTag.objects.get(code="combustible_dust"))
    enterprise_a.dust_class = "metal"
    enterprise_a.dust_workers = 15
    enterprise_a.above_scale = True
    enterprise_a.address = "赵寨子镇工业园1号"
    enterprise_a.longitude = Decimal("116.300000")
    enterprise_a.latitude = Decimal("36.860000")
    enterprise_a.save()
    enterprise_a2.safety_officer_name = "刘洋"
    enterprise_a2.safety_officer_phone = "0635-3951234"
    enterprise_a2.standardization = "level2"
    enterprise_a2.status = "suspended"
    enterprise_a2.save()
    enterprise_a2.sector_tags.set(SectorTag.objects.filter(code__in=["labor_intensive"]))
    enterprise_b.small_micro = True
    enterprise_b.employee_count = 0
    enterprise_b.standardization = "small_micro"
    enterprise_b.status = "closed"
    enterprise_b.longitude = Decimal("116.123456")
    enterprise_b.latitude = Decimal("36.654321")
    enterprise_b.save()
    return [enterprise_a, enterprise_a2, enterprise_b]


def reimport(client, user, content: bytes):
    upload = SimpleUploadedFile("企业名录.xlsx", content, XLSX)
    return post_import(client, user, upload)


def test_an_exported_file_imports_back_changing_nothing(client, users, varied):
    admin = users[Role.COUNTY_ADMIN]
    response, rows = download(client, admin)
    assert len(rows) == 3
    before = snapshot()
    log_entries = LogEntry.objects.count()

    response = reimport(client, admin, response.xlsx)

    assert response.status_code == 302
    assert "导入成功：新增 0 家，更新 3 家" in success_message(response)
    assert snapshot() == before
    # Nothing changed, so the audit log has nothing to record either.
    assert LogEntry.objects.count() == log_entries


def test_a_town_supervisors_export_imports_back_as_updates_of_their_own(client, users, varied):
    supervisor = users[Role.TOWN_SUPERVISOR]
    response, _ = download(client, supervisor)
    before = snapshot()
    response = reimport(client, supervisor, response.xlsx)
    assert response.status_code == 302
    assert "导入成功：新增 0 家，更新 2 家" in success_message(response)
    assert snapshot() == before


def test_an_edited_export_imports_the_edit(client, users, varied, enterprise_b):
    admin = users[Role.COUNTY_ADMIN]
    response, _ = download(client, admin)
    workbook = load_workbook(io.BytesIO(response.xlsx))
    sheet = workbook.worksheets[0]
    status_column = spreadsheet.HEADERS.index("经营状态") + 1
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value == enterprise_b.credit_code:
            cells[status_column - 1].value = "正常生产"
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = reimport(client, admin, buffer.getvalue())

    assert response.status_code == 302
    enterprise_b.refresh_from_db()
    assert enterprise_b.status == "operating"


# --- stored text that an export must survive ----------------------------------------------------


def test_stored_control_characters_and_formula_text_export_as_plain_text(
    client, users, enterprise_a, enterprise_b
):
    """Enterprises stored before input was checked (updated here straight through the ORM): a
    vertical tab in an address no longer fails the county's export, and a name or a contact
    that looks like a formula is a text cell."""
    Enterprise.objects.filter(pk=enterprise_a.pk).update(
        name=FORMULAS[0], address=f"赵寨子镇{CONTROLS}工业园1号", principal_name=FORMULAS[3]
    )
    Enterprise.objects.filter(pk=enterprise_b.pk).update(
        name=FORMULAS[1], principal_phone=FORMULAS[2], safety_officer_name=FORMULAS[4]
    )

    response, rows = download(client, users[Role.COUNTY_ADMIN])

    text_cells_only(response.xlsx)
    by_code = {r["统一社会信用代码"]: r for r in rows}
    a, b = by_code[enterprise_a.credit_code], by_code[enterprise_b.credit_code]
    assert (a["企业名称"], a["地址"], a["主要负责人"]) == (
        FORMULAS[0],
        "赵寨子镇工业园1号",
        FORMULAS[3],
    )
    assert b["企业名称"] == FORMULAS[1]
    assert (b["主要负责人电话"], b["安全管理人员"]) == (FORMULAS[2], FORMULAS[4])


def test_the_import_template_survives_a_stored_control_character(client, users, town_a):
    type(town_a).objects.filter(pk=town_a.pk).update(name="赵寨子\x0b镇")
    client_for(client, users[Role.COUNTY_ADMIN])
    response = client.get("/enterprises/import/template.xlsx")
    assert response.status_code == 200
    book = text_cells_only(response.getvalue())
    guide = {r[0]: r for r in book["填写说明"].iter_rows(values_only=True) if r[0]}
    assert "赵寨子镇" in guide["所属镇街可选值"][2].split("、")
