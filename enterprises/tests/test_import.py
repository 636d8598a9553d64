"""The Excel import and its template, through the real view (and the service where it is the
clearer witness). Workbooks are built here with openpyxl; a row is written by field name and
placed in spreadsheet.HEADERS order, so a test says only what differs from a good row."""

import io
import zipfile
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.roles import PERMISSIONS, Role
from conftest import client_for, make_code
from enterprises import credit_code, services, spreadsheet
from enterprises.models import Enterprise

IMPORT_URL = "/enterprises/import/"
TEMPLATE_URL = "/enterprises/import/template.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

IMPORTERS = sorted(PERMISSIONS["enterprise.import"])
NON_IMPORTERS = sorted(set(Role) - PERMISSIONS["enterprise.import"])

# A valid row in town_a (赵寨子镇) by field name; row() adds a credit code and a name.
GOOD = {
    "jurisdiction": "赵寨子镇",
    "industry": "机械",
    "employee_count": 50,
    "above_scale": "否",
    "small_micro": "否",
    "principal_name": "李明",
    "principal_phone": "13900000000",
}


# --- helpers (test_export imports these) --------------------------------------------------------


def row(serial: int, **fields) -> list:
    """A data row in template column order: a good row, with `fields` (by field name) changed."""
    values = {
        **GOOD,
        "credit_code": make_code(serial),
        "name": f"高唐县测试{serial}号有限公司",
        **fields,
    }
    return [values.get(column.field, "") for column in spreadsheet.COLUMNS]


