"""The documents a project's steps carry (design, review opinion, acceptance, diagnosis): a PDF,
a Word file or a picture of the paper, checked by what the file is, not by what it is called.
An image is opened by Pillow as the photo fields are (django.forms.ImageField); a PDF must start
with its signature; a Word file must be a zip holding word/document.xml."""

import zipfile

from django import forms
from django.core.exceptions import ValidationError

MAX_BYTES = 20 * 1024 * 1024
EXTENSIONS = {"pdf", "docx", "jpg", "jpeg", "png"}
ALLOWED_LABEL = "PDF、Word（.docx）或 JPG/PNG 图片"


def problem(upload) -> str | None:
    """Why this upload is not an acceptable document, in Chinese; None when it is."""
    name = (getattr(upload, "name", "") or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in EXTENSIONS:
        return f"文件格式不支持：请上传 {ALLOWED_LABEL}"
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        return "文件是空的"
    if size > MAX_BYTES:
        return "文件过大：不能超过 20 MB"
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if extension == "pdf":
        return None if head.startswith(b"%PDF-") else "文件内容不是有效的 PDF"
    if extension == "docx":
        try:
            with zipfile.ZipFile(upload) as archive:
                ok = "word/document.xml" in archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            ok = False
        upload.seek(0)
        return None if ok else "文件内容不是有效的 Word（.docx）文件"
    try:
        forms.ImageField().clean(upload)
    except ValidationError:
        return "文件内容不是有效的图片"
    finally:
        upload.seek(0)
    return None
