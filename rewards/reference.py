"""The rules of the employee report reward scheme as data, with their source.

Seed task 7 (高唐县工贸行业安全生产治本攻坚三年行动实施方案, 七): 对员工在岗位职责内发现事故隐患向本
企业报告经查实后予以奖励，对员工在岗位职责外发现事故隐患向本企业举报经查实后提高奖励标准. An
enterprise's rule that pays a report outside the post's duties no more than one within is
refused with that sentence. The seed names no amounts: each enterprise sets its own."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    text: str
    source: str
    confirmed: bool = True  # False: UNCONFIRMED, not given by REGULATIONS.md or the seed


SEED_TASK_7 = "《高唐县工贸行业安全生产治本攻坚三年行动实施方案》重点任务7"

OUTSIDE_DUTY_PAYS_MORE = Rule(
    "对员工在岗位职责内发现事故隐患向本企业报告经查实后予以奖励，"
    "对员工在岗位职责外发现事故隐患向本企业举报经查实后提高奖励标准",
    SEED_TASK_7,
)

# A major hazard pays more than a general one found the same way: the requirement
# ("higher for a major hazard"); the seed does not say it. UNCONFIRMED.
MAJOR_PAYS_MORE = Rule(
    "重大事故隐患的奖励标准高于一般隐患", "issue 15（本平台约定）", confirmed=False
)

# Reports a person without an account may send through one enterprise's link from one address
# in one day, counted from the stored reports. UNCONFIRMED: the platform's own guard.
BY_NAME_PER_ADDRESS_PER_DAY = 5

# The report link's token: 128 random bits (secrets.token_urlsafe(16), 22 characters); the
# issue asks for at least 80.
TOKEN_BYTES = 16

# The largest amount a rule may name (元): a typing error guard, not a policy.
MAX_AMOUNT = 1_000_000
