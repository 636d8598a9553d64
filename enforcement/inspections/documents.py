"""Enforcement documents as Word files (python-docx): 现场检查记录, 责令限期整改指令书 and
整改复查意见书.

Each kind is a template here (`TEMPLATES`: a function laying out the page) filled with the data
stored on the InspectionDocument when it was issued (`document.data`, made by
enforcement.inspections), so the file downloaded later is the document as issued. Runs carry
their East Asian font names (宋体 for titles, 仿宋 for the body) so Word shows the Chinese text in
the intended faces on any machine. Every run's text goes through core.text.xml_text: data
stored before input was checked may hold control characters, which a .docx cannot.
"""

import io
from datetime import date
from urllib.parse import quote

from django.http import HttpResponse
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from core.docx import set_font
from core.text import xml_text
from enforcement.models import DocumentKind

# The remedies against a 责令限期整改指令书 and their time limits, checked 2026-11-29 against the
# official texts: 《行政复议法》（2023年修订）第二十条 (自知道或者应当知道该行政行为之日起六十日内
# 提出行政复议申请) and 《行政诉讼法》（2017年修正）第四十六条 (六个月内提出); the order is carried
# out meanwhile: 《行政复议法》第四十二条 and 《行政诉讼法》第五十六条 (不停止执行).
APPEAL = (
    "如果不服本指令，可以依法在60日内申请行政复议，或者在6个月内依法向人民法院提起行政诉讼，"
    "但本指令不停止执行，法律另有规定的除外。"
)

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
BODY_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号


def chinese_date(value: str) -> str:
    if not value:
        return "    年  月  日"
    day = date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _run(paragraph, text):
    return paragraph.add_run(xml_text(text))


def _para(
    doc_or_cell, text="", size=BODY_SIZE, bold=False, align=None, font=BODY_FONT, indent=False
):
    paragraph = doc_or_cell.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(28)
    paragraph.paragraph_format.space_after = Pt(4)
    if text:
        set_font(_run(paragraph, text), font, size, bold)
    return paragraph


