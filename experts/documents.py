"""The feedback report (有限空间专家会诊讲评反馈报告) as a Word file (python-docx), rendered from
the content stored when it was issued (ExpertVisit.report_data), so the file downloaded later is
the report as issued. Fonts and text handling as enforcement's documents: 宋体 titles, 仿宋 body,
every run through core.text.xml_text."""

import io
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from core.docx import set_font
from core.text import xml_text

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(10.5)
TITLE = "有限空间专家会诊讲评反馈报告"


def _chinese_date(value: str) -> str:
    if not value:
        return "—"
    day = date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _para(doc, text="", size=BODY_SIZE, bold=False, align=None, font=BODY_FONT):
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(4)
    if text:
        set_font(paragraph.add_run(xml_text(text)), font, size, bold)
    return paragraph


def _labelled(doc, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    set_font(paragraph.add_run(xml_text(f"{label}：")), BODY_FONT, BODY_SIZE, bold=True)
    set_font(paragraph.add_run(xml_text(value or "—")), BODY_FONT, BODY_SIZE)


def _table(doc, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row_cells, values, bold in [(table.rows[0].cells, headers, True)] + [
        (table.add_row().cells, row, False) for row in rows
    ]:
        for cell, value, width in zip(row_cells, values, widths, strict=True):
            cell.text = ""
            set_font(cell.paragraphs[0].add_run(xml_text(str(value))), BODY_FONT, TABLE_SIZE, bold)
            cell.width = Cm(width)


def report_docx(data: dict) -> bytes:
    doc = Document()
    _para(doc, data["issuer"], Pt(18), True, WD_ALIGN_PARAGRAPH.CENTER, TITLE_FONT)
    _para(doc, TITLE, Pt(22), True, WD_ALIGN_PARAGRAPH.CENTER, TITLE_FONT)
    _para(doc, data["number"], BODY_SIZE, False, WD_ALIGN_PARAGRAPH.RIGHT)
    _labelled(doc, "被服务企业", data["enterprise"])
    _labelled(doc, "企业地址", data["address"])
    _labelled(doc, "组织单位", data["organiser"])
    _labelled(doc, "会诊日期", _chinese_date(data["planned_on"]))
    _labelled(doc, "会诊专家", "、".join(data["experts"]))
    _para(doc, "一、“四位一体”服务情况", bold=True)
    _table(
        doc,
        ["环节", "日期", "参加人数", "内容"],
        [
            [
                p["part"],
                _chinese_date(p["held_on"]) if p["held_on"] else "未开展",
                str(p["attendees"] or "—"),
                p["content"] or "—",
            ]
            for p in data["parts"]
        ],
        [2.5, 3.5, 2, 8],
    )
    _para(doc, "二、现场会诊发现的问题隐患", bold=True)
    if data["findings"]:
        _table(
            doc,
            ["序号", "问题描述", "部位/有限空间", "隐患编号"],
            [
                [str(i), f["description"], f["space"] or f["place"] or "—", str(f["hazard"])]
                for i, f in enumerate(data["findings"], start=1)
            ],
            [1.5, 8.5, 4, 2],
        )
    else:
        _para(doc, "本次会诊未发现问题隐患。")
    _para(doc, "三、有限空间管理台账审核", bold=True)
    if data["reviews"]:
        _table(
            doc,
            ["有限空间", "审核结论", "说明"],
            [[r["space"], r["result"], r["note"] or "—"] for r in data["reviews"]],
            [4.5, 3, 8.5],
        )
    else:
        _para(doc, "本次会诊未审核有限空间台账。")
    _para(doc, "四、讲评反馈意见", bold=True)
    for line in data["summary"].splitlines() or [""]:
        paragraph = _para(doc, line)
        paragraph.paragraph_format.first_line_indent = Pt(28)
    _para(doc, "请企业对上述问题隐患按期整改，整改情况在平台隐患台账中提交验收。")
    _para(doc)
    _para(doc, data["issuer"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, _chinese_date(data["issued_on"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
