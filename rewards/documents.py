"""The report poster (隐患报告二维码海报) as a Word file: the enterprise's name, what to report
and how it is rewarded (the rule in force, seed task 7's principle), and a QR code of the
report link, drawn here by segno (no network, no service). Texts go through core.text.xml_text
and runs carry their East Asian font, as risks.documents does."""

import io

import segno
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from core.text import xml_text
from rewards.reference import OUTSIDE_DUTY_PAYS_MORE

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def qr_png(url: str, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def _line(document, text: str, size: int, bold=False, font="宋体") -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(xml_text(text))
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(key), font)


def poster(enterprise, url: str, rule) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    _line(document, enterprise.name, 20, True, "黑体")
    _line(document, "事故隐患内部报告", 28, True, "黑体")
    _line(document, "发现隐患 · 扫码报告 · 查实有奖", 16)
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.add_run().add_picture(io.BytesIO(qr_png(url)), width=Cm(11))
    _line(document, "用手机扫描二维码，填写隐患情况并可拍照上传", 12)
    if rule is not None:
        _line(
            document,
            f"经查实：岗位职责内 {rule.within_duty} 元，岗位职责外 {rule.outside_duty} 元；"
            f"重大事故隐患 {rule.major_within_duty}–{rule.major_outside_duty} 元",
            12,
            True,
        )
    _line(document, f"{OUTSIDE_DUTY_PAYS_MORE.text}。", 10)
    _line(document, f"——{OUTSIDE_DUTY_PAYS_MORE.source}", 9)
    _line(document, url, 8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