def xlsx_bytes(rows, headers=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业名录"
    sheet.append(list(spreadsheet.HEADERS if headers is None else headers))
    for values in rows:
        sheet.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows, headers=None, name="企业名录.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, headers), content_type=XLSX)


def post_import(client, user, upload):
    client_for(client, user)
    return client.post(IMPORT_URL, {"file": upload})


def snapshot() -> list[dict]:
    """Every stored fact of every enterprise (updated_at aside), to show that nothing changed."""
    facts = []
    for enterprise in Enterprise.objects.order_by("pk").prefetch_related("sector_tags"):
        values = {
            f.attname: getattr(enterprise, f.attname)
            for f in Enterprise._meta.concrete_fields
            if f.name != "updated_at"
        }
        values["sector_tags"] = sorted(tag.code for tag in enterprise.sector_tags.all())
        facts.append(values)
    return facts


def success_message(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def errors_of(response) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in response.context["errors"]]


def refused(client, user, upload) -> str:
    """Post a file that must be refused as a whole; return the refusal shown on the page."""
    before = snapshot()
    response = post_import(client, user, upload)
    assert response.status_code == 400
    assert snapshot() == before
    assert "errors" not in response.context
    message = response.context["refused"]
    assert message in response.content.decode()
    return message


def rejected(client, user, rows) -> list[tuple[int, str, str]]:
    """Post rows of which some must be rejected; return (row, column, reason) of each error."""
    before = snapshot()
    response = post_import(client, user, xlsx_upload(rows))
    assert response.status_code == 400
    assert snapshot() == before
    errors = errors_of(response)
    assert errors
    return errors


def errors_at(errors, row_number: int, column: str) -> list[str]:
    return [message for r, c, message in errors if r == row_number and c == column]


# --- a good file --------------------------------------------------------------------------------


def test_a_good_file_creates_enterprises_with_every_column_mapped(
    client, users, town_a, town_b, grid_a
):
    lettered = credit_code.make("91371526MA3CXXXX1")
    rows = [
        row(
            101,
            credit_code=f" {lettered.lower()} ",
            name="高唐县宏达铸造有限公司",
            address="赵寨子镇工业园8号",
            jurisdiction="赵寨子镇",
            grid="赵寨子镇第一网格",
            industry="机械",
            sector_tags="机械铸造、粉尘涉爆，喷涂",
            dust_class="金属粉尘",
            dust_workers=12,
            employee_count=80,
            above_scale="是",
            small_micro="否",
            principal_name="张伟",
            principal_phone="13912345678",
            safety_officer_name="刘洋",
            safety_officer_phone="0635-3951234",
            standardization="三级",
            status="停产整顿",
            longitude=116.231456,
            latitude=36.862019,
        ),
        row(
            102,
            name="清平纺织有限公司",
            jurisdiction="清平镇",
            industry="纺织",
            employee_count="30",
            small_micro="是",
        ),
    ]
    response = post_import(client, users[Role.COUNTY_ADMIN], xlsx_upload(rows))

    assert response.status_code == 302
    assert response["Location"] == "/enterprises/"
    assert "导入成功：新增 2 家，更新 0 家" in success_message(response)

    first = Enterprise.objects.get(credit_code=lettered)
    assert first.name == "高唐县宏达铸造有限公司"
    assert first.address == "赵寨子镇工业园8号"
    assert first.jurisdiction == town_a
    assert first.grid == grid_a
    assert first.scope_path == grid_a.path
    assert first.industry == "machinery"
    assert set(first.sector_tags.values_list("code", flat=True)) == {
        "foundry",
        "combustible_dust",
        "spray_painting",
    }
    assert first.dust_class == "metal"
    assert first.dust_workers == 12
    assert first.employee_count == 80
    assert first.above_scale is True
    assert first.small_micro is False
    assert first.principal_name == "张伟"
    assert first.principal_phone == "13912345678"
    assert first.safety_officer_name == "刘洋"
    assert first.safety_officer_phone == "0635-3951234"
    # The 安全生产标准化 column is ignored: the grade is derived from the ratings
    # (standardization.services.derive), never imported.
    assert first.standardization == "none"
    assert first.status == "suspended"
    assert first.longitude == Decimal("116.231456")
    assert first.latitude == Decimal("36.862019")

    second = Enterprise.objects.get(credit_code=make_code(102))
    assert second.jurisdiction == town_b
    assert second.grid is None
    assert second.industry == "textile"
    assert list(second.sector_tags.all()) == []
    assert second.dust_class == ""
    assert second.dust_workers is None
    assert second.employee_count == 30
    assert second.above_scale is False
    assert second.small_micro is True
    # Empty choice cells take the same defaults as the create page.
    assert second.standardization == "none"
    assert second.status == "operating"
    assert second.longitude is None


def test_the_import_is_recorded_in_the_audit_log_with_the_importer_as_actor(client, users):
    admin = users[Role.COUNTY_ADMIN]
    post_import(client, admin, xlsx_upload([row(101)]))
    enterprise = Enterprise.objects.get(credit_code=make_code(101))
    entry = LogEntry.objects.get_for_object(enterprise).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == admin


def test_an_existing_credit_code_updates_that_enterprise_instead_of_creating_a_duplicate(
    client, users, enterprise_a, town_a, grid_a
):
    count = Enterprise.objects.count()
    rows = [
        row(
            1,  # enterprise_a's code
            name="高唐县精工铸造股份有限公司",
            grid="赵寨子镇第一网格",
            employee_count=150,
            sector_tags="机械铸造、高温熔融金属",
        )
    ]
    response = post_import(client, users[Role.COUNTY_ADMIN], xlsx_upload(rows))

    assert response.status_code == 302
    assert "导入成功：新增 0 家，更新 1 家" in success_message(response)
    assert Enterprise.objects.count() == count
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "高唐县精工铸造股份有限公司"
    assert enterprise_a.employee_count == 150
    assert enterprise_a.grid == grid_a
    assert set(enterprise_a.sector_tags.values_list("code", flat=True)) == {
        "foundry",
        "molten_metal",
    }


def test_a_credit_code_in_lower_case_still_matches_the_existing_enterprise(client, users, town_a):
    code = credit_code.make("91371526MA3CXXXX2")
    Enterprise.objects.create(
        credit_code=code,
        name="旧名称有限公司",
        jurisdiction=town_a,
        industry="machinery",
        principal_name="王",
        principal_phone="13800000009",
    )
    response = post_import(
        client, users[Role.COUNTY_ADMIN], xlsx_upload([row(0, credit_code=code.lower())])
    )
    assert response.status_code == 302
    assert "新增 0 家，更新 1 家" in success_message(response)
    assert Enterprise.objects.filter(credit_code=code).count() == 1


def test_a_town_supervisor_can_import_into_their_own_town(client, users, town_a):
    response = post_import(client, users[Role.TOWN_SUPERVISOR], xlsx_upload([row(101)]))
    assert response.status_code == 302
    assert Enterprise.objects.get(credit_code=make_code(101)).jurisdiction == town_a


def test_blank_rows_are_skipped_and_row_numbers_follow_the_sheet(client, users):
    blank = [""] * len(spreadsheet.HEADERS)
    errors = rejected(
        client,
        users[Role.COUNTY_ADMIN],
        [row(101), blank, row(102, principal_phone="12345")],
    )
    assert errors_at(errors, 4, "主要负责人电话")
    assert {r for r, _, _ in errors} == {4}


def test_columns_may_come_in_any_order(client, users):
    headers = list(reversed(spreadsheet.HEADERS))
    upload = xlsx_upload([list(reversed(row(101)))], headers=headers)
    response = post_import(client, users[Role.COUNTY_ADMIN], upload)
    assert response.status_code == 302
    assert Enterprise.objects.filter(credit_code=make_code(101)).exists()


# --- all or nothing -----------------------------------------------------------------------------


def test_three_good_rows_and_one_bad_row_change_nothing(client, users, enterprise_a):
    rows = [
        row(101),
        row(1, name="改名但不应保存有限公司"),  # an update of enterprise_a
        row(102, principal_phone="8888"),  # the bad row, sheet row 4
        row(103),
    ]
    before = snapshot()
    response = post_import(client, users[Role.COUNTY_ADMIN], xlsx_upload(rows))

    assert response.status_code == 400
    assert snapshot() == before
    assert not Enterprise.objects.filter(credit_code__in=[make_code(101), make_code(103)])
    assert errors_of(response) == [
        (4, "主要负责人电话", "电话格式不正确：应为11位手机号或带区号的固定电话")
    ]
    page = response.content.decode()
    assert "文件中有 1 处错误，未导入任何数据" in page
    assert "<td>4</td><td>主要负责人电话</td><td>电话格式不正确" in page
    assert list(get_messages(response.wsgi_request)) == []


def test_every_error_of_every_row_is_listed(client, users):
    rows = [
        row(101, industry="化工", principal_phone="123"),
        row(102),
        row(103, above_scale="也许", employee_count="很多"),
    ]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    # A row with an unreadable cell is still checked cell by cell, so one upload shows it all.
    assert [(r, c) for r, c, _ in errors] == [
        (2, "行业"),
        (2, "主要负责人电话"),
        (4, "规模以上"),
        (4, "从业人数"),
    ]


def test_the_service_saves_nothing_when_any_row_is_bad(users, enterprise_a):
    before = snapshot()
    upload = xlsx_upload([row(101), row(102), row(103, industry="化工")])
    result = services.import_enterprises(users[Role.COUNTY_ADMIN], upload)
    assert [(e.row, e.column) for e in result.errors] == [(4, "行业")]
    assert snapshot() == before


def test_the_service_counts_what_it_created_and_updated(users, enterprise_a):
    upload = xlsx_upload([row(101), row(1, name="高唐县精工铸造有限公司"), row(102)])
    result = services.import_enterprises(users[Role.COUNTY_ADMIN], upload)
    assert result.errors == []
    assert (result.created, result.updated) == (2, 1)
    assert Enterprise.objects.filter(credit_code__in=[make_code(101), make_code(102)]).count() == 2


# --- row-level errors ---------------------------------------------------------------------------


def test_it_rejects_a_credit_code_with_a_wrong_check_character(client, users):
    good = make_code(101)
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(0, credit_code=wrong)])
    assert errors_at(errors, 2, "统一社会信用代码") == ["统一社会信用代码校验位不正确，请核对"]


