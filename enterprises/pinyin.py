from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    """Lower-case pinyin initials of a name: 高唐县精工铸造 -> "gtxjgzz". Latin letters and digits
    are kept as they are, other characters dropped."""
    letters = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for ch in "".join(letters).lower() if ch.isascii() and ch.isalnum())
