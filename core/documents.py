"""Documents uploaded as evidence of a step (a design, a review opinion, an application's
materials, a certificate): a PDF, a Word or Excel file, or a picture of the paper, checked by what
the file is, not by what it is called. One check for every app that takes such a document.

A PDF must start with its signature; a .docx or .xlsx must be a zip holding its main part
(word/document.xml, xl/workbook.xml); a picture must open in Pillow as the photo fields' does
(django.forms.ImageField)."""

import zipfile

from django import forms
from django.core.exceptions import ValidationError

LABELS = {
    "pdf": "PDF",
    "docx": "Word（.docx）",
    "xlsx": "Excel（.xlsx）",
    "jpg": "JPG 图片",
    "png": "PNG 图片",
}
# The extensions each kind is known by.
KINDS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "jpg": "jpg", "jpeg": "jpg", "png": "png"}
ZIP_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def allowed_label(kinds) -> str:
    return "、".join(LABELS[kind] for kind in LABELS if kind in kinds)


def problem(upload, *, kinds, max_megabytes: int) -> str | None:
    """Why this upload is not an acceptable document of `kinds` (keys of LABELS), in Chinese;
    None when it is."""
    name = (getattr(upload, "name", "") or "").lower()
    kind = KINDS.get(name.rsplit(".", 1)[-1] if "." in name else "")
    if kind not in kinds:
        return f"文件格式不支持：只接受 {allowed_label(kinds)}"
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        return "文件是空的"
    if size > max_megabytes * 1024 * 1024:
        return f"文件过大：不能超过 {max_megabytes} MB"
    try:
        if not _content_is(upload, kind):
            return f"文件内容不是有效的 {LABELS[kind]}"
    finally:
        upload.seek(0)
    return None


def _content_is(upload, kind: str) -> bool:
    upload.seek(0)
    if kind == "pdf":
        return upload.read(5) == b"%PDF-"
    if kind in ZIP_PARTS:
        try:
            with zipfile.ZipFile(upload) as archive:
                return ZIP_PARTS[kind] in archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return False
    try:
        forms.ImageField().clean(upload)
    except ValidationError:
        return False
    return True