def test_it_rejects_a_credit_code_that_is_too_short(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(0, credit_code=make_code(101)[:17])])
    assert errors_at(errors, 2, "统一社会信用代码") == ["统一社会信用代码应为18位，当前为17位"]


def test_it_rejects_a_credit_code_that_is_too_long(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(0, credit_code=make_code(101) + "1")])
    messages = errors_at(errors, 2, "统一社会信用代码")
    assert len(messages) == 1
    assert "18" in messages[0]
    assert "19" in messages[0]


def test_it_rejects_a_missing_credit_code(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(0, credit_code="")])
    assert errors_at(errors, 2, "统一社会信用代码") == ["这个字段是必填项。"]


def test_it_rejects_an_unknown_industry_label(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(101, industry="化工")])
    [message] = errors_at(errors, 2, "行业")
    assert message.startswith("“化工”不是有效选项，可选：冶金、有色")


def test_it_rejects_an_industry_code_in_place_of_its_label(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(101, industry="machinery")])
    assert errors_at(errors, 2, "行业")


def test_it_rejects_an_unknown_sector_tag(client, users):
    errors = rejected(
        client, users[Role.COUNTY_ADMIN], [row(101, sector_tags="机械铸造、危化品、冶炼")]
    )
    assert errors_at(errors, 2, "重点行业领域") == ["未知的重点行业领域：危化品、冶炼"]


