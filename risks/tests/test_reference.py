"""The assessment methods' bands at each threshold and on each side of it (risks.reference),
and the boundary semantics the module documents."""

from decimal import Decimal

import pytest

from risks.reference import (
    BANDS,
    FACTORS,
    UNCONFIRMED,
    Colour,
    Method,
    band_for,
    meets,
    required_label,
)


def lec(score):
    band = band_for(Method.LEC, Decimal(score))
    return band.colour, band.danger_class[:4]


@pytest.mark.parametrize(
    "score, colour, danger",
    [
        ("320.01", Colour.RED, "极其危险"),
        ("400", Colour.RED, "极其危险"),
        ("320", Colour.RED, "高度危险"),  # "> 320": 320 itself is highly dangerous
        ("319.99", Colour.RED, "高度危险"),
        ("160.01", Colour.RED, "高度危险"),
        ("160", Colour.ORANGE, "显著危险"),  # "> 160 red": 160 itself is orange
        ("159.99", Colour.ORANGE, "显著危险"),
        ("70.01", Colour.ORANGE, "显著危险"),
        ("70", Colour.YELLOW, "一般危险"),  # the same reading as 160: 70 is the lower band's
        ("69.99", Colour.YELLOW, "一般危险"),
        ("20.01", Colour.YELLOW, "一般危险"),
        ("20", Colour.YELLOW, "一般危险"),  # "< 20 blue": 20 itself is yellow
        ("19.99", Colour.BLUE, "稍有危险"),
        ("0.05", Colour.BLUE, "稍有危险"),
    ],
)
def test_lec_bands_at_and_around_each_threshold(score, colour, danger):
    assert lec(score) == (colour, danger)


@pytest.mark.parametrize(
    "score, colour",
    [
        (25, Colour.RED),
        (20, Colour.RED),
        (16, Colour.ORANGE),
        (15, Colour.ORANGE),
        (12, Colour.YELLOW),
        (9, Colour.YELLOW),
        (8, Colour.BLUE),
        (1, Colour.BLUE),
    ],
)
def test_ls_bands_at_each_threshold_and_the_products_beside_it(score, colour):
    assert band_for(Method.LS, Decimal(score)).colour == colour


def test_every_ls_product_falls_in_a_band_without_a_gap():
    products = {a * b for a in range(1, 6) for b in range(1, 6)}
    for r in products:
        assert band_for(Method.LS, Decimal(r)).colour in Colour.values
    # No product sits between two bands: the bands' bounds 20, 15, 9 and the products below.
    assert not products & {13, 14, 17, 18, 19, 21, 22, 23, 24}


def test_every_lec_product_has_a_band():
    tables = FACTORS[Method.LEC]
    for l_value in tables["l"]:
        for e_value in tables["e"]:
            for c_value in tables["c"]:
                band_for(Method.LEC, l_value * e_value * c_value)


def test_the_tables_hold_exactly_the_values_of_the_rule_book():
    assert sorted(FACTORS[Method.LEC]["l"]) == [
        Decimal(v) for v in ("0.1", "0.2", "0.5", "1", "3", "6", "10")
    ]
    assert sorted(FACTORS[Method.LEC]["e"]) == [
        Decimal(v) for v in ("0.5", "1", "2", "3", "6", "10")
    ]
    assert sorted(FACTORS[Method.LEC]["c"]) == [
        Decimal(v) for v in ("1", "3", "7", "15", "40", "100")
    ]
    assert sorted(FACTORS[Method.LS]["s"]) == [Decimal(n) for n in range(1, 6)]
    assert UNCONFIRMED is True  # no official text was checked (module docstring)
    assert [b.colour for b in BANDS[Method.LS]] == ["red", "orange", "yellow", "blue"]


@pytest.mark.parametrize(
    "level, colour, ok",
    [
        ("company", "red", True),
        ("workshop", "red", False),
        ("company", "orange", True),
        ("workshop", "orange", False),
        ("workshop", "yellow", True),
        ("company", "yellow", True),
        ("team", "yellow", False),
        ("post", "blue", True),
        ("team", "blue", True),
    ],
)
def test_the_control_level_each_colour_requires(level, colour, ok):
    assert meets(level, colour) is ok


def test_required_labels():
    assert required_label("red") == "公司级"
    assert required_label("blue") == "班组级或岗位级"
