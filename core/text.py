"""Stored text made safe for the files the platform writes (Excel sheets, Word documents).

Rows stored before any input check existed may hold control characters (a vertical tab pasted
from Word, a unit separator from a scanner). XML 1.0, and so every .xlsx and .docx part, cannot
hold them at all: a writer that meets one either fails (python-docx, openpyxl) or the file does
not open. Writers drop them, keeping tab, newline and carriage return, which XML allows.
"""

import re

# Not allowed by XML 1.0 (§2.2 Char): C0 controls other than tab, LF and CR; lone surrogates
# (which no stored UTF-8 text holds, but a Python str can); and the non-characters U+FFFE/FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value) -> str:
    """`value` as text that any XML part can hold: the characters XML 1.0 forbids removed."""
    text = "" if value is None else str(value)
    return XML_ILLEGAL.sub("", text)
