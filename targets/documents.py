"""The report as a Word file (python-docx), from what the report stores (`Report.content`,
its title, text and number), so the file downloaded later is the report as issued: title,
number (a draft says so), the text, then the tables and the charts (targets.charts, PNG).

Runs carry their East Asian font names (宋体 titles, 仿宋 body) as enforcement's documents do;
every run's text goes through core.text.xml_text.

The Excel file (`report_workbook`) holds the same tables, one sheet each (core.xlsx)."""

import io
from datetime import date
from decimal import Decimal

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from core.docx import set_font
from core.text import xml_text
from core.xlsx import BOLD, Workbook
from targets import charts, measures
from targets.models import Report, ReportState

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(9)
DRAFT_MARK = "（草稿，未印发）"
NUMERALS = "一二三四五六七八九十"


def _para(doc, text="", size=BODY_SIZE, bold=False, align=None, font=BODY_FONT, indent=False):
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(28)
    paragraph.paragraph_format.space_after = Pt(4)
    if text:
        set_font(paragraph.add_run(xml_text(text)), font, size, bold)
    return paragraph


def _cell(cell, text: str, bold=False) -> None:
    cell.text = ""
    set_font(cell.paragraphs[0].add_run(xml_text(text)), BODY_FONT, TABLE_SIZE, bold)


def _table(doc, headers: list[str], rows: list[list[str]]):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, header, bold=True)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            _cell(cell, value)
    return table


def _heading(doc, text: str) -> None:
    _para(doc, text, Pt(15), True, font=TITLE_FONT)


# --- the tables, as rows of text (Word and Excel alike) ----------------------------------------


def shown(value, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value}%" if unit == measures.PERCENT else str(value)


def change_shown(line: dict) -> str:
    if line["change"] is None:
        return "—"
    value = line["change"]
    sign = "+" if not str(value).startswith("-") and value not in ("0", "0.0") else ""
    suffix = "个百分点" if line["unit"] == measures.PERCENT else ""
    return f"{sign}{value}{suffix}"


MEASURE_HEADERS = ["指标", "任务", "本期", "目标", "状态", "上期", "变化"]


def measure_rows(content: dict) -> list[list[str]]:
    return [
        [
            line["label"],
            line["task"],
            shown(line["value"], line["unit"]),
            shown(line["goal"], line["unit"]),
            line["light_label"],
            shown(line["previous"], line["unit"]),
            change_shown(line),
        ]
        for line in content["measures"]
    ]


def town_headers(content: dict) -> list[str]:
    return ["指标", *[c["name"] for c in content["children"]]]


def town_rows(content: dict) -> list[list[str]]:
    rows = []
    for line in content["measures"]:
        values = [
            shown(line["children"].get(str(c["id"]), {}).get("value"), line["unit"])
            for c in content["children"]
        ]
        rows.append([line["label"], *values])
    return rows


HAZARD_HEADERS = ["企业", "镇街", "隐患描述", "发现日期", "整改期限", "挂牌督办", "状态"]


def hazard_rows(rows: list[dict]) -> list[list[str]]:
    return [
        [
            h["enterprise"],
            h["town"],
            h["description"],
            h["found_on"],
            h["deadline"] or "—",
            h["listed"] or "—",
            h["state"],
        ]
        for h in rows
    ]


ENFORCEMENT_HEADERS = [
    "镇街",
    "执法检查（次）",
    "发现隐患",
    "其中重大",
    "立案处罚（件）",
    "罚款（元）",
]
ENFORCEMENT_FIELDS = ("inspections", "hazards", "majors", "penalties", "amount")


def enforcement_rows(content: dict) -> list[list[str]]:
    part = content["enforcement"]
    rows = [[t["name"], *[str(t[f]) for f in ENFORCEMENT_FIELDS]] for t in part["towns"]]
    rows.append(["合计", *[str(part["total"][f]) for f in ENFORCEMENT_FIELDS]])
    return rows


ALARM_HEADERS = ["镇街", "产生报警", "未升级", "升级至镇街", "升级至县局", "本期关闭", "期末未关闭"]
ALARM_FIELDS = ("raised", "level0", "level1", "level2", "closed", "open")


