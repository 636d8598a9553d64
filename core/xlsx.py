"""The one writer of the platform's Excel files (every export, the import template, statistics).

Stored text goes into cells as text and nothing else:

- a string is always a string cell, never a formula; one that Excel would take for the start of
  a formula when it is edited (``=``, ``+``, ``-``, ``@``, tab, carriage return: OWASP's CSV
  injection list) is also marked "text" (quotePrefix, the leading apostrophe Excel shows), so
  ``=HYPERLINK(...)`` in a company name stays those characters, whatever the user does with the
  cell; the text itself is not changed, so an exported file imports back as it was;
- characters XML cannot hold (core.text) are dropped, so a row stored before input was checked
  cannot make a download fail.

Memory stays flat in the row count: rows are written as they come into a sheet part compressed
straight into a temporary file, which the response then streams (core.http.xlsx_response). The
XML is written here rather than by XlsxWriter or openpyxl because their per-cell Python work is
what made the 台账 export slow: on this project's 2-core machine XlsxWriter's constant-memory
mode took 11 µs of CPU a cell (16 s for a county's 72,000 hazards), openpyxl's write-only mode
twice that; writing each row as one string takes about 1 µs a cell. What is written is the
small part of SpreadsheetML these files need: inline strings, numbers, dates, a few fixed
styles, column widths, a frozen header row and drop-down lists (tests read every file back with
openpyxl).
"""

import datetime
import math
import re
import tempfile
import zipfile
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from openpyxl.utils import get_column_letter

from core.text import XML_ILLEGAL

# Cell styles: indexes into cellXfs in STYLES below.
PLAIN, DATE, TEXT, BOLD, HEADER, HEADER_REQUIRED = range(6)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_LEAD = frozenset(FORMULA_START)
MAX_COLUMNS = 16_384  # Excel's limit (XFD)
MAX_ROWS = 1_048_576
# Excel's day 0 in the 1900 date system (30 December 1899, its leap-year bug included).
_EPOCH = datetime.date(1899, 12, 30).toordinal()
# One search per string finds all that needs escaping or dropping; most strings have none.
# A carriage return is written as a reference, which XML's end-of-line handling keeps.
_SPECIAL = re.compile(f"[&<>\r]|{XML_ILLEGAL.pattern}")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
# Excel reads _xHHHH_ in a string as an escaped character; literal text of that form keeps its
# underscore escaped (as Excel and XlsxWriter write it).
_ESCAPE_LIKE = re.compile("(_x[0-9A-Fa-f]{4}_)")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="3">'
    '<font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="宋体"/><family val="3"/>'
    '<charset val="134"/></font>'
    "</fonts>"
    '<fills count="4"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FF1F4E79"/></patternFill></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFC00000"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="3" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_FLUSH_ROWS = 500


def _escape_match(match) -> str:
    return _ESCAPES.get(match.group(), "")


def _text(value: str) -> str:
    """A string's <t> element: escaped, without XML-illegal characters ("" when nothing is
    left). Spaces are always preserved, which spares a check of both ends of every string."""
    if "_x" in value:
        value = _ESCAPE_LIKE.sub(r"_x005F\1", value)
    if _SPECIAL.search(value):
        value = _SPECIAL.sub(_escape_match, value)
        if not value:
            return ""
    return f'<t xml:space="preserve">{value}</t>'