def test_it_rejects_an_unknown_dust_class(client, users):
    rows = [row(101, sector_tags="粉尘涉爆", dust_class="面粉", dust_workers=5)]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    [message] = errors_at(errors, 2, "粉尘类别")
    assert message.startswith("“面粉”不是有效选项")


def test_a_town_supervisor_cannot_import_a_row_for_the_other_town(client, users, town_b):
    errors = rejected(client, users[Role.TOWN_SUPERVISOR], [row(101, jurisdiction="清平镇")])
    assert errors_at(errors, 2, "所属镇街") == ["“清平镇”不是您管辖范围内的镇街"]


def test_it_rejects_a_town_that_does_not_exist(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(101, jurisdiction="梁村镇")])
    assert errors_at(errors, 2, "所属镇街") == ["“梁村镇”不是您管辖范围内的镇街"]


def test_it_rejects_a_missing_town(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(101, jurisdiction="")])
    assert errors_at(errors, 2, "所属镇街") == ["这个字段是必填项。"]


def test_it_rejects_a_grid_that_is_not_under_the_town(client, users, grid_a):
    rows = [row(101, jurisdiction="清平镇", grid="赵寨子镇第一网格")]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    assert errors_at(errors, 2, "所属网格") == ["“赵寨子镇第一网格”不是所属镇街下的网格"]


def test_a_combustible_dust_row_needs_a_dust_class(client, users):
    rows = [row(101, sector_tags="粉尘涉爆", dust_workers=6)]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    assert "粉尘涉爆企业请选择粉尘类别" in errors_at(errors, 2, "粉尘类别")


def test_a_combustible_dust_row_needs_the_number_of_dust_workers(client, users):
    rows = [row(101, sector_tags="粉尘涉爆", dust_class="木粉尘")]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    assert errors_at(errors, 2, "涉粉作业人数") == ["粉尘涉爆企业请填写涉粉作业人数"]


def test_it_rejects_a_bad_phone_number(client, users):
    rows = [row(101, principal_phone="1390000"), row(102, safety_officer_phone="电话")]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    reason = "电话格式不正确：应为11位手机号或带区号的固定电话"
    assert errors_at(errors, 2, "主要负责人电话") == [reason]
    assert errors_at(errors, 3, "安全管理人员电话") == [reason]


def test_it_rejects_a_headcount_that_is_not_a_number(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(101, employee_count="一百二十")])
    assert errors_at(errors, 2, "从业人数") == ["输入整数。"]


def test_it_rejects_a_yes_no_cell_that_is_neither(client, users):
    errors = rejected(client, users[Role.COUNTY_ADMIN], [row(101, small_micro="不清楚")])
    assert errors_at(errors, 2, "小微企业") == ["请填写“是”或“否”"]


def test_a_credit_code_repeated_in_the_file_is_reported_against_the_later_row(client, users):
    code = make_code(101)
    rows = [row(101), row(102), row(0, credit_code=code, name="另一家有限公司")]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    assert errors == [(4, "统一社会信用代码", "与第 2 行重复")]


def test_a_repeat_differing_only_in_letter_case_is_still_a_repeat(client, users):
    code = credit_code.make("91371526MA3CXXXX3")
    rows = [row(0, credit_code=code), row(0, credit_code=code.lower())]
    errors = rejected(client, users[Role.COUNTY_ADMIN], rows)
    assert errors == [(3, "统一社会信用代码", "与第 2 行重复")]


