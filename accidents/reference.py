"""Accident reference lists as data, each with its source: the accident categories of
GB 6441-1986 and the four levels of 国务院令第493号 第三条 with their thresholds. Both are
national texts, not county settings: they live here, next to the code that applies them, and a
reader checks them against the source line by line."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models

CATEGORY_SOURCE = "《企业职工伤亡事故分类》（GB 6441-1986）第2章 事故类别"

# (code, GB 6441-1986 serial number, name), in the standard's order.
CATEGORIES = [
    ("object_strike", "01", "物体打击"),
    ("vehicle", "02", "车辆伤害"),
    ("machinery", "03", "机械伤害"),
    ("lifting", "04", "起重伤害"),
    ("electric_shock", "05", "触电"),
    ("drowning", "06", "淹溺"),
    ("scald_burn", "07", "灼烫"),
    ("fire", "08", "火灾"),
    ("fall_from_height", "09", "高处坠落"),
    ("collapse", "10", "坍塌"),
    ("roof_fall", "11", "冒顶片帮"),
    ("water_inrush", "12", "透水"),
    ("blasting", "13", "放炮"),
    ("explosive_explosion", "14", "火药爆炸"),
    ("gas_explosion", "15", "瓦斯爆炸"),
    ("boiler_explosion", "16", "锅炉爆炸"),
    ("vessel_explosion", "17", "容器爆炸"),
    ("other_explosion", "18", "其他爆炸"),
    ("poisoning_asphyxia", "19", "中毒和窒息"),
    ("other_injury", "20", "其他伤害"),
]

CATEGORY_CHOICES = [(code, name) for code, _, name in CATEGORIES]
CATEGORY_SERIAL = {code: serial for code, serial, _ in CATEGORIES}


class Level(models.TextChoices):
    GENERAL = "general", "一般事故"
    LARGER = "larger", "较大事故"
    MAJOR = "major", "重大事故"
    ESPECIALLY_MAJOR = "especially_major", "特别重大事故"


LEVEL_SOURCE = "《生产安全事故报告和调查处理条例》（国务院令第493号）第三条"


@dataclass(frozen=True)
class Threshold:
    """An accident is of this level when any one of its figures reaches the threshold
    (第三条："以上"包括本数，"以下"不包括本数: each band starts at its figure and ends just
    below the next level's)."""

    level: str
    deaths: int
    serious_injuries: int  # 重伤, acute industrial poisoning included (第三条（一）"下同")
    direct_loss: Decimal  # 直接经济损失, 万元


# Highest first; 一般事故 is everything below 较大 (第三条（四）).
THRESHOLDS = [
    Threshold(Level.ESPECIALLY_MAJOR, 30, 100, Decimal(10000)),  # 1亿元
    Threshold(Level.MAJOR, 10, 50, Decimal(5000)),
    Threshold(Level.LARGER, 3, 10, Decimal(1000)),
]

# The levels that bring an accident case to special campaigns (seed task 21: 较大及以上).
LARGER_AND_ABOVE = (Level.LARGER, Level.MAJOR, Level.ESPECIALLY_MAJOR)


def level_for(deaths: int, serious_injuries: int, direct_loss: Decimal | None) -> str:
    """The level 第三条 gives an accident with these figures: the highest level any one of them
    reaches. A loss not yet assessed (None) reaches none."""
    loss = direct_loss if direct_loss is not None else Decimal(0)
    for threshold in THRESHOLDS:
        if (
            deaths >= threshold.deaths
            or serious_injuries >= threshold.serious_injuries
            or loss >= threshold.direct_loss
        ):
            return threshold.level
    return Level.GENERAL
