"""Document numbers (文书编号) per issuing body, kind and year: 高唐应急检记〔2026〕12号.

One counter row per (jurisdiction, kind, year) in `DocumentNumber`, incremented under a row lock
inside the caller's transaction, so two officers issuing at once get consecutive numbers and a
rolled-back issue gives its number back. Penalty case numbers come from the same counters.
"""

from collections.abc import Callable

from django.db import IntegrityError, transaction

from core.models import Jurisdiction
from enforcement.models import DocumentKind, DocumentNumber

# The word for each kind in the number (机关代字 + 文书代字).
KIND_WORDS = {
    DocumentKind.RECORD: "检记",
    DocumentKind.RECTIFY_ORDER: "责改",
    DocumentKind.RECHECK: "复查",
    DocumentKind.PENALTY: "罚",
    DocumentKind.WARNING_LETTER: "提醒",
    DocumentKind.EXPERT_REPORT: "专家反馈",
    DocumentKind.MONTHLY_REPORT: "月报",
    DocumentKind.ANNUAL_REPORT: "年报",
}


def issuer(area: Jurisdiction) -> str:
    """The issuing body's short name in numbers: 高唐县 → 高唐应急 (县级应急管理局); a town keeps
    its name: 赵寨子镇应急."""
    short = area.name
    if area.kind == "county":
        short = short.removesuffix("县").removesuffix("市").removesuffix("区") or area.name
    return f"{short}应急"


def format_number(area: Jurisdiction, kind: str, year: int, serial: int) -> str:
    return f"{issuer(area)}{KIND_WORDS[kind]}〔{year}〕{serial}号"


def allocate(
    area: Jurisdiction, kind: str, year: int, floor: Callable[[], int] | None = None
) -> tuple[int, str]:
    """The next (serial, number) for `kind` in `year` from `area`. Call inside a transaction.
    `floor`, asked only when the year's counter is first made, gives the highest serial already
    used without the counter (penalty cases filed before counters existed)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate() must run inside a transaction")
    counter = (
        DocumentNumber.objects.select_for_update()
        .filter(jurisdiction=area, kind=kind, year=year)
        .first()
    )
    if counter is None:
        start = floor() if floor else 0
        try:
            with transaction.atomic():
                counter = DocumentNumber.objects.create(
                    jurisdiction=area, kind=kind, year=year, last=start
                )
        except IntegrityError:
            # Another transaction made the year's counter first: take it, locked.
            counter = DocumentNumber.objects.select_for_update().get(
                jurisdiction=area, kind=kind, year=year
            )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, format_number(area, kind, year, counter.last)
