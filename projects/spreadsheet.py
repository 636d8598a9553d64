"""An enterprise's equipment register in Excel: the import template, the import (all or
nothing: every row is checked by the same rule as the page, projects.services.clean_equipment,
and every error is listed with its row, column and reason; only a file without errors is
saved) and the export, with the same columns so that an exported file can be edited and
imported back. The file is opened and its zip checked as the enterprise import does
(enterprises.spreadsheet); every file is written by core.xlsx."""

import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from core.xlsx import HEADER, HEADER_REQUIRED, Workbook
from enterprises.spreadsheet import ImportRefused, _open, _text
from projects.models import EquipmentKind
from projects.services import ProjectRefused, clean_equipment

MAX_ROWS = 5_000
MAX_COLUMNS = 20

# (header, field, required, note)
COLUMNS = [
    ("设备（工艺）名称", "name", True, "如：中频感应电炉、抛丸机、热处理工艺"),
    ("规格型号", "model", False, "铭牌上的型号，如 GW-1.5-750"),
    ("类别", "kind", True, "、".join(EquipmentKind.labels)),
    ("数量", "quantity", False, "整数，空为 1"),
    ("投用年份", "year", False, "四位数年份，如 2015"),
    ("所属工艺", "process", False, "如：熔炼、浇注、涂装"),
    ("是否在用", "in_use", False, "是 或 否，空为 是"),
]
HEADERS = [c[0] for c in COLUMNS]
LABEL_OF = {c[1]: c[0] for c in COLUMNS}
KIND_BY_LABEL = {label: value for value, label in EquipmentKind.choices}

__all__ = ["ImportRefused", "export_workbook", "read_import", "template_workbook"]


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
        "设备台账",
        HEADERS,
        widths=[24, 18, 12, 8, 10, 16, 10],
        header_style=[HEADER_REQUIRED if c[2] else HEADER for c in COLUMNS],
        freeze=True,
    )
    sheet.validation(2, list(EquipmentKind.labels), "请从下拉列表中选择类别")
    sheet.validation(6, ["是", "否"], "请填写 是 或 否")
    guide = workbook.sheet("填写说明", ["列", "是否必填", "说明"], widths=[20, None, 80])
    for header, _, required, note in COLUMNS:
        guide.append([header, "必填" if required else "", note])
    return workbook


def export_workbook(queryset) -> Workbook:
    workbook = Workbook()
    sheet = workbook.sheet("设备台账", HEADERS)
    for item in queryset.iterator(chunk_size=2000):
        sheet.append(
            [
                item.name,
                item.model,
                item.get_kind_display(),
                item.quantity,
                item.year,
                item.process,
                "是" if item.in_use else "否",
            ]
        )
    return workbook


def _integer(text: str):
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return text  # refused by clean_equipment as not an integer


def _row(cells: dict[str, str]) -> dict:
    kind_label = cells.get("类别", "")
    in_use = cells.get("是否在用", "")
    quantity = _integer(cells.get("数量", ""))
    return {
        "name": cells.get("设备（工艺）名称", ""),
        "model": cells.get("规格型号", ""),
        "kind": KIND_BY_LABEL.get(kind_label, kind_label or None),
        "quantity": 1 if quantity is None else quantity,
        "year": _integer(cells.get("投用年份", "")),
        "process": cells.get("所属工艺", ""),
        "in_use": {"": True, "是": True, "否": False}.get(in_use, in_use),
    }


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
            cells = {h: _text(v) for h, v in zip(header, values, strict=False) if h}
            if any(cells.values()):
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
    for number, cells in body:
        values = _row(cells)
        if values["kind"] is not None and values["kind"] not in EquipmentKind.values:
            result.errors.append(
                RowError(number, "类别", f"“{cells.get('类别')}”不是可选的类别（{COLUMNS[2][3]}）")
            )
            continue
        if not isinstance(values["in_use"], bool):
            result.errors.append(RowError(number, "是否在用", "请填写 是 或 否"))
            continue
        try:
            result.rows.append(clean_equipment(values))
        except ProjectRefused as exc:
            column = LABEL_OF.get(exc.field or "", "")
            result.errors.append(RowError(number, column, str(exc)))
    return result
