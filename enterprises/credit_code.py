"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), organisation type (1), administrative division (6
digits), organisation code (9), check character (1). The check character is computed over the
first 17 with the weights 3^i mod 31 in the 31-character alphabet, which leaves out I, O, S, V, Z.
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    return (code or "").strip().upper()


def problem(code: str) -> str | None:
    """Why `code` is not a valid credit code (in Chinese), or None when it is."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划数字代码"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


def make(first17: str) -> str:
    """A complete code from its first 17 characters (used by demo and benchmark data)."""
    return first17 + check_character(first17)
