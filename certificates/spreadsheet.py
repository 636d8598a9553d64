"""An enterprise's special-operation certificates in Excel: the import template, the import (all
or nothing: every row is checked by the same rule as the page, services.clean_certificate, and
every error is listed with its row, column and reason; only a file without errors is saved) and
the export, with the same columns so that an exported file imports back. The file is opened and
its zip checked as the enterprise import does (enterprises.spreadsheet); every file is written
by core.xlsx. The county's list export (expiring or due) adds the enterprise and status."""

import datetime
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from certificates import reference
from certificates.models import Certificate
from certificates.services import CertificateRefused, clean_certificate
from core.xlsx import HEADER, HEADER_REQUIRED, Workbook
from enterprises.spreadsheet import ImportRefused, _open, _text

MAX_ROWS = 5_000
MAX_COLUMNS = 20

# (header, field, required, note)
COLUMNS = [
    ("姓名", "holder_name", True, "持证人姓名"),
    ("身份证号", "id_number", True, "18 位居民身份证号码"),
    ("作业类别及操作项目", "operation", True, "从下拉列表中选择，如：电工作业—低压电工作业"),
    ("证号", "number", True, "操作证上的证号"),
    ("初领日期", "issued_on", True, "如 2022-03-15"),
    ("应复审日期", "review_due_on", False, "空则按初领日期后 3 年计算（第二十二条）"),
    ("有效期至", "expires_on", False, "空则按初领日期后 6 年计算（第二十一条）"),
    ("发证机关", "authority", True, "如：聊城市应急管理局"),
    ("作业岗位", "post", False, "如：配电室、焊接车间"),
]
HEADERS = [c[0] for c in COLUMNS]
LABEL_OF = {c[1]: c[0] for c in COLUMNS}
OPERATION_BY_LABEL = {label: code for code, label in reference.OPERATION_CHOICES}
DATE_FIELDS = {"issued_on", "review_due_on", "expires_on"}
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")

__all__ = ["ImportRefused", "export_workbook", "list_workbook", "read_import", "template_workbook"]


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def template_workbook() -> Workbook:
    workbook = Workbook()
    sheet = workbook.sheet(
        "特种作业操作证",
        HEADERS,
        widths=[10, 22, 34, 22, 12, 12, 12, 22, 16],
        header_style=[HEADER_REQUIRED if c[2] else HEADER for c in COLUMNS],
        freeze=True,
    )
    sheet.validation(2, list(OPERATION_BY_LABEL), "请从下拉列表中选择作业类别及操作项目")
    guide = workbook.sheet("填写说明", ["列", "是否必填", "说明"], widths=[20, None, 80])
    for header, _, required, note in COLUMNS:
        guide.append([header, "必填" if required else "", note])
    guide.append(["依据", "", reference.CATALOGUE_SOURCE])
    return workbook


def _row_values(item) -> list:
    return [
        item.holder_name,
        item.id_number,
        item.operation_label,
        item.number,
        item.issued_on,
        item.review_due_on,
        item.expires_on,
        item.authority,
        item.post,
    ]


def export_workbook(queryset) -> Workbook:
    workbook = Workbook()
    sheet = workbook.sheet("特种作业操作证", HEADERS)
    for item in queryset.iterator(chunk_size=2000):
        sheet.append(_row_values(item))
    return workbook


def list_workbook(queryset, show_id) -> Workbook:
    """The county's or town's list: enterprise, town and status first; the ID number masked
    unless `show_id`."""
    workbook = Workbook()
    sheet = workbook.sheet("特种作业操作证到期与复审", ["企业", "镇街", "状态", *HEADERS])
    for item in queryset.iterator(chunk_size=2000):
        values = _row_values(item)
        if not show_id:
            values[1] = item.masked_id
        sheet.append(
            [item.enterprise.name, item.enterprise.jurisdiction.name, item.status_label, *values]
        )
    return workbook


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = _DATE_TEXT.match(_text(value))
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    return _text(value)  # refused by clean_certificate as not a date


def read_import(upload) -> ImportResult:
    """Check a whole upload; ImportRefused when the file itself is unusable."""
    workbook = _open(upload)
    body = []
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        header = [_text(v) for v in next(rows, ())]
        while header and header[-1] == "":
            header.pop()
        missing = [h for h in HEADERS if h not in header]
        if missing:
            raise ImportRefused(
                "表头与导入模板不一致（缺少列：" + "、".join(missing) + "），请使用导入模板"
            )
        for number, values in enumerate(rows, start=2):
            cells = {h: v for h, v in zip(header, values, strict=False) if h}
            if any(_text(v) for v in cells.values()):
                body.append((number, cells))
            if len(body) > MAX_ROWS:
                raise ImportRefused(f"数据行过多：一次最多导入 {MAX_ROWS} 行")
            if number > 2 * MAX_ROWS:
                raise ImportRefused(f"工作表过大：超过 {2 * MAX_ROWS} 行（含空行）")
    except ParseError:
        raise ImportRefused("无法读取该文件：表格中含有控制字符或格式错误") from None
    except (KeyError, ValueError, zipfile.BadZipFile, EOFError):
        raise ImportRefused("无法读取该文件：不是有效的 Excel（.xlsx）文件") from None
    finally:
        workbook.close()
    if not body:
        raise ImportRefused("文件中没有数据行")
    result = ImportResult()
    seen: dict[tuple[str, str], int] = {}
    for number, cells in body:
        values = {}
        for header, name, _, _ in COLUMNS:
            raw = cells.get(header)
            values[name] = _date(raw) if name in DATE_FIELDS else _text(raw)
        label = values["operation"]
        values["operation"] = OPERATION_BY_LABEL.get(label, label)
        if label and values["operation"] not in reference.BY_CODE:
            result.errors.append(
                RowError(
                    number, "作业类别及操作项目", f"“{label[:40]}”不是目录中的作业类别及操作项目"
                )
            )
            continue
        try:
            row = clean_certificate(values)
        except CertificateRefused as exc:
            result.errors.append(RowError(number, LABEL_OF.get(exc.field or "", ""), str(exc)))
            continue
        key = (row["number"], row["operation"])
        if key in seen:
            result.errors.append(
                RowError(number, "证号", f"与第 {seen[key]} 行的证号和作业项目重复")
            )
            continue
        seen[key] = number
        result.rows.append(row)
    taken = set(
        Certificate.objects.filter(number__in=[key[0] for key in seen]).values_list(
            "number", "operation"
        )
    )
    for key, number in seen.items():
        if key in taken:
            result.errors.append(RowError(number, "证号", "该作业项目的证号已登记"))
    result.errors.sort(key=lambda error: error.row)
    return result
