"""What every Word document of the platform (python-docx) sets on a run of text: the font by
name for Chinese and Latin alike (Word reads the East Asian name for Chinese characters), size,
weight and, where given, colour."""

from docx.oxml.ns import qn
from docx.shared import RGBColor


def set_font(run, name: str, size, bold: bool = False, colour: str | None = None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(key), name)
