"""The enterprise spreadsheet: one list of columns serves the import template, the import and
the export, so an exported file can be edited and imported back.

An import is all or nothing: every row is validated by EnterpriseForm first and any error
anywhere (reported with its row, column and reason) leaves the database untouched.
"""

import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.utils.escape import unescape
from openpyxl.utils.exceptions import InvalidFileException

from core.models import Jurisdiction, JurisdictionKind
from core.xlsx import HEADER, HEADER_REQUIRED, Workbook
from enterprises.choices import DustClass, Industry, Standardization, Status
from enterprises.forms import EnterpriseForm
from enterprises.models import Enterprise, ProcessKind, SectorTag

MAX_ROWS = 10_000
TAG_SEPARATORS = "、,，;； "
YES = {"是", "Y", "YES", "TRUE", "1"}
NO = {"否", "N", "NO", "FALSE", "0", ""}


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    choices: type | None = None  # a TextChoices class: cells hold its Chinese labels
    note: str = ""
    # Exported, never imported: the column may be present (an exported file is imported back)
    # or absent, and its cells are ignored.
    read_only: bool = False
    # Imported when present; a file made before the column existed is still accepted, and an
    # enterprise it updates keeps what it had.
    optional: bool = False


COLUMNS = [
    Column("统一社会信用代码", "credit_code", True, note="18位；已登记的代码将更新该企业"),
    Column("企业名称", "name", True),
    Column("地址", "address"),
    Column("所属镇街", "jurisdiction", True, note="开发区、镇或街道的名称"),
    Column("所属网格", "grid", note="所属镇街下的网格名称，可空"),
    Column("行业", "industry", True, Industry),
    Column("重点行业领域", "sector_tags", note="多个用顿号分隔，如：机械铸造、粉尘涉爆"),
    Column(
        "设备工艺",
        "process_kinds",
        note="设备设施、工艺、有限空间类型，多个用顿号分隔，如：中频炉、喷涂、除尘系统",
        optional=True,
    ),
    Column("粉尘类别", "dust_class", choices=DustClass, note="粉尘涉爆企业必填"),
    Column("涉粉作业人数", "dust_workers", note="粉尘涉爆企业必填"),
    Column("从业人数", "employee_count", True),
    Column("规模以上", "above_scale", note="是/否"),
    Column("小微企业", "small_micro", note="是/否"),
    Column("主要负责人", "principal_name", True),
    Column("主要负责人电话", "principal_phone", True),
    Column("安全管理人员", "safety_officer_name"),
    Column("安全管理人员电话", "safety_officer_phone"),
    Column(
        "安全生产标准化",
        "standardization",
        choices=Standardization,
        note="只读：由标准化定级记录得出（公告、降级、撤销、过期时更新），导入时忽略此列",
        read_only=True,
    ),
    Column("经营状态", "status", choices=Status, note="空为正常生产"),
    Column("经度", "longitude"),
    Column("纬度", "latitude"),
]
HEADERS = [c.header for c in COLUMNS]
BY_FIELD = {c.field: c for c in COLUMNS}


