"""The must-connect list (应接尽接) as a spreadsheet: one row per enterprise the rules in force
require to connect, with the rules, its latest reading and whether it is connected."""

from django.utils import timezone

from core.xlsx import Workbook

HEADERS = [
    "序号", "企业名称", "统一社会信用代码", "所属镇街", "粉尘类别", "涉粉作业人数",
    "经营状态", "接入依据", "最近数据时间", "是否接入",
]  # fmt: skip


def connect_workbook(rows, rules) -> Workbook:
    """rows: enterprises with jurisdiction, last_reading_at, connected and reasons."""
    book = Workbook()
    sheet = book.sheet("应接尽接清单", HEADERS)
    for number, e in enumerate(rows, start=1):
        last = e.last_reading_at
        sheet.append(
            [
                number,
                e.name,
                e.credit_code,
                e.jurisdiction.name,
                e.get_dust_class_display() if e.dust_class else "",
                e.dust_workers,
                e.get_status_display(),
                "；".join(e.reasons),
                timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "",
                "是" if e.connected else "否",
            ]
        )
    notes = book.sheet("依据", ["规则", "期限", "来源"])
    for rule in rules:
        notes.append([rule.label, rule.applies_from, rule.source])
    return book
