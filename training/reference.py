"""The rules of training and drills as data, each with its source (治本攻坚方案, the county's
2024 action plan for industry and trade enterprises: /work/shared/seed). A figure the seed does
not give is marked UNCONFIRMED.

- Task 17: the principals of metal smelting (foundry), combustible dust, confined-space and
  ammonia refrigeration enterprises all trained within the three years 2024–2026.
- Task 18: evacuation drills at least every half year for metal smelting (foundry),
  labour-intensive and factory-in-factory enterprises, at least yearly for the others, in the
  四不 way (不提前通知、不设脚本、不预设场景、不预设地点); each town and the development zone
  holds at least one observation drill (现场观摩) a year.
- Task 25: every enforcement officer trained every year."""

from datetime import date

from django.db import models

PLAN = "治本攻坚方案"
SOURCE_17 = (
    f"{PLAN} 任务17：三年内完成金属冶炼（机械铸造）、粉尘涉爆、有限空间作业、涉氨制冷"
    "等重点行业领域企业主要负责人专题安全教育培训全覆盖"
)
SOURCE_18 = (
    f"{PLAN} 任务18：金属冶炼（机械铸造）、劳动密集型及“厂中厂”等类型企业每半年开展"
    "至少1次疏散逃生演练，其他企业每年开展至少1次"
)
SOURCE_18_OBSERVATION = (
    f"{PLAN} 任务18：开发区、各镇街每年至少组织1次工贸重点行业领域疏散逃生演练现场观摩活动"
)
SOURCE_25 = f"{PLAN} 任务25：每年组织对工贸监管执法人员开展培训"

# How far ahead of the end of a drill period the enterprise is reminded and the workbench shows
# the drill as due. The seed gives no figure.
DUE_SOON_DAYS = 30
DUE_SOON_UNCONFIRMED = True


class TraineeKind(models.TextChoices):
    PRINCIPAL = "principal", "主要负责人"
    SAFETY_MANAGER = "safety_manager", "安全管理人员"
    EMPLOYEE = "employee", "从业人员"
    OFFICER = "officer", "执法人员"


# The kinds of people trained for an enterprise (the officer is the bureau's).
ENTERPRISE_TRAINEES = (TraineeKind.PRINCIPAL, TraineeKind.SAFETY_MANAGER, TraineeKind.EMPLOYEE)


class DrillKind(models.TextChoices):
    """Kinds of drill. Only evacuation drills (疏散逃生演练) count for task 18's frequency; the
    other kinds are kept as records."""

    EVACUATION = "evacuation", "疏散逃生演练"
    FIRE = "fire", "消防灭火演练"
    LEAK = "leak", "泄漏处置演练"
    CONFINED_SPACE = "confined_space", "有限空间救援演练"
    DUST = "dust", "粉尘爆炸处置演练"
    OTHER = "other", "其他应急演练"


COUNTED_DRILL_KINDS = (DrillKind.EVACUATION,)

# The 四不 conditions, (field, label): a drill is "unannounced in all four ways" only when all
# four hold.
FOUR_NOS = (
    ("no_notice", "不提前通知"),
    ("no_script", "不设脚本"),
    ("no_preset_scene", "不预设场景"),
    ("no_preset_place", "不预设地点"),
)

# Task 17: the sector tags (enterprises.SectorTag codes) whose principals must be trained, and
# the window the training must fall in.
PRINCIPAL_TRAINING_SECTORS = (
    "metal_smelting",
    "foundry",
    "combustible_dust",
    "confined_space",
    "ammonia_refrigeration",
)
PRINCIPAL_TRAINING_WINDOW = (date(2024, 1, 1), date(2026, 12, 31))

# Task 18: the sector tags of enterprises that drill every half year; the others yearly.
HALF_YEARLY_SECTORS = ("metal_smelting", "foundry", "labor_intensive", "factory_in_factory")
HALF_YEAR, YEAR = "half_year", "year"
FREQUENCY_LABELS = {HALF_YEAR: "每半年至少1次", YEAR: "每年至少1次"}


def period(frequency: str, day: date) -> tuple[date, date]:
    """The calendar period holding `day`: a half year (1 January–30 June, 1 July–31 December)
    or the year."""
    if frequency == HALF_YEAR:
        if day.month <= 6:
            return date(day.year, 1, 1), date(day.year, 6, 30)
        return date(day.year, 7, 1), date(day.year, 12, 31)
    return date(day.year, 1, 1), date(day.year, 12, 31)


def previous_period(frequency: str, day: date) -> tuple[date, date]:
    start, _end = period(frequency, day)
    return period(frequency, date.fromordinal(start.toordinal() - 1))


def period_label(frequency: str, start: date) -> str:
    if frequency == HALF_YEAR:
        return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
    return f"{start.year}年"


def frequency_for(tag_codes) -> str:
    return HALF_YEAR if set(tag_codes) & set(HALF_YEARLY_SECTORS) else YEAR