class ImportRefused(Exception):
    """The file as a whole cannot be read as an enterprise list."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    forms: list[EnterpriseForm] = field(default_factory=list)
    created: int = 0
    updated: int = 0


# --- writing ----------------------------------------------------------------------------------


def template_workbook(user) -> Workbook:
    workbook = Workbook()
    sheet = workbook.sheet(
        "企业名录",
        HEADERS,
        widths=[max(10, len(c.header) * 2.4) for c in COLUMNS],
        header_style=[HEADER_REQUIRED if c.required else HEADER for c in COLUMNS],
        freeze=True,
    )
    for index, column in enumerate(COLUMNS):
        if column.choices is not None:
            labels = [label for _, label in column.choices.choices]
            sheet.validation(index, labels, f"请从下拉列表中选择{column.header}")
    guide = workbook.sheet("填写说明", ["列", "是否必填", "说明"], widths=[20, None, 90])
    for column in COLUMNS:
        note = column.note
        if column.choices is not None:
            note = (
                (note + "；" if note else "")
                + "可选值："
                + "、".join(label for _, label in column.choices.choices)
            )
        guide.append([column.header, "必填" if column.required else "", note])
    guide.append([])
    guide.append(
        ["重点行业领域可选值", "", "、".join(SectorTag.objects.values_list("name", flat=True))]
    )
    guide.append(
        ["设备工艺可选值", "", "、".join(ProcessKind.objects.values_list("name", flat=True))]
    )
    towns = Jurisdiction.objects.for_user(user).town_level().order_by("sort_order", "name")
    guide.append(["所属镇街可选值", "", "、".join(t.name for t in towns)])
    return workbook


def _label(choices, value) -> str:
    return str(choices(value).label) if value else ""


def export_workbook(queryset) -> Workbook:
    workbook = Workbook()
    sheet = workbook.sheet("企业名录", HEADERS)
    rows = queryset.select_related("jurisdiction", "grid").prefetch_related(
        "sector_tags", "process_kinds"
    )
    for e in rows.iterator(chunk_size=2000):
        sheet.append(
            [
                e.credit_code,
                e.name,
                e.address,
                e.jurisdiction.name,
                e.grid.name if e.grid_id else "",
                _label(Industry, e.industry),
                "、".join(tag.name for tag in e.sector_tags.all()),
                "、".join(kind.name for kind in e.process_kinds.all()),
                _label(DustClass, e.dust_class),
                e.dust_workers,
                e.employee_count,
                "是" if e.above_scale else "否",
                "是" if e.small_micro else "否",
                e.principal_name,
                e.principal_phone,
                e.safety_officer_name,
                e.safety_officer_phone,
                _label(Standardization, e.standardization),
                _label(Status, e.status),
                float(e.longitude) if e.longitude is not None else None,
                float(e.latitude) if e.latitude is not None else None,
            ]
        )
    return workbook


# --- reading ----------------------------------------------------------------------------------


def size_limit_label() -> str:
    """IMPORT_MAX_BYTES as people read it: "5 MB", "2.5 MB", or "512 KB" below a megabyte."""
    limit = settings.IMPORT_MAX_BYTES
    if limit >= 1024 * 1024:
        return f"{round(limit / (1024 * 1024), 1):g} MB"
    if limit >= 1024:
        return f"{round(limit / 1024, 1):g} KB"
    return f"{limit} 字节"


# What an upload may unpack to, checked in the zip's directory before anything is parsed, so a
# zip bomb (600 MB inflated from 609 KB, or 1 GB of whitespace in 1 MB) is refused at once.
# Measured: 10,000 enterprises (the most one import takes) with every column filled is a 0.8 MB
# file that unpacks to 16 MB, its sheet compressed 21:1 (rows that differ little compress well).
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 1000
# Ratios above this are refused for members larger than RATIO_FLOOR (small ones compress
# freely and are harmless); a bomb of repeated bytes compresses about 1000:1.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
# A sheet's declared extent (<dimension ref="A1:T10001"/>): openpyxl pads every row to the
# declared width and yields every missing row up to the last one, so a 2 KB file declaring
# A1:XFD1048576 would make it produce 17 billion cells. Rows read (blank ones included) and
# columns read are bounded the same way for a sheet that declares nothing.
MAX_COLUMNS = 100
MAX_SCANNED_ROWS = 2 * MAX_ROWS
MAX_CELLS = MAX_SCANNED_ROWS * MAX_COLUMNS
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_TOO_BIG = "文件解压后过大或压缩比异常，疑似压缩炸弹，已拒绝读取"


def _check_archive(upload) -> None:
    """Refuse a zip whose directory or sheets declare more than any enterprise list holds."""
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ImportRefused(_TOO_BIG)
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ImportRefused(_TOO_BIG)
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise ImportRefused(_TOO_BIG)
        for member in members:
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                with archive.open(member) as sheet:
                    head = sheet.read(4096)
                found = _DIMENSION.search(head)
                if found is None:
                    continue
                first_col, first_row, last_col, last_row = found.groups()
                rows = int(last_row or first_row) - int(first_row) + 1
                columns = (
                    column_index_from_string((last_col or first_col).decode())
                    - column_index_from_string(first_col.decode())
                    + 1
                )
                if rows * columns > MAX_CELLS or columns > MAX_COLUMNS:
                    raise ImportRefused(
                        f"工作表过大：声明了 {rows} 行 × {columns} 列，"
                        f"一次最多导入 {MAX_ROWS} 行、{MAX_COLUMNS} 列"
                    )
    upload.seek(0)


def _open(upload):
    name = (getattr(upload, "name", "") or "").lower()
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(f"文件过大：不能超过 {size_limit_label()}")
    if upload.size == 0:
        raise ImportRefused("文件是空的")
    if not name.endswith(".xlsx"):
        raise ImportRefused("请上传 Excel 文件（.xlsx），可先下载导入模板")
    try:
        _check_archive(upload)
        return load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError):
        raise ImportRefused(_UNREADABLE) from None


_UNREADABLE = "无法读取该文件：不是有效的 Excel（.xlsx）文件"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        # Excel and LibreOffice write a control character as _x001F_ (XML cannot hold it) and
        # openpyxl hands that on as it is: decoded, EnterpriseForm refuses it as a row error.
        value = unescape(value)
    return str(value).strip()


class _Lookups:
    """Name -> object maps for one import, built once and limited to the user's scope."""

    def __init__(self, user):
        visible = Jurisdiction.objects.for_user(user)
        self.towns = {j.name: j for j in visible.town_level()}
        self.grids = {(j.parent_id, j.name): j for j in visible.filter(kind=JurisdictionKind.GRID)}
        self.tags = {t.name: t.code for t in SectorTag.objects.all()}
        self.kinds = {k.name: k.code for k in ProcessKind.objects.all()}
        self.in_scope = Enterprise.objects.for_user(user)