def alarm_rows(content: dict) -> list[list[str]]:
    part = content["alarms"]
    rows = [[t["name"], *[str(t[f]) for f in ALARM_FIELDS]] for t in part["towns"]]
    rows.append(["合计", *[str(part["total"][f]) for f in ALARM_FIELDS]])
    return rows


def _count(total: int, limit: int) -> str:
    return f"（共{total}项，列出前{limit}项）" if total > limit else f"（共{total}项）"


def sections(report: Report) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables in order: (heading, headers, rows)."""
    content = report.content
    hazards = content["hazards"]
    found = [
        ("主要指标完成情况", MEASURE_HEADERS, measure_rows(content)),
    ]
    if content["children"]:
        found.append(("各镇街指标情况", town_headers(content), town_rows(content)))
    found += [
        (
            "逾期未整改重大事故隐患" + _count(hazards["overdue_total"], hazards["limit"]),
            HAZARD_HEADERS,
            hazard_rows(hazards["overdue"]),
        ),
        (
            "挂牌督办未销号隐患" + _count(hazards["listed_total"], hazards["limit"]),
            HAZARD_HEADERS,
            hazard_rows(hazards["listed"]),
        ),
        ("执法检查统计", ENFORCEMENT_HEADERS, enforcement_rows(content)),
        ("监测预警报警情况", ALARM_HEADERS, alarm_rows(content)),
    ]
    return [
        (f"{NUMERALS[n]}、{title}", headers, rows) for n, (title, headers, rows) in enumerate(found)
    ]


# --- the files ----------------------------------------------------------------------------------


def _chinese_date(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def report_docx(report: Report) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    _para(doc, report.title, Pt(20), True, WD_ALIGN_PARAGRAPH.CENTER, TITLE_FONT)
    number = report.number if report.state == ReportState.ISSUED else DRAFT_MARK
    _para(doc, number, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER)
    content = report.content
    _para(
        doc,
        f"统计期：{_chinese_date(content['period_start'])}至{_chinese_date(content['period_end'])}",
        Pt(12),
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    for paragraph in report.text.split("\n"):
        if paragraph.strip():
            _para(doc, paragraph.strip(), indent=True)
    tables = sections(report)
    for heading, headers, rows in tables:
        _heading(doc, heading)
        if rows:
            _table(doc, headers, rows)
        else:
            _para(doc, "无。", Pt(12))
    bars = charts.town_bars(content)
    trend = charts.trend_lines(content)
    if bars or trend:
        _heading(doc, f"{NUMERALS[len(tables)]}、图表")
    if bars:
        _para(doc, "各镇街主要指标与目标（虚线为目标值）", Pt(12))
        doc.add_picture(io.BytesIO(bars), width=Cm(16))
    if trend:
        _para(doc, "主要指标月末走势", Pt(12))
        doc.add_picture(io.BytesIO(trend), width=Cm(16))
    if content.get("live"):
        _para(
            doc,
            f"注：{'、'.join(content['live'])}无期末冻结数据，为起草时按期末日期计算。",
            Pt(10.5),
        )
    if report.state == ReportState.ISSUED and report.issued_at:
        _para(
            doc,
            f"印发日期：{report.issued_at.year}年{report.issued_at.month}月{report.issued_at.day}日",
            Pt(12),
            align=WD_ALIGN_PARAGRAPH.RIGHT,
        )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def report_workbook(report: Report) -> Workbook:
    book = Workbook()
    for n, (heading, headers, rows) in enumerate(sections(report)):
        name = heading.split("、", 1)[1].split("（", 1)[0][:28] or f"表{n + 1}"
        sheet = book.sheet(name)
        sheet.append([report.title])
        sheet.append([heading])
        sheet.append(headers, style=BOLD)
        for row in rows:
            sheet.append([_number(value) for value in row])
    return book


def _number(text: str):
    """A count or an amount as a number in Excel; anything else as the text shown."""
    try:
        return Decimal(text) if "." in text else int(text)
    except (ValueError, ArithmeticError):
        return text


def filename(report: Report, extension: str) -> str:
    return f"{report.number or report.title}.{extension}"
