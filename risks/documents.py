"""The 岗位风险告知卡 (a post's risk notice card) as a Word file (python-docx): the post's risks
with their level and colour, the control measures with their level and owner, and the
emergency steps, from the register as it stands. Runs carry their East Asian font names, and
every text goes through core.text.xml_text, as enforcement's documents do."""

import io
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from core.docx import set_font
from core.text import xml_text
from risks.models import Risk
from risks.reference import COLOUR_HEX, LEVEL_OF_COLOUR, Colour, UnitKind

TITLE_FONT = "黑体"
BODY_FONT = "宋体"
BODY_SIZE = Pt(10.5)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _para(doc_or_cell, text: str, size=BODY_SIZE, bold=False, colour=None, align=None):
    paragraph = doc_or_cell.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    set_font(
        paragraph.add_run(xml_text(text)), BODY_FONT if not bold else TITLE_FONT, size, bold, colour
    )
    return paragraph


def _cell(cell, text: str, bold=False, colour=None) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    set_font(paragraph.add_run(xml_text(text)), BODY_FONT, Pt(10), bold, colour)


def title(unit) -> str:
    return f"{unit.name}岗位风险告知卡" if unit.kind == UnitKind.POST else f"{unit.name}风险告知卡"


def render(unit) -> bytes:
    risks = list(
        Risk.objects.current()
        .filter(point__unit=unit)
        .select_related("point", "current")
        .prefetch_related("measures")
        .order_by("rank", "point__name", "id")
    )
    enterprise = unit.enterprise
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin = section.right_margin = Cm(1.8)
    doc.core_properties.title = xml_text(title(unit))
    _para(doc, title(unit), Pt(20), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(
        doc,
        f"企业：{enterprise.name}    单元类型：{unit.get_kind_display()}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    top = risks[0].colour if risks else None
    if top:
        _para(
            doc,
            f"本岗位最高风险等级：{LEVEL_OF_COLOUR[Colour(top)]}（{Colour(top).label}）",
            Pt(12),
            bold=True,
            colour=COLOUR_HEX[Colour(top)],
        )
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["风险点", "危险有害因素", "可能导致的事故", "风险等级", "管控措施（层级 / 责任人）"],
        strict=True,
    ):
        _cell(cell, text, bold=True)
    for risk in risks:
        measures = [m for m in risk.measures.all() if m.withdrawn_at is None]
        cells = table.add_row().cells
        _cell(cells[0], risk.point.name)
        _cell(cells[1], risk.description)
        _cell(cells[2], risk.get_accident_type_display())
        _cell(
            cells[3],
            f"{risk.level_label}（{risk.get_colour_display()}）",
            colour=COLOUR_HEX[Colour(risk.colour)],
        )
        _cell(
            cells[4],
            "\n".join(
                f"{m.get_kind_display()}：{m.description}"
                f"（{m.get_control_level_display()} / {m.owner_name}）"
                for m in measures
            )
            or "—",
        )
    if not risks:
        _cell(table.add_row().cells[0], "尚未辨识风险")
    _para(doc, "应急处置措施", Pt(12), bold=True)
    steps = [(r.description, r.emergency_steps) for r in risks if r.emergency_steps]
    for description, text in steps:
        _para(doc, f"{description}：{text}")
    if not steps:
        _para(doc, "—")
    contact = f"主要负责人：{enterprise.principal_name} {enterprise.principal_phone}"
    if enterprise.safety_officer_name:
        contact += (
            f"    安全管理人员：{enterprise.safety_officer_name} {enterprise.safety_officer_phone}"
        )
    _para(doc, contact)
    _para(doc, f"生成日期：{timezone.localdate():%Y年%m月%d日}（依据企业风险分级管控台账）", Pt(9))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def response(unit) -> HttpResponse:
    result = HttpResponse(render(unit), content_type=DOCX)
    name = f"{unit.enterprise.name}-{title(unit)}.docx"
    result["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return result