def _cell_errors(row: int, cells: dict[str, str], lookups: _Lookups):
    """Turn a row's cells into form data, with errors for cells that cannot be converted."""
    data: dict = {}
    errors: list[RowError] = []

    def err(field_name, message):
        errors.append(RowError(row, BY_FIELD[field_name].header, message))

    for column in COLUMNS:
        if column.read_only:
            continue
        if column.optional and column.header not in cells:
            continue
        value = cells.get(column.header, "")
        if column.choices is not None:
            if not value:
                data[column.field] = "" if column.field == "dust_class" else None
                continue
            labels = {str(label): code for code, label in column.choices.choices}
            if value in labels:
                data[column.field] = labels[value]
            else:
                err(column.field, f"“{value}”不是有效选项，可选：{'、'.join(labels)}")
        elif column.field in ("above_scale", "small_micro"):
            if value.upper() in YES:
                data[column.field] = True
            elif value.upper() in NO:
                data[column.field] = False
            else:
                err(column.field, "请填写“是”或“否”")
        elif column.field == "sector_tags":
            names = [n for n in _split(value) if n]
            unknown = [n for n in names if n not in lookups.tags]
            if unknown:
                err(column.field, f"未知的重点行业领域：{'、'.join(unknown)}")
            data[column.field] = [lookups.tags[n] for n in names if n in lookups.tags]
        elif column.field == "process_kinds":
            names = [n for n in _split(value) if n]
            unknown = [n for n in names if n not in lookups.kinds]
            if unknown:
                err(column.field, f"未知的设备工艺：{'、'.join(unknown)}")
            data[column.field] = [lookups.kinds[n] for n in names if n in lookups.kinds]
        elif column.field == "jurisdiction":
            town = lookups.towns.get(value)
            if value and town is None:
                err(column.field, f"“{value}”不是您管辖范围内的镇街")
            data[column.field] = town.pk if town else None
        elif column.field == "grid":
            town_id = data.get("jurisdiction")
            grid = lookups.grids.get((town_id, value)) if value else None
            if value and town_id and grid is None:
                err(column.field, f"“{value}”不是所属镇街下的网格")
            data[column.field] = grid.pk if grid else None
        else:
            data[column.field] = value
    # Choice fields left empty fall back to the model's defaults, as on the create page.
    data["status"] = data.get("status") or Status.OPERATING
    return data, errors


