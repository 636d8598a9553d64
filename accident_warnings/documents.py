"""The 提醒函 as a Word file (python-docx, as rewards.documents and risks.documents draw
theirs): the number, the enterprise, the accident and its lessons when the letter follows a
warning, what the enterprise is reminded to do, the issuing body and date. Texts go through
core.text.xml_text and runs carry their East Asian font."""

import io

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from core.text import xml_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _paragraph(document, text: str, size: int = 14, bold=False, font="仿宋", center=False):
    paragraph = document.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(xml_text(text))
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(key), font)
    return paragraph


def letter(record) -> bytes:
    """The Word file of a WarningLetter row."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.5)
    _paragraph(document, f"{record.jurisdiction.name}应急管理部门", 16, True, "黑体", True)
    _paragraph(document, "安全生产提醒函", 22, True, "黑体", True)
    _paragraph(document, record.number, 14, center=True)
    _paragraph(document, f"{record.enterprise.name}：")
    warning = record.warning
    if warning is not None:
        accident = warning.accident
        _paragraph(
            document,
            f"    {timezone.localtime(accident.occurred_at):%Y年%m月%d日}，"
            f"{accident.location or ''}发生“{accident.title}”"
            f"（{accident.get_level_display()}，{accident.get_category_display()}）。"
            f"{warning.text}",
        )
        if warning.lessons:
            _paragraph(document, f"    事故教训：{warning.lessons}")
    _paragraph(document, "    请你单位认真做好以下工作：")
    for line in record.content.splitlines():
        if line.strip():
            _paragraph(document, f"    {line.strip()}")
    _paragraph(document, "")
    right = _paragraph(document, f"{record.jurisdiction.name}应急管理部门")
    right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    day = _paragraph(document, f"{timezone.localtime(record.issued_at):%Y年%m月%d日}")
    day.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