class Sheet:
    """One worksheet, written row by row (append) and closed when the next one is started."""

    def __init__(self, book, title, headers, widths, header_style, freeze):
        self._book = book
        self.title = title
        self._validations: list[str] = []
        self._buffer: list[str] = []
        self._row = 0
        self._letters = [get_column_letter(i) for i in range(1, 27)]
        self._out = book._zip.open(f"xl/worksheets/sheet{book._count}.xml", "w", force_zip64=True)
        head = [_XML, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        if freeze:
            head.append(
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            )
        if widths:
            head.append("<cols>")
            for index, width in enumerate(widths, start=1):
                if width:
                    head.append(
                        f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
                    )
            head.append("</cols>")
        head.append("<sheetData>")
        self._out.write("".join(head).encode())
        if headers:
            self.append(headers, style=header_style)

    def _letter(self, column: int) -> str:
        while column >= len(self._letters):
            if len(self._letters) >= MAX_COLUMNS:
                raise ValueError("more columns than Excel allows")
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[column]

    def append(self, values, style: int | list[int] | None = None) -> None:
        """Write the next row. str, int, float, Decimal, bool and date are written as such;
        None and "" are an empty cell. `style` (e.g. BOLD, or one per column) applies to the
        row's text cells."""
        self._row += 1
        if self._row > MAX_ROWS:
            raise ValueError("more rows than Excel allows")
        row = str(self._row)
        if len(values) > len(self._letters):
            self._letter(len(values) - 1)
        letters = self._letters
        # Most rows hold nothing to escape or drop: one search of all their text at once (a
        # search per cell is most of the cost of a large export) lets each cell skip its own.
        texts = [value for value in values if type(value) is str]
        joined = "\n".join(texts)
        plain = style is None and not ("_x" in joined or _SPECIAL.search(joined))
        parts = [f'<row r="{row}">']
        add = parts.append
        for column, value in enumerate(values):
            ref = letters[column] + row
            kind = type(value)
            if kind is str and value:
                if plain and value[0] not in _FORMULA_LEAD:
                    add(
                        f'<c r="{ref}" t="inlineStr"><is>'
                        f'<t xml:space="preserve">{value}</t></is></c>'
                    )
                    continue
                text = _text(value)
                if not text:  # nothing but characters XML forbids
                    add(f'<c r="{ref}"/>')
                elif value.startswith(FORMULA_START):
                    add(f'<c r="{ref}" s="{TEXT}" t="inlineStr"><is>{text}</is></c>')
                else:
                    cell_style = style if style is None or type(style) is int else style[column]
                    s = f' s="{cell_style}"' if cell_style else ""
                    add(f'<c r="{ref}"{s} t="inlineStr"><is>{text}</is></c>')
            elif value is None or kind is str:
                # Written all the same: without a <dimension> (unknown until the last row)
                # readers such as openpyxl's read-only mode size a row by its last cell.
                add(f'<c r="{ref}"/>')
            elif kind is int or kind is float or kind is Decimal:
                if kind is not int and not math.isfinite(value):
                    add(f'<c r="{ref}" t="inlineStr"><is>{_text(str(value))}</is></c>')
                else:
                    add(f'<c r="{ref}"><v>{value}</v></c>')
            elif kind is datetime.date:
                add(f'<c r="{ref}" s="{DATE}"><v>{value.toordinal() - _EPOCH}</v></c>')
            elif kind is bool:
                add(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            else:
                raise TypeError(f"cannot write {kind.__name__} to a cell")
        add("</row>")
        self._buffer.append("".join(parts))
        if len(self._buffer) >= _FLUSH_ROWS:
            self._flush()

    def validation(self, column: int, labels, error: str) -> None:
        """A drop-down list of `labels` on `column` (0-based) below the header row."""
        letter = self._letter(column)
        items = ",".join(XML_ILLEGAL.sub("", str(label)) for label in labels)
        formula = quoteattr(f'"{items}"')[1:-1]  # the list is a quoted string in the formula
        self._validations.append(
            f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" '
            f"error={quoteattr(XML_ILLEGAL.sub('', error))} "
            f'sqref="{letter}2:{letter}{MAX_ROWS}"><formula1>{formula}</formula1>'
            "</dataValidation>"
        )

    def _flush(self) -> None:
        if self._buffer:
            self._out.write("".join(self._buffer).encode())
            self._buffer = []

    def close(self) -> None:
        if self._out is None:
            return
        self._flush()
        tail = ["</sheetData>"]
        if self._validations:
            tail.append(f'<dataValidations count="{len(self._validations)}">')
            tail.extend(self._validations)
            tail.append("</dataValidations>")
        tail.append("</worksheet>")
        self._out.write("".join(tail).encode())
        self._out.close()
        self._out = None


class Workbook:
    """An .xlsx file written into a temporary file; `sheet()` starts each worksheet in turn and
    `close()` returns the finished file, read from its start."""

    def __init__(self):
        # Closed by close()'s caller: the response that streams it, or getvalue().
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        # Level 1: the sheets are mostly repeated words; a higher level costs several times the
        # CPU for a file a tenth smaller.
        self._zip = zipfile.ZipFile(self._file, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheets: list[Sheet] = []
        self._count = 0

    def sheet(
        self, title: str, headers=(), *, widths=None, header_style=PLAIN, freeze=False
    ) -> Sheet:
        """Start the next worksheet (the previous one is finished), with `headers` as its first
        row in `header_style` (one, or one per column). `widths`: column widths in characters,
        None for the default; `freeze`: keep the first row in view."""
        if self._sheets:
            self._sheets[-1].close()
        title = XML_ILLEGAL.sub("", title)[:31]
        self._count += 1
        sheet = Sheet(self, title, headers, widths, header_style, freeze)
        self._sheets.append(sheet)
        return sheet

    def close(self):
        """Finish the file and return it (a binary file object at offset 0)."""
        if self._zip is None:
            return self._file
        if not self._sheets:
            self.sheet("Sheet1")
        self._sheets[-1].close()
        count = len(self._sheets)
        sheets = "".join(
            f'<sheet name={quoteattr(s.title)} sheetId="{n}" r:id="rId{n}"/>'
            for n, s in enumerate(self._sheets, start=1)
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
            for n in range(1, count + 1)
        )
        relations = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        parts = {
            "[Content_Types].xml": (
                f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{overrides}</Types>"
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
                f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PACKAGE_REL}">{relations}'
                f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                "</Relationships>"
            ),
        }
        for name, xml in parts.items():
            self._zip.writestr(name, _XML + xml)
        self._zip.writestr("xl/styles.xml", STYLES)
        self._zip.close()
        self._zip = None
        self._file.seek(0)
        return self._file

    def getvalue(self) -> bytes:
        """The finished file's bytes (for callers that need them in memory)."""
        with self.close() as file:
            return file.read()
