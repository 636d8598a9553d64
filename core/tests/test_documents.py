"""The one check of an uploaded document: by its content, its size and its kind."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import documents

KINDS = ("pdf", "docx", "xlsx", "jpg", "png")


def zipped(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "name, content",
    [
        ("设计.pdf", b"%PDF-1.7\n..."),
        ("意见.docx", zipped("word/document.xml")),
        ("清单.xlsx", zipped("xl/workbook.xml")),
        ("照片.PNG", png()),
        ("照片.jpeg", None),
    ],
)
def test_a_document_that_is_what_it_says_is_taken(name, content):
    if content is None:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buffer, "JPEG")
        content = buffer.getvalue()
    file = upload(name, content)
    assert documents.problem(file, kinds=KINDS, max_megabytes=1) is None
    assert file.tell() == 0  # read from the start again by whoever stores it


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("设计.pdf", b"<html>not a pdf", "不是有效的 PDF"),
        ("意见.docx", zipped("xl/workbook.xml"), "不是有效的 Word"),
        ("意见.docx", b"PK\x03\x04 broken", "不是有效的 Word"),
        ("清单.xlsx", zipped("word/document.xml"), "不是有效的 Excel"),
        ("照片.png", b"%PDF-1.7", "不是有效的 PNG"),
        ("程序.exe", b"MZ", "文件格式不支持"),
        ("无扩展名", b"%PDF-1.7", "文件格式不支持"),
        ("空.pdf", b"", "文件是空的"),
        ("大.pdf", b"%PDF-" + b"0" * (1024 * 1024), "不能超过 1 MB"),
    ],
)
def test_a_document_that_is_not_is_refused_with_its_reason(name, content, reason):
    assert reason in documents.problem(upload(name, content), kinds=KINDS, max_megabytes=1)


def test_a_kind_the_caller_does_not_take_is_refused():
    problem = documents.problem(
        upload("清单.xlsx", zipped("xl/workbook.xml")), kinds=("pdf", "docx"), max_megabytes=1
    )
    assert problem == "文件格式不支持：只接受 PDF、Word（.docx）"
