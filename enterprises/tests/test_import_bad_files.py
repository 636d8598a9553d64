"""Files built to hurt the import: zip bombs (refused from the zip's directory, quickly and
without inflating them), sheets that declare more cells than any enterprise list holds, control
characters in cells (a row error: the import stays all or nothing), and what people upload by
mistake (GBK CSV, a CSV or an old .xls renamed .xlsx, a damaged sheet). Each is a Chinese
refusal that changes nothing; none is a 500."""

import io
import time
import tracemalloc
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from enterprises import services, spreadsheet
from enterprises.models import Enterprise
from enterprises.tests.test_import import (
    XLSX,
    errors_at,
    post_import,
    refused,
    row,
    snapshot,
    xlsx_bytes,
)

MB = 1024 * 1024


def _rewrite(workbook: bytes, member: str, change) -> bytes:
    """The workbook with one member's bytes passed through `change`, written as a new zip."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == member:
                data = change(data)
            target.writestr(info.filename, data)
    return out.getvalue()


def _bomb(padding_bytes: int) -> bytes:
    """A real workbook whose sheet carries `padding_bytes` of whitespace before its data (legal
    XML, so a parser would read through all of it): the 1 GB-in-1 MB bomb, scaled."""
    good = xlsx_bytes([row(1)])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with target.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head + b"<sheetData>")
                chunk = b" " * (16 * MB)
                for _ in range(padding_bytes // len(chunk)):
                    sheet.write(chunk)
                sheet.write(tail)
    return out.getvalue()


def _measured(user, upload):
    """read_import's refusal, with the time taken and the peak of memory allocated."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        services.import_enterprises(user, upload)
    except spreadsheet.ImportRefused as refusal:
        message = str(refusal)
    else:
        raise AssertionError("the file was not refused")
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return message, elapsed, peak


def test_a_zip_bomb_of_whitespace_is_refused_without_inflating_it(client, users):
    data = _bomb(512 * MB)
    assert len(data) < 1 * MB  # 512 MB of whitespace in well under a megabyte
    upload = SimpleUploadedFile("企业名录.xlsx", data, XLSX)
    before = snapshot()
    message, elapsed, peak = _measured(users[Role.COUNTY_ADMIN], upload)
    assert "压缩炸弹" in message
    assert elapsed < 1.0
    assert peak < 5 * MB
    assert snapshot() == before
    upload.seek(0)
    assert "压缩炸弹" in refused(client, users[Role.COUNTY_ADMIN], upload)


def test_a_member_compressed_far_beyond_any_sheet_is_refused(client, users):
    # 32 MB is within the unpacked total; a ratio of about 1000:1 is not.
    data = _bomb(32 * MB)
    upload = SimpleUploadedFile("企业名录.xlsx", data, XLSX)
    assert "压缩炸弹" in refused(client, users[Role.COUNTY_ADMIN], upload)


def _declaring(dimension: str, extra_rows: bytes = b"") -> bytes:
    def change(xml: bytes) -> bytes:
        start = xml.index(b"<dimension")
        end = xml.index(b"/>", start) + 2
        xml = xml[:start] + f'<dimension ref="{dimension}"/>'.encode() + xml[end:]
        return xml.replace(b"</sheetData>", extra_rows + b"</sheetData>")

    return _rewrite(xlsx_bytes([row(1)]), "xl/worksheets/sheet1.xml", change)


def test_a_sheet_declaring_a_million_rows_by_the_full_width_is_refused(client, users):
    # 2 KB that openpyxl would expand into 17 billion empty cells, one row at a time.
    data = _declaring("A1:XFD1048576", b'<row r="1048576"><c r="A1048576" t="n"><v>1</v></c></row>')
    assert len(data) < 10_000
    upload = SimpleUploadedFile("企业名录.xlsx", data, XLSX)
    message, elapsed, peak = _measured(users[Role.COUNTY_ADMIN], upload)
    assert "工作表过大" in message
    assert elapsed < 1.0
    assert peak < 5 * MB
    upload.seek(0)
    assert "工作表过大" in refused(client, users[Role.COUNTY_ADMIN], upload)


