"""The risk assessment methods as data, each with its source: the LEC factor tables (D = L × E
× C), the LS matrix (R = L × S), the bands that turn a score into a level and a colour, and the
control level each colour requires. The level and colour of a risk are always computed here
from the factors, never entered.

Source: the project's rule book, /shared/design/REGULATIONS.md, section "Risk assessment methods
(双重预防)". That section names no official text for the tables (the LEC method is the
Graham–Kinney method as commonly used in 双重预防 guidance; the colour mapping is described there
as "usual"), so every table here carries UNCONFIRMED = True: the rule as written in the rule
book, not yet checked against a national or provincial standard.

Boundary semantics (decided from the text, see BANDS below). The text gives the LEC bands as
"> 320, 160–320, 70–160, 20–70, < 20" and the colours as "> 160 red, 70–160 orange, 20–70 yellow,
< 20 blue". "> 160 red" and "> 320" put a shared upper boundary in the lower band (D = 160 is
orange, D = 320 is 高度危险), and the same reading is applied to 70 (D = 70 is yellow, 一般危险);
"< 20" puts D = 20 in the band above (yellow, 一般危险). So: D > 320 极其危险; 160 < D ≤ 320
高度危险; 70 < D ≤ 160 显著危险; 20 ≤ D ≤ 70 一般危险; D < 20 稍有危险; red D > 160, orange
70 < D ≤ 160, yellow 20 ≤ D ≤ 70, blue D < 20. The LS bands leave no gap: the products of two
whole numbers 1–5 are never 13, 14, 17–19 or 21–24."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models

SOURCE = "REGULATIONS.md「Risk assessment methods（双重预防）」"
# No official text could be checked for these tables (see the module's docstring).
UNCONFIRMED = True


class Method(models.TextChoices):
    LEC = "lec", "作业条件危险性分析法（LEC）"
    LS = "ls", "风险矩阵法（LS）"


class Colour(models.TextChoices):
    RED = "red", "红色"
    ORANGE = "orange", "橙色"
    YELLOW = "yellow", "黄色"
    BLUE = "blue", "蓝色"


# The four risk levels, one per colour.
LEVEL_OF_COLOUR = {
    Colour.RED: "重大风险",
    Colour.ORANGE: "较大风险",
    Colour.YELLOW: "一般风险",
    Colour.BLUE: "低风险",
}
# Most severe first: what "the highest risk of a unit" compares by.
COLOUR_ORDER = [Colour.RED, Colour.ORANGE, Colour.YELLOW, Colour.BLUE]
COLOUR_HEX = {
    Colour.RED: "#dc3545",
    Colour.ORANGE: "#fd7e14",
    Colour.YELLOW: "#ffc107",
    Colour.BLUE: "#0d6efd",
}


def D(value: str) -> Decimal:
    return Decimal(value)


# LEC factor tables: value → meaning (REGULATIONS.md, "LEC: D = L × E × C").
LEC_L = {
    D("10"): "完全可以预料",
    D("6"): "相当可能",
    D("3"): "可能，但不经常",
    D("1"): "可能性小，完全意外",
    D("0.5"): "很不可能，可以设想",
    D("0.2"): "极不可能",
    D("0.1"): "实际不可能",
}
LEC_E = {
    D("10"): "连续暴露",
    D("6"): "每天工作时间内暴露",
    D("3"): "每周一次或偶然暴露",
    D("2"): "每月一次暴露",
    D("1"): "每年几次暴露",
    D("0.5"): "非常罕见地暴露",
}
LEC_C = {
    D("100"): "大灾难，许多人死亡",
    D("40"): "灾难，数人死亡",
    D("15"): "非常严重，一人死亡",
    D("7"): "严重，重伤",
    D("3"): "重大，致残",
    D("1"): "引人注目，需要救护",
}
# LS matrix: each factor a whole number 1–5; S the worst of legal, injury, economic loss,
# downtime and reputation.
LS_L = {D(str(n)): f"{n}" for n in range(1, 6)}
LS_S = {D(str(n)): f"{n}" for n in range(1, 6)}

FACTORS = {
    Method.LEC: {"l": LEC_L, "e": LEC_E, "c": LEC_C},
    Method.LS: {"l": LS_L, "s": LS_S},
}
FACTOR_LABELS = {
    "l": "可能性（L）",
    "e": "暴露频繁程度（E）",
    "c": "后果（C）",
    "s": "严重性（S）",
}


@dataclass(frozen=True)
class Band:
    """Scores from `low` (inclusive unless `low_open`) upward to the next band's `low`."""

    low: Decimal
    low_open: bool  # True: the score must be greater than `low`
    danger_class: str
    colour: str

    def holds(self, score: Decimal) -> bool:
        return score > self.low if self.low_open else score >= self.low


