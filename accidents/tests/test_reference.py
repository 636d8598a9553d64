"""The reference data: the 20 categories of GB 6441-1986 in the standard's order, and the levels
of 国务院令第493号 第三条 at every boundary ("以上"包括本数，"以下"不包括本数)."""

from decimal import Decimal

import pytest

from accidents.reference import CATEGORIES, CATEGORY_SOURCE, LEVEL_SOURCE, Level, level_for

GB_6441 = [
    "物体打击", "车辆伤害", "机械伤害", "起重伤害", "触电", "淹溺", "灼烫", "火灾", "高处坠落",
    "坍塌", "冒顶片帮", "透水", "放炮", "火药爆炸", "瓦斯爆炸", "锅炉爆炸", "容器爆炸",
    "其他爆炸", "中毒和窒息", "其他伤害",
]  # fmt: skip


def test_the_twenty_categories_of_gb_6441_in_order():
    assert [name for _, _, name in CATEGORIES] == GB_6441
    assert [serial for _, serial, _ in CATEGORIES] == [f"{n:02d}" for n in range(1, 21)]
    assert len({code for code, _, _ in CATEGORIES}) == 20
    assert "GB 6441-1986" in CATEGORY_SOURCE
    assert "国务院令第493号" in LEVEL_SOURCE and "第三条" in LEVEL_SOURCE


G, L, M, E = Level.GENERAL, Level.LARGER, Level.MAJOR, Level.ESPECIALLY_MAJOR


@pytest.mark.parametrize(
    ("deaths", "serious", "loss", "level"),
    [
        (0, 0, None, G),
        (0, 0, Decimal(0), G),
        # deaths: 3 以上 较大, 10 以上 重大, 30 以上 特别重大; 以下 excludes the figure itself
        (2, 0, None, G),
        (3, 0, None, L),
        (9, 0, None, L),
        (10, 0, None, M),
        (29, 0, None, M),
        (30, 0, None, E),
        # serious injuries (incl. acute industrial poisoning): 10 / 50 / 100
        (0, 9, None, G),
        (0, 10, None, L),
        (0, 49, None, L),
        (0, 50, None, M),
        (0, 99, None, M),
        (0, 100, None, E),
        # direct loss in 万元: 1000万 / 5000万 / 1亿
        (0, 0, Decimal("999.99"), G),
        (0, 0, Decimal("1000"), L),
        (0, 0, Decimal("4999.99"), L),
        (0, 0, Decimal("5000"), M),
        (0, 0, Decimal("9999.99"), M),
        (0, 0, Decimal("10000"), E),
        # any one figure decides: the highest level reached
        (2, 9, Decimal("5000"), M),
        (3, 100, Decimal("0"), E),
        (29, 49, Decimal("999.99"), M),
    ],
)
def test_level_at_the_boundaries(deaths, serious, loss, level):
    assert level_for(deaths, serious, loss) == level
