"""The rules of public tips (举报, seed section 三(三)) as data, each with its source and an
UNCONFIRMED flag where neither the seed nor design/REGULATIONS.md gives the figure.

- Deadlines, in working days (core.workdays) from the day a tip arrives: accepted (受理) or not
  within ACCEPT_WORKDAYS; answered (答复) within REPLY_WORKDAYS.
- Rewards under 山东省安全生产举报奖励办法 (鲁应急发〔2021〕3号, cited by the seed's task 7):
  the amounts per kind of verified tip. The figures are placeholders to be confirmed against the
  text of the measures."""

from dataclasses import dataclass
from decimal import Decimal

SEED_SOURCE = "高唐县工贸行业安全生产专项整治行动方案（2024）三（三）推动群防群治"


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    workdays: int
    source: str
    unconfirmed: bool


ACCEPT = Deadline(
    "accept",
    "受理期限",
    3,
    f"{SEED_SOURCE}（未规定期限，暂定 3 个工作日）",
    True,
)
REPLY = Deadline(
    "reply",
    "答复期限",
    30,
    f"{SEED_SOURCE}（未规定期限，暂定 30 个工作日）",
    True,
)
DEADLINES = (ACCEPT, REPLY)

REWARD_SOURCE = "山东省安全生产举报奖励办法（鲁应急发〔2021〕3号）"


@dataclass(frozen=True)
class RewardRule:
    key: str
    label: str
    amount: Decimal  # the standard amount (元) recorded when the reward is decided
    maximum: Decimal  # the most a decision may record for this kind
    source: str
    unconfirmed: bool


REWARD_RULES = (
    RewardRule(
        "major",
        "举报重大事故隐患经核查属实",
        Decimal("3000"),
        Decimal("300000"),
        f"{REWARD_SOURCE}（金额待核对原文）",
        True,
    ),
    RewardRule(
        "general",
        "举报一般事故隐患经核查属实",
        Decimal("500"),
        Decimal("3000"),
        f"{REWARD_SOURCE}（金额待核对原文）",
        True,
    ),
)
REWARD_RULES_BY_KEY = {rule.key: rule for rule in REWARD_RULES}

# Photos a tip may carry, and how large each may be.
MAX_PHOTOS = 6
MAX_PHOTO_MEGABYTES = 8
