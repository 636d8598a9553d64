"""The catalogue of obsolete processes and equipment (淘汰落后工艺设备, seed task 4), as default
data.

The seed (高应急发〔2024〕9号 任务4) names 工贸行业淘汰落后安全生产工艺技术设备目录 without its
entries, and the official texts could not be checked here. So this list is modest and every
entry is marked `unconfirmed`: the names below are taken from what the public summaries of the
catalogues say, not from the official text, and the source named is where the entry is said to
be listed. An administrator checks each one against the official text and clears the flag in
the admin, corrects it, or switches it off; entries of the 工贸 catalogue are added there once
the text is at hand. A match with an unconfirmed entry still raises a hazard, which says that
the entry is unconfirmed and waits for the bureau to confirm or reject it.

`deadline_days` is the platform's default rectification period, not an official one.

The migration projects/0002_catalogue loads these rows; after that they are data, so editing
this table does not change an existing database.
"""

from typing import NamedTuple

INDUSTRY_CATALOGUE = "《产业结构调整指导目录（2024年本）》淘汰类"


class Entry(NamedTuple):
    code: str
    name: str
    kind: str  # projects.models.EntryKind value
    keywords: tuple[str, ...]
    model_patterns: tuple[str, ...]
    source: str
    source_item: str
    unconfirmed: bool
    note: str = ""


_NOTE = "条目名称据公开资料整理，未能与官方文本逐条核对"

ENTRIES = [
    Entry(
        "CY-01",
        "热处理铅浴炉",
        "equipment",
        ("铅浴炉",),
        (),
        INDUSTRY_CATALOGUE,
        "（落后生产工艺装备·机械）",
        True,
        _NOTE + "；据称用于钢丝、钢带的铅浴炉除外",
    ),
    Entry(
        "CY-02",
        "热处理氯化钡盐浴炉",
        "equipment",
        ("氯化钡盐浴炉", "钡盐炉"),
        (),
        INDUSTRY_CATALOGUE,
        "（落后生产工艺装备·机械）",
        True,
        _NOTE,
    ),
    Entry(
        "CY-03",
        "无芯工频感应电炉",
        "equipment",
        ("无芯工频感应电炉", "无芯工频炉"),
        (),
        INDUSTRY_CATALOGUE,
        "（落后生产工艺装备·铸造）",
        True,
        _NOTE,
    ),
    Entry(
        "CY-04",
        "TQ60、TQ80 塔式起重机",
        "equipment",
        ("塔式起重机", "塔吊"),
        ("TQ60*", "TQ80*"),
        INDUSTRY_CATALOGUE,
        "（落后生产工艺装备·机械）",
        True,
        _NOTE,
    ),
    Entry(
        "CY-05",
        "QT16、QT20、QT25 井架简易塔式起重机",
        "equipment",
        ("井架", "塔式起重机"),
        ("QT16*", "QT20*", "QT25*"),
        INDUSTRY_CATALOGUE,
        "（落后生产工艺装备·机械）",
        True,
        _NOTE,
    ),
    Entry(
        "CY-06",
        "化铁炼钢",
        "process",
        ("化铁炼钢",),
        (),
        INDUSTRY_CATALOGUE,
        "（落后生产工艺装备·钢铁）",
        True,
        _NOTE,
    ),
]