def _split(value: str) -> list[str]:
    for sep in TAG_SEPARATORS[1:]:
        value = value.replace(sep, TAG_SEPARATORS[0])
    return [part.strip() for part in value.split(TAG_SEPARATORS[0])]


def read_import(user, upload) -> ImportResult:
    """Validate a whole upload; raises ImportRefused when the file itself is unusable."""
    workbook = _open(upload)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        header = [_text(v) for v in next(rows, ())]
        while header and header[-1] == "":
            header.pop()
        missing = [
            c.header
            for c in COLUMNS
            if c.header not in header and not c.read_only and not c.optional
        ]
        unknown = [h for h in header if h and h not in HEADERS]
        if missing or unknown:
            parts = []
            if missing:
                parts.append("缺少列：" + "、".join(missing))
            if unknown:
                parts.append("无法识别的列：" + "、".join(unknown))
            raise ImportRefused("表头与导入模板不一致（" + "；".join(parts) + "），请使用导入模板")
        body = []
        for number, values in enumerate(rows, start=2):
            cells = {h: _text(v) for h, v in zip(header, values, strict=False) if h}
            if any(cells.values()):
                body.append((number, cells))
            if len(body) > MAX_ROWS:
                raise ImportRefused(f"数据行过多：一次最多导入 {MAX_ROWS} 行")
            if number > MAX_SCANNED_ROWS:
                raise ImportRefused(f"工作表过大：超过 {MAX_SCANNED_ROWS} 行（含空行）")
    except ParseError:
        # A sheet whose XML is malformed, most often a control character written as a character
        # reference (&#x1F;), which XML 1.0 does not allow and which no row can be read past.
        raise ImportRefused("无法读取该文件：表格中含有控制字符或格式错误") from None
    except (KeyError, ValueError, zipfile.BadZipFile, EOFError):
        # A workbook whose sheet is damaged past its directory (a truncated member).
        raise ImportRefused(_UNREADABLE) from None
    finally:
        workbook.close()
    if not body:
        raise ImportRefused("文件中没有数据行")
    return _validate(user, body)


def _validate(user, body) -> ImportResult:
    result = ImportResult()
    lookups = _Lookups(user)
    codes = [cells.get("统一社会信用代码", "").upper() for _, cells in body]
    existing = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    in_scope = set(lookups.in_scope.filter(credit_code__in=codes).values_list("pk", flat=True))
    seen: dict[str, int] = {}
    for (number, cells), code in zip(body, codes, strict=True):
        data, errors = _cell_errors(number, cells, lookups)
        result.errors.extend(errors)
        instance = existing.get(code)
        if "process_kinds" not in data:
            # A file without the column: the enterprise keeps its profile.
            data["process_kinds"] = (
                list(instance.process_kinds.values_list("pk", flat=True)) if instance else []
            )
        if code in seen:
            result.errors.append(RowError(number, "统一社会信用代码", f"与第 {seen[code]} 行重复"))
            continue
        seen[code] = number
        if instance is not None and instance.pk not in in_scope:
            result.errors.append(
                RowError(number, "统一社会信用代码", "该代码已登记在您管辖范围以外的企业")
            )
            continue
        form = EnterpriseForm(user, data=data, instance=instance)
        if form.is_valid() and not errors:
            result.forms.append(form)
            if instance is None:
                result.created += 1
            else:
                result.updated += 1
            continue
        # The form still checks the other cells of a row with unreadable ones, so every error
        # is listed at once; a column already reported is not reported again.
        reported = {e.column for e in errors}
        for field_name, messages in form.errors.items():
            column = BY_FIELD[field_name].header if field_name in BY_FIELD else "整行"
            if column in reported:
                continue
            for message in messages:
                result.errors.append(RowError(number, column, str(message)))
    return result