# Highest band first; the first that holds is the score's.
BANDS = {
    Method.LEC: [
        Band(D("320"), True, "极其危险，不能继续作业", Colour.RED),
        Band(D("160"), True, "高度危险，需立即整改", Colour.RED),
        Band(D("70"), True, "显著危险，需要整改", Colour.ORANGE),
        Band(D("20"), False, "一般危险，需要注意", Colour.YELLOW),
        Band(D("0"), False, "稍有危险，可以接受", Colour.BLUE),
    ],
    Method.LS: [
        Band(D("20"), False, "重大风险", Colour.RED),
        Band(D("15"), False, "较大风险", Colour.ORANGE),
        Band(D("9"), False, "一般风险", Colour.YELLOW),
        Band(D("1"), False, "低风险", Colour.BLUE),
    ],
}


def band_for(method: str, score: Decimal) -> Band:
    for band in BANDS[method]:
        if band.holds(score):
            return band
    raise ValueError(f"score {score} outside the {method} bands")


class ControlLevel(models.TextChoices):
    COMPANY = "company", "公司级"
    WORKSHOP = "workshop", "车间级"
    TEAM = "team", "班组级"
    POST = "post", "岗位级"


# Highest first: a measure at an index not above the required one's meets the requirement.
CONTROL_ORDER = [ControlLevel.COMPANY, ControlLevel.WORKSHOP, ControlLevel.TEAM, ControlLevel.POST]
# The lowest control level each colour allows (REGULATIONS.md: "Controlled at company level
# (red, orange), workshop (yellow), team or post (blue)").
REQUIRED_CONTROL = {
    Colour.RED: ControlLevel.COMPANY,
    Colour.ORANGE: ControlLevel.COMPANY,
    Colour.YELLOW: ControlLevel.WORKSHOP,
    Colour.BLUE: ControlLevel.POST,
}
CONTROL_SOURCE = SOURCE


def meets(control_level: str, colour: str) -> bool:
    """Whether a measure at `control_level` is controlled at the level the colour requires or
    above it."""
    return CONTROL_ORDER.index(ControlLevel(control_level)) <= CONTROL_ORDER.index(
        ControlLevel(REQUIRED_CONTROL[Colour(colour)])
    )


def required_label(colour: str) -> str:
    colour = Colour(colour)
    if colour == Colour.BLUE:
        return "班组级或岗位级"
    return ControlLevel(REQUIRED_CONTROL[colour]).label


class UnitKind(models.TextChoices):
    WORKSHOP = "workshop", "车间"
    INSTALLATION = "installation", "装置设施"
    POST = "post", "岗位"


# Hazard factor kinds: the four classes people, things, environment, management.
class FactorKind(models.TextChoices):
    PERSON = "person", "人的因素"
    THING = "thing", "物的因素"
    ENVIRONMENT = "environment", "环境因素"
    MANAGEMENT = "management", "管理因素"


FACTOR_KIND_SOURCE = "《生产过程危险和有害因素分类与代码》（GB/T 13861-2022）大类（未核对原文）"


class MeasureKind(models.TextChoices):
    ENGINEERING = "engineering", "工程技术"
    MANAGEMENT = "management", "管理措施"
    TRAINING = "training", "培训教育"
    PPE = "ppe", "个体防护"
    EMERGENCY = "emergency", "应急处置"


# --- routine checks (排查任务) -------------------------------------------------------------------


class Frequency(models.TextChoices):
    DAY = "day", "每日"
    WEEK = "week", "每周"
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"


# How often a control measure is checked, by its control level. Source: issue 14 and seed task
# 12 (dual prevention "真建、真用"); the issue states "post per shift or day, team weekly,
# workshop monthly, company quarterly". No official text giving these frequencies was checked,
# hence unconfirmed. Per shift is not offered: how many shifts an enterprise runs is not
# recorded, so a post-level measure is checked once per working day.
CHECK_FREQUENCY = {
    ControlLevel.POST: Frequency.DAY,
    ControlLevel.TEAM: Frequency.WEEK,
    ControlLevel.WORKSHOP: Frequency.MONTH,
    ControlLevel.COMPANY: Frequency.QUARTER,
}
CHECK_FREQUENCY_SOURCE = "issue 14 / 治本攻坚方案 任务12（双重预防机制“真建、真用”）"
CHECK_FREQUENCY_UNCONFIRMED = True
