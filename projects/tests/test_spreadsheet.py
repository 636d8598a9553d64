"""The equipment register in Excel: an import is all or nothing with row-level Chinese errors;
imported rows are matched against the catalogue; the export reads back through the import."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.roles import Role
from projects.models import Equipment, EquipmentMatch
from projects.spreadsheet import HEADERS
from projects.tests.conftest import snapshot


def xlsx(rows, headers=HEADERS, name="设备台账.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


GOOD = [
    ["抛丸机", "Q3210", "生产设备", 2, 2018, "清理", "是"],
    ["无芯工频感应电炉", "GW-1", "生产设备", 1, 2009, "熔炼", ""],
    ["桥式起重机", "QD10t", "特种设备", "", "", "", "否"],
]


def _import(client, enterprise, upload):
    return client.post(f"/projects/enterprises/{enterprise.pk}/equipment/import/", {"file": upload})


def test_an_import_saves_every_row_and_matches_the_catalogue(client, principal, enterprise_a):
    client.force_login(principal)
    response = _import(client, enterprise_a, xlsx(GOOD))
    assert response.status_code == 302
    items = Equipment.objects.filter(enterprise=enterprise_a).order_by("name")
    assert items.count() == 3
    crane = items.get(name="桥式起重机")
    assert (crane.kind, crane.quantity, crane.year, crane.in_use) == ("special", 1, None, False)
    assert list(EquipmentMatch.objects.values_list("equipment__name", flat=True)) == [
        "无芯工频感应电炉"
    ]


def test_an_import_with_errors_saves_nothing_and_lists_each_row(client, principal, enterprise_a):
    client.force_login(principal)
    rows = [
        *GOOD,
        ["", "X", "生产设备", 1, 2010, "", ""],
        ["冲床", "J23", "车辆", 1, 2010, "", ""],
        ["冲床", "J23", "生产设备", 0, 2010, "", ""],
        ["冲床", "J23", "生产设备", "两台", 2010, "", ""],
        ["冲床", "J23", "生产设备", 1, 1800, "", ""],
        ["冲床", "J23", "生产设备", 1, 2010, "", "停用"],
    ]
    before = snapshot()
    response = _import(client, enterprise_a, xlsx(rows))
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [(e.row, e.column) for e in errors] == [
        (5, "设备（工艺）名称"),
        (6, "类别"),
        (7, "数量"),
        (8, "数量"),
        (9, "投用年份"),
        (10, "是否在用"),
    ]
    assert all(any("\u4e00" <= c <= "\u9fff" for c in e.message) for e in errors)
    assert "未导入任何数据" in response.content.decode()
    assert snapshot() == before


def test_a_file_that_is_not_the_template_is_refused_in_chinese(client, principal, enterprise_a):
    client.force_login(principal)
    before = snapshot()
    for upload, words in [
        (xlsx(GOOD, headers=["名称", "型号"]), "表头"),
        (SimpleUploadedFile("台账.xlsx", b"not a zip"), "无法读取"),
        (SimpleUploadedFile("台账.csv", b"a,b"), ".xlsx"),
        (xlsx([]), "没有数据行"),
    ]:
        response = _import(client, enterprise_a, upload)
        assert response.status_code == 200
        assert words in response.content.decode()
    assert snapshot() == before


def test_import_is_refused_out_of_scope_and_to_roles_that_may_not(
    client, users, enterprise_b, enterprise_a
):
    client.force_login(users[Role.TOWN_SUPERVISOR])
    assert _import(client, enterprise_b, xlsx(GOOD)).status_code == 404
    client.force_login(users[Role.EXPERT])
    assert _import(client, enterprise_a, xlsx(GOOD)).status_code == 403
    assert not Equipment.objects.exists()


def test_the_export_reads_back_through_the_import(client, principal, enterprise_a):
    client.force_login(principal)
    _import(client, enterprise_a, xlsx(GOOD))
    response = client.get(f"/projects/enterprises/{enterprise_a.pk}/equipment/export/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 4
    again = _import(client, enterprise_a, SimpleUploadedFile("导出.xlsx", content))
    assert again.status_code == 302
    assert Equipment.objects.filter(enterprise=enterprise_a).count() == 6
    template = client.get("/projects/equipment/template/")
    assert template.status_code == 200
