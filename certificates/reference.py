"""Special operations (特种作业) and the rules of their certificates, as data with their source.

The catalogue is the 特种作业目录 annexed to 特种作业人员安全技术培训考核管理规定
(原国家安全监管总局令第30号, 2010; amended by 第63号 2013 and 第80号 2015). Only the
categories that concern industry and trade enterprises are listed (electrical, welding and
thermal cutting, work at height, refrigeration and air conditioning, the gas work of
metallurgy); mining, oil and gas, hazardous chemicals and fireworks are other bureaus'
sectors. An item or a figure whose text was not checked against the official text here
carries `unconfirmed=True` (the enterprise tab's footnote lists them as 未核对)."""

from dataclasses import dataclass

SOURCE = "特种作业人员安全技术培训考核管理规定（原国家安全监管总局令第30号，2015年第80号令修正）"
CATALOGUE_SOURCE = f"{SOURCE}附件《特种作业目录》"


@dataclass(frozen=True)
class Rule:
    value: int
    source: str
    unconfirmed: bool = False


# 第二十一条: 特种作业操作证有效期为6年，在全国范围内有效。
VALIDITY_YEARS = Rule(6, f"{SOURCE}第二十一条")
# 第二十二条: 特种作业操作证每3年复审1次 (extendable to 6 for 10 years' clean record: the
# extension is recorded by clearing or moving the review date on the certificate).
REVIEW_YEARS = Rule(3, f"{SOURCE}第二十二条")
# 第二十三条: 复审 is applied for within the 60 days before it is due.
REVIEW_WINDOW_DAYS = Rule(60, f"{SOURCE}第二十三条", unconfirmed=True)
# A certificate not reviewed in time lapses (失效).
LAPSES_WHEN_NOT_REVIEWED = Rule(1, f"{SOURCE}第二十五条、第二十六条", unconfirmed=True)
# The reminders: so many calendar days before a review or an expiry date, moved back to the
# working day before when they fall on a day off (core.workdays). The platform's choice.
REMINDER_SCHEDULE = (60, 30, 7)
REMINDER_SOURCE = "本平台设定（60天：第二十三条的复审申请期开始；30天、7天：再次提醒）"
# The major hazard criterion a gap is raised under: 工贸企业重大事故隐患判定标准
# (应急管理部令第10号) 第三条（二）: 特种作业人员未按照规定经专门的安全作业培训
# 并取得相应资格，上岗作业.
GAP_CRITERION = (3, 2)


@dataclass(frozen=True)
class Operation:
    code: str
    category: str
    name: str
    unconfirmed: bool = False


CATEGORIES = {
    "1": "电工作业",
    "2": "焊接与热切割作业",
    "3": "高处作业",
    "4": "制冷与空调作业",
    "8": "冶金（有色）生产安全作业",
}

OPERATIONS = (
    Operation("1.1", "1", "高压电工作业"),
    Operation("1.2", "1", "低压电工作业"),
    Operation("1.3", "1", "防爆电气作业"),
    Operation("2.1", "2", "熔化焊接与热切割作业"),
    Operation("2.2", "2", "压力焊作业"),
    Operation("2.3", "2", "钎焊作业"),
    Operation("3.1", "3", "登高架设作业"),
    Operation("3.2", "3", "高处安装、维护、拆除作业"),
    Operation("4.1", "4", "制冷与空调设备运行操作作业"),
    Operation("4.2", "4", "制冷与空调设备安装修理作业"),
    Operation("8.1", "8", "煤气作业", unconfirmed=True),
)
BY_CODE = {op.code: op for op in OPERATIONS}
OPERATION_CHOICES = [(op.code, f"{CATEGORIES[op.category]}—{op.name}") for op in OPERATIONS]
CATEGORY_CHOICES = list(CATEGORIES.items())

# The operations an enterprise of a key sector (enterprises.SectorTag) usually needs, offered
# as its defaults until it declares its own. The platform's reading of the sectors, not a
# regulation: every enterprise with its own electrical installation needs a low-voltage
# electrician; ammonia refrigeration runs refrigeration plant; gas work needs 煤气作业.
SECTOR_DEFAULTS: dict[str, tuple[str, ...]] = {
    "foundry": ("1.2", "2.1"),
    "metal_smelting": ("1.2", "2.1", "8.1"),
    "ammonia_refrigeration": ("1.2", "4.1"),
    "coal_gas": ("1.2", "8.1"),
    "molten_metal": ("1.2", "2.1"),
    "combustible_dust": ("1.2", "1.3"),
}
SECTOR_DEFAULTS_SOURCE = "本平台按重点行业领域给出的建议（非法定要求，企业应按实际作业申报）"


def unconfirmed_notes() -> list[str]:
    """What the pages footnote as not checked against the official text."""
    rules = (VALIDITY_YEARS, REVIEW_YEARS, REVIEW_WINDOW_DAYS, LAPSES_WHEN_NOT_REVIEWED)
    notes = [rule.source for rule in rules if rule.unconfirmed]
    notes += [f"{CATEGORIES[op.category]}—{op.name}" for op in OPERATIONS if op.unconfirmed]
    return notes


def label(code: str) -> str:
    op = BY_CODE.get(code)
    return f"{CATEGORIES[op.category]}—{op.name}" if op else code


def category_of(code: str) -> str:
    op = BY_CODE.get(code)
    return op.category if op else ""