def _labelled(doc, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(4)
    set_font(_run(paragraph, f"{label}："), BODY_FONT, BODY_SIZE, bold=True)
    set_font(_run(paragraph, value or "—"), BODY_FONT, BODY_SIZE)


def _cell(cell, text: str, bold=False) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    set_font(_run(paragraph, text), BODY_FONT, TABLE_SIZE, bold)


def _table(doc, headers: list[str], rows: list[list[str]], widths: list[float]):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header, width in zip(table.rows[0].cells, headers, widths, strict=True):
        _cell(cell, header, bold=True)
        cell.width = Cm(width)
    for row in rows:
        cells = table.add_row().cells
        for cell, value, width in zip(cells, row, widths, strict=True):
            _cell(cell, value)
            cell.width = Cm(width)
    return table


def _heading(doc, data: dict, title: str, number: str) -> None:
    _para(doc, data["issuer"], Pt(18), True, WD_ALIGN_PARAGRAPH.CENTER, TITLE_FONT)
    _para(doc, title, Pt(22), True, WD_ALIGN_PARAGRAPH.CENTER, TITLE_FONT)
    _para(doc, number, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.RIGHT)


def _inspectors(data: dict) -> str:
    return "、".join(
        f"{i['name']}（执法证号：{i['badge']}）" if i["badge"] else i["name"]
        for i in data["inspectors"]
    )


def _signatures(doc, data: dict, lines: list[str]) -> None:
    _para(doc)
    for line in lines:
        _para(doc, line)
    _para(doc, data["issuer"] + "（印章）", align=WD_ALIGN_PARAGRAPH.RIGHT)


def _record(doc, document) -> None:
    data = document.data
    _heading(doc, data, "现场检查记录", document.number)
    _labelled(doc, "被检查单位", data["enterprise"])
    _labelled(doc, "统一社会信用代码", data["credit_code"])
    _labelled(doc, "地址", data["address"])
    _labelled(doc, "主要负责人", f"{data['principal']}    联系电话：{data['principal_phone']}")
    _labelled(doc, "所属镇街", data["town"])
    _labelled(doc, "检查场所", data["place"])
    _labelled(doc, "检查时间", chinese_date(data["inspected_on"]))
    _labelled(doc, "检查方式", data["kind"])
    _labelled(doc, "执法人员", _inspectors(data))
    _para(
        doc,
        "我们是" + data["issuer"] + "执法人员，已出示执法证件。依法对你单位进行检查，"
        "请予配合。检查按照检查清单逐项进行，情况如下：",
        indent=True,
    )
    _table(
        doc,
        ["序号", "检查内容", "依据", "结果", "情况说明"],
        [
            [str(i["index"]), i["text"], i["basis"], i["result"], i["note"]]
            for i in data.get("items", [])
        ],
        [1.2, 6.0, 4.0, 1.6, 3.5],
    )
    if data.get("evidence"):
        _para(doc, "引用的监测预警证据：", bold=True)
        for line in data["evidence"]:
            _para(doc, line, indent=True)
    _labelled(doc, "检查情况", data.get("findings") or "见上表")
    _signatures(
        doc,
        data,
        [
            "被检查单位现场负责人（签名）：                 年   月   日",
            "执法人员（签名）：                             年   月   日",
        ],
    )


def _order(doc, document) -> None:
    data = document.data
    _heading(doc, data, "责令限期整改指令书", document.number)
    _para(doc, f"{data['enterprise']}：")
    _para(
        doc,
        f"经查，你单位存在下列问题（{chinese_date(data['inspected_on'])}{data['kind']}）：",
        indent=True,
    )
    for item in data.get("items", []):
        major = "（重大事故隐患）" if item["major"] else ""
        _para(
            doc,
            f"{item['index']}. {item['text']}{major}。"
            f"检查项：{item['item']}；依据：{item['basis']}。",
            indent=True,
        )
    _para(
        doc,
        f"现责令你单位对上述问题于{chinese_date(data['deadline'])}前整改完毕，达到有关法律法规规章"
        "和标准规定的要求；整改期间应当采取措施保证安全。由此造成事故的，依法追究有关人员的责任。",
        indent=True,
    )
    _para(doc, APPEAL, indent=True)
    _labelled(doc, "执法人员", _inspectors(data))
    _signatures(
        doc,
        data,
        [
            "被检查单位负责人（签收）：                     年   月   日",
            chinese_date(data["inspected_on"]),
        ],
    )


def _recheck(doc, document) -> None:
    data = document.data
    _heading(doc, data, "整改复查意见书", document.number)
    _para(doc, f"{data['enterprise']}：")
    order = f"《责令限期整改指令书》（{data['order_number']}）" if data.get("order_number") else ""
    _para(
        doc,
        f"本机关于{chinese_date(data['inspected_on'])}对你单位进行检查，并作出{order}"
        f"责令限期整改。经{chinese_date(data['rechecked_on'])}复查，整改情况如下：",
        indent=True,
    )
    _table(
        doc,
        ["序号", "问题", "复查结论", "隐患状态", "整改完毕"],
        [
            [
                str(n),
                h["note"] + ("（重大事故隐患）" if h["major"] else ""),
                h.get("verdict") or "—",
                h["state"],
                "是" if h["closed"] else "否",
            ]
            for n, h in enumerate(data.get("hazards", []), start=1)
        ],
        [1.2, 7.4, 1.8, 2.6, 2.2],
    )
    _labelled(doc, "复查意见", data.get("opinion", ""))
    _labelled(doc, "复查人员", _inspectors(data))
    _signatures(
        doc,
        data,
        [
            "被复查单位负责人（签收）：                     年   月   日",
            chinese_date(data["rechecked_on"]),
        ],
    )


TEMPLATES = {
    DocumentKind.RECORD: _record,
    DocumentKind.RECTIFY_ORDER: _order,
    DocumentKind.RECHECK: _recheck,
}


def render(document) -> bytes:
    """The Word file of an issued document."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.2)
    doc.core_properties.title = xml_text(f"{document.get_kind_display()} {document.number}")
    TEMPLATES[document.kind](doc, document)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def response(document) -> HttpResponse:
    """The document as a Word download with its Chinese file name (RFC 5987 encoding)."""
    result = HttpResponse(render(document), content_type=DOCX)
    result["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.filename)}"
    return result