def test_a_credit_code_of_an_enterprise_outside_the_users_scope_is_refused(
    client, users, enterprise_b
):
    # enterprise_b is in 清平镇; the town_a supervisor may not overwrite it by its code.
    rows = [row(3, name="冒名顶替有限公司")]
    errors = rejected(client, users[Role.TOWN_SUPERVISOR], rows)
    assert errors == [(2, "统一社会信用代码", "该代码已登记在您管辖范围以外的企业")]
    enterprise_b.refresh_from_db()
    assert enterprise_b.name == "清平木业有限公司"


# --- whole-file refusals ------------------------------------------------------------------------


def test_it_refuses_a_file_that_is_not_excel(client, users):
    upload = SimpleUploadedFile(
        "企业名录.txt", "统一社会信用代码,企业名称\n".encode(), "text/plain"
    )
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "请上传 Excel 文件（.xlsx），可先下载导入模板"


def test_it_refuses_an_old_xls_file(client, users):
    upload = SimpleUploadedFile("企业名录.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "请上传 Excel 文件（.xlsx），可先下载导入模板"


def test_it_refuses_plain_text_named_xlsx(client, users):
    upload = SimpleUploadedFile("企业名录.xlsx", "这不是表格\n".encode(), XLSX)
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "无法读取该文件：不是有效的 Excel（.xlsx）文件"


def test_it_refuses_a_zip_that_is_not_a_workbook(client, users):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    upload = SimpleUploadedFile("企业名录.xlsx", buffer.getvalue(), XLSX)
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "无法读取该文件：不是有效的 Excel（.xlsx）文件"


def test_it_refuses_a_file_with_a_missing_column(client, users):
    keep = [i for i, h in enumerate(spreadsheet.HEADERS) if h != "行业"]
    headers = [spreadsheet.HEADERS[i] for i in keep]
    upload = xlsx_upload([[row(101)[i] for i in keep]], headers=headers)
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "表头与导入模板不一致（缺少列：行业），请使用导入模板"


def test_it_refuses_a_file_with_an_unknown_column(client, users):
    upload = xlsx_upload([[*row(101), "老客户"]], headers=[*spreadsheet.HEADERS, "备注"])
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "表头与导入模板不一致（无法识别的列：备注），请使用导入模板"


def test_it_names_both_missing_and_unknown_columns(client, users):
    headers = ["单位名称" if h == "企业名称" else h for h in spreadsheet.HEADERS]
    message = refused(client, users[Role.COUNTY_ADMIN], xlsx_upload([row(101)], headers=headers))
    assert "缺少列：企业名称" in message
    assert "无法识别的列：单位名称" in message


def test_it_refuses_a_file_with_only_the_header_row(client, users):
    message = refused(client, users[Role.COUNTY_ADMIN], xlsx_upload([]))
    assert message == "文件中没有数据行"


def test_it_refuses_a_workbook_with_nothing_in_it(client, users):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    upload = SimpleUploadedFile("空表.xlsx", buffer.getvalue(), XLSX)
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message.startswith("表头与导入模板不一致（缺少列：统一社会信用代码、企业名称")


def test_it_refuses_an_empty_file(client, users):
    upload = SimpleUploadedFile("企业名录.xlsx", b"", XLSX)
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "文件是空的"


def test_it_refuses_a_file_over_the_size_cap(client, users, settings):
    settings.IMPORT_MAX_BYTES = 2 * 1024
    upload = xlsx_upload([row(101)])
    assert upload.size > 2 * 1024
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "文件过大：不能超过 2 KB"


def test_the_size_cap_is_stated_in_megabytes_when_it_is_that_large(client, users, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("大文件.xlsx", b"x" * (1024 * 1024 + 1), XLSX)
    message = refused(client, users[Role.COUNTY_ADMIN], upload)
    assert message == "文件过大：不能超过 1 MB"


def test_the_import_page_states_the_default_size_cap(client, users):
    client_for(client, users[Role.COUNTY_ADMIN])
    assert "文件不超过 5 MB" in client.get(IMPORT_URL).content.decode()


def test_the_import_page_states_a_size_cap_below_a_megabyte(client, users, settings):
    settings.IMPORT_MAX_BYTES = 512 * 1024
    client_for(client, users[Role.COUNTY_ADMIN])
    page = client.get(IMPORT_URL).content.decode()
    assert "文件不超过 512 KB" in page


def test_it_asks_for_a_file_when_none_is_chosen(client, users):
    before = snapshot()
    client_for(client, users[Role.COUNTY_ADMIN])
    response = client.post(IMPORT_URL, {})
    assert response.status_code == 400
    assert response.context["refused"] == "请选择要导入的 Excel 文件"
    assert "请选择要导入的 Excel 文件" in response.content.decode()
    assert snapshot() == before


# --- permissions and the template ---------------------------------------------------------------


@pytest.mark.parametrize("role", IMPORTERS)
def test_roles_with_import_permission_see_the_import_page(client, users, role):
    client_for(client, users[role])
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    assert "批量导入企业" in response.content.decode()


@pytest.mark.parametrize("role", NON_IMPORTERS)
def test_roles_without_import_permission_get_403_on_the_import_page(client, users, role):
    client_for(client, users[role])
    assert client.get(IMPORT_URL).status_code == 403


@pytest.mark.parametrize("role", NON_IMPORTERS)
def test_roles_without_import_permission_cannot_post_a_file(client, users, role):
    before = snapshot()
    response = post_import(client, users[role], xlsx_upload([row(101)]))
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", NON_IMPORTERS)
def test_roles_without_import_permission_get_403_on_the_template(client, users, role):
    client_for(client, users[role])
    assert client.get(TEMPLATE_URL).status_code == 403


@pytest.mark.parametrize("role", NON_IMPORTERS)
def test_the_service_refuses_roles_without_import_permission(users, role):
    with pytest.raises(PermissionDenied):
        services.import_enterprises(users[role], xlsx_upload([row(101)]))
    assert not Enterprise.objects.filter(credit_code=make_code(101)).exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.get(TEMPLATE_URL).status_code == 302


def download_template(client, user):
    client_for(client, user)
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.getvalue()))


