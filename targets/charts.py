"""The report's charts, drawn on the server as PNG (matplotlib's Agg canvas, no browser, no
pyplot state shared between requests): the child nodes' values of the key measures against
the goal, and the node's month-end trend of each.

Chinese labels need a CJK font: the first installed one matplotlib knows (Debian's
fonts-noto-cjk, `make fonts`); without one the charts are still drawn, labelled with the
measures' keys and the nodes' numbers instead of their Chinese names."""

import io
from functools import cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager

from targets import measures

# Font families tried in order; the first installed one is used.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "AR PL UMing CN",
)
GOAL_COLOUR = "#c00000"
BAR_COLOURS = {
    measures.GREEN: "#2e7d32",
    measures.YELLOW: "#f9a825",
    measures.RED: "#c62828",
    measures.GREY: "#9e9e9e",
}


@cache
def cjk_font() -> FontProperties | None:
    installed = {font.name: font.fname for font in fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return FontProperties(fname=installed[family])
    return None


def _label(text: str, fallback: str) -> str:
    """The Chinese label where a CJK font is installed, else an ASCII one."""
    return text if cjk_font() is not None else fallback


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return buffer.getvalue()


def _style(axes, font) -> None:
    for label in [*axes.get_xticklabels(), *axes.get_yticklabels()]:
        if font is not None:
            label.set_fontproperties(font)
        label.set_fontsize(8)


def _key_lines(content: dict) -> list[dict]:
    from targets.reports import KEY_MEASURES

    by_key = {line["key"]: line for line in content.get("measures", [])}
    return [by_key[key] for key in KEY_MEASURES if key in by_key]


def town_bars(content: dict) -> bytes | None:
    """One panel per key measure with a child's value: each child node's value as a bar
    (coloured by its light), the goal as a line. None when there is no such panel."""
    children = content.get("children", [])
    lines = [
        line
        for line in _key_lines(content)
        if line["unit"] == measures.PERCENT
        and any(cell.get("value") is not None for cell in line["children"].values())
    ]
    if not children or not lines:
        return None
    font = cjk_font()
    figure = Figure(figsize=(8, 2.6 * len(lines)))
    names = [_label(c["name"], f"#{c['id']}") for c in children]
    for n, line in enumerate(lines, start=1):
        axes = figure.add_subplot(len(lines), 1, n)
        values, colours = [], []
        for child in children:
            cell = line["children"].get(str(child["id"]), {})
            values.append(float(cell["value"]) if cell.get("value") is not None else 0.0)
            colours.append(BAR_COLOURS.get(cell.get("light", measures.GREY), "#9e9e9e"))
        axes.bar(range(len(children)), values, color=colours)
        if line["goal"] is not None:
            axes.axhline(float(line["goal"]), color=GOAL_COLOUR, linestyle="--", linewidth=1)
        axes.set_xticks(range(len(children)), names, rotation=30, ha="right")
        axes.set_ylim(0, 105)
        axes.set_title(_label(f"{line['label']}（%）", line["key"]), fontproperties=font)
        _style(axes, font)
    figure.tight_layout()
    return _png(figure)


def trend_lines(content: dict) -> bytes | None:
    """The node's month-end values of the key measures through the year. None without any."""
    series = content.get("trend", {})
    lines = [line for line in _key_lines(content) if series.get(line["key"])]
    if not lines:
        return None
    font = cjk_font()
    figure = Figure(figsize=(8, 3.2))
    axes = figure.add_subplot(1, 1, 1)
    for line in lines:
        points = [(day[5:7], float(v)) for day, v in series[line["key"]] if v is not None]
        if not points:
            continue
        axes.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            label=_label(line["label"], line["key"]),
        )
    axes.set_xlabel(_label("月份", "month"), fontproperties=font)
    axes.set_ylim(0, 105)
    axes.grid(True, alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(prop=font if font is not None else None, fontsize=8, loc="lower right")
    _style(axes, font)
    figure.tight_layout()
    return _png(figure)