def test_a_sheet_that_hides_its_extent_is_still_read_only_so_far(client, users):
    # No <dimension>, and one cell in the last row: the empty rows before it are counted.
    def change(xml: bytes) -> bytes:
        start = xml.index(b"<dimension")
        xml = xml[:start] + xml[xml.index(b"/>", start) + 2 :]
        last = b'<row r="1048576"><c r="A1048576" t="n"><v>1</v></c></row>'
        return xml.replace(b"</sheetData>", last + b"</sheetData>")

    data = _rewrite(xlsx_bytes([row(1)]), "xl/worksheets/sheet1.xml", change)
    upload = SimpleUploadedFile("企业名录.xlsx", data, XLSX)
    message, elapsed, _ = _measured(users[Role.COUNTY_ADMIN], upload)
    assert "工作表过大" in message
    assert elapsed < 5.0


def test_an_ordinary_large_import_is_within_every_limit(users):
    # The export of 10,000 enterprises, the most one import takes, passes the archive checks.
    data = xlsx_bytes([row(n, address="高唐县赵寨子镇工业园区" * 3) for n in range(1, 10_001)])
    spreadsheet._check_archive(io.BytesIO(data))


def _with_cell_text(text: bytes) -> bytes:
    marked = xlsx_bytes([row(1), row(2, address="MARK")])
    return _rewrite(marked, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"MARK", text))


def test_a_control_character_in_a_cell_is_an_error_of_its_row(client, users):
    # Excel and LibreOffice write U+001F as _x001F_; a C1 control arrives as itself.
    for text in (b"\xe4\xb8\x9c\xe5\x85\xb3_x001F_\xe8\xa1\x97", "东关\u0085街".encode()):
        before = snapshot()
        upload = SimpleUploadedFile("企业名录.xlsx", _with_cell_text(text), XLSX)
        response = post_import(client, users[Role.COUNTY_ADMIN], upload)
        assert response.status_code == 400
        assert snapshot() == before  # the good first row is not stored either
        errors = [(e.row, e.column, e.message) for e in response.context["errors"]]
        assert any("控制字符" in m for m in errors_at(errors, 3, "地址")), errors
        assert not errors_at(errors, 2, "地址")


def test_a_control_character_the_xml_cannot_hold_refuses_the_file(client, users):
    upload = SimpleUploadedFile("企业名录.xlsx", _with_cell_text(b"x&#x1F;y"), XLSX)
    assert "控制字符" in refused(client, users[Role.COUNTY_ADMIN], upload)


def test_a_line_break_in_a_name_is_an_error_of_its_row(client, users):
    before = snapshot()
    upload = SimpleUploadedFile(
        "企业名录.xlsx", xlsx_bytes([row(1, name="高唐县\n精工有限公司")]), XLSX
    )
    response = post_import(client, users[Role.COUNTY_ADMIN], upload)
    assert response.status_code == 400
    errors = [(e.row, e.column, e.message) for e in response.context["errors"]]
    assert any("换行" in m for m in errors_at(errors, 2, "企业名称"))
    assert snapshot() == before


GBK_CSV = "统一社会信用代码,企业名称\n91371526000000001X,高唐县精工铸造有限公司\n".encode("gbk")
OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096


def test_a_gbk_csv_is_refused_in_chinese(client, users):
    upload = SimpleUploadedFile("企业名录.csv", GBK_CSV, "text/csv")
    assert refused(client, users[Role.COUNTY_ADMIN], upload) == (
        "请上传 Excel 文件（.xlsx），可先下载导入模板"
    )


def test_a_gbk_csv_renamed_xlsx_is_refused_in_chinese(client, users):
    upload = SimpleUploadedFile("企业名录.xlsx", GBK_CSV, XLSX)
    assert refused(client, users[Role.COUNTY_ADMIN], upload) == spreadsheet._UNREADABLE


def test_an_old_xls_renamed_xlsx_is_refused_in_chinese(client, users):
    upload = SimpleUploadedFile("企业名录.xlsx", OLD_XLS, XLSX)
    assert refused(client, users[Role.COUNTY_ADMIN], upload) == spreadsheet._UNREADABLE


def test_a_word_document_renamed_xlsx_is_refused_in_chinese(client, users):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    upload = SimpleUploadedFile("企业名录.xlsx", out.getvalue(), XLSX)
    assert refused(client, users[Role.COUNTY_ADMIN], upload) == spreadsheet._UNREADABLE


def test_a_workbook_with_a_damaged_sheet_is_refused_in_chinese(client, users):
    data = _rewrite(xlsx_bytes([row(1)]), "xl/worksheets/sheet1.xml", lambda xml: xml[:-40])
    upload = SimpleUploadedFile("企业名录.xlsx", data, XLSX)
    assert "无法读取该文件" in refused(client, users[Role.COUNTY_ADMIN], upload)
    assert not Enterprise.objects.filter(name__startswith="高唐县测试").exists()
