"""The hazard ledger as a 台账 spreadsheet: one row per hazard with its five elements, dates
and state."""

import io

from django.utils import timezone
from openpyxl import Workbook

HEADERS = [
    "序号", "企业名称", "统一社会信用代码", "所属镇街", "隐患描述", "部位/场所", "来源",
    "隐患等级", "判定依据", "发现日期", "发现人", "状态", "整改责任人", "整改措施",
    "整改资金（元）", "整改期限", "应急预案/防范措施", "是否逾期", "挂牌督办", "督办单位",
    "停产停用", "整改情况说明", "销号时间", "验收人",
]  # fmt: skip


def workbook(queryset, today) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("隐患排查治理台账")
    sheet.append(HEADERS)
    rows = queryset.select_related(
        "enterprise", "enterprise__jurisdiction", "criterion", "closed_by"
    ).order_by("enterprise__jurisdiction__sort_order", "enterprise__name_initials", "found_on")
    for number, h in enumerate(rows.iterator(chunk_size=2000), start=1):
        basis = h.criterion.label if h.criterion_id else h.major_reason
        sheet.append(
            [
                number,
                h.enterprise.name,
                h.enterprise.credit_code,
                h.enterprise.jurisdiction.name,
                h.description,
                h.place,
                h.get_source_display(),
                "重大" if h.is_major else "一般",
                basis,
                h.found_on,
                h.found_by,
                h.get_state_display(),
                h.owner,
                h.measures,
                float(h.funds) if h.funds is not None else None,
                h.deadline,
                h.contingency_plan,
                "是" if h.is_overdue(today) else "否",
                h.get_listed_level_display() if h.listed_level else "",
                h.listed_by,
                h.get_suspension_display() if h.suspension != "none" else "",
                h.evidence,
                timezone.localtime(h.closed_at).strftime("%Y-%m-%d %H:%M") if h.closed_at else "",
                str(h.closed_by) if h.closed_by_id else "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