def guide_rows(workbook) -> dict[str, list]:
    return {r[0]: list(r[1:]) for r in workbook["填写说明"].iter_rows(values_only=True) if r[0]}


def test_the_template_header_row_is_the_import_header(client, users):
    workbook = download_template(client, users[Role.COUNTY_ADMIN])
    sheet = workbook.worksheets[0]
    first_row = [cell.value for cell in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert first_row == spreadsheet.HEADERS
    assert sheet.max_row == 1


def test_the_template_guide_lists_every_column_and_the_county_admins_towns(client, users):
    workbook = download_template(client, users[Role.COUNTY_ADMIN])
    guide = guide_rows(workbook)
    for column in spreadsheet.COLUMNS:
        assert column.header in guide
        assert (guide[column.header][0] == "必填") is column.required
    assert "冶金、有色" in guide["行业"][1]
    assert "粉尘涉爆" in guide["重点行业领域可选值"][1]
    assert set(guide["所属镇街可选值"][1].split("、")) == {"赵寨子镇", "清平镇"}


def test_the_template_guide_lists_only_the_town_supervisors_own_town(client, users):
    workbook = download_template(client, users[Role.TOWN_SUPERVISOR])
    assert guide_rows(workbook)["所属镇街可选值"][1] == "赵寨子镇"


def test_the_filled_in_template_imports(client, users):
    workbook = download_template(client, users[Role.COUNTY_ADMIN])
    workbook.worksheets[0].append(row(101, industry="商贸", status="正常生产"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("企业导入模板.xlsx", buffer.getvalue(), XLSX)
    response = post_import(client, users[Role.COUNTY_ADMIN], upload)
    assert response.status_code == 302
    assert Enterprise.objects.get(credit_code=make_code(101)).industry == "commerce"


def test_the_untouched_template_is_refused_as_having_no_rows(client, users):
    client_for(client, users[Role.COUNTY_ADMIN])
    content = client.get(TEMPLATE_URL).getvalue()
    upload = SimpleUploadedFile("企业导入模板.xlsx", content, XLSX)
    assert refused(client, users[Role.COUNTY_ADMIN], upload) == "文件中没有数据行"
