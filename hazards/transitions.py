"""Who may move a hazard from which state to which: the transition table, as data.

Each action names the states it starts from, the state it leads to (None: the state stays) and
the roles that may take it. Enterprise users report, plan, rectify and submit; town and county
staff confirm, verify, close, approve extensions and list for supervision (seed task 5;
工贸企业重大事故隐患判定标准 第十五条 on the rectification plan's five elements).

The review steps (confirm, reject, close, return, decide an extension) of a general hazard the
enterprise found itself (self-inspection, an employee's report) are the enterprise's own: its
managers confirm, plan and verify it, the town sees it. A major hazard, or one found by anyone
else, is reviewed by the bureau's or the town's staff (seed task 5: 企业自查自改自报; the
town confirms the major judgement and verifies its close-out).
"""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q

from accounts.roles import PERMISSIONS
from hazards.states import Source, State

if TYPE_CHECKING:
    from hazards.models import Hazard

# The role sets come from accounts.roles (the one role table); this table says which of them
# acts in which state.
STAFF = "hazard.review"
ENTERPRISE_MANAGERS = "hazard.rectify"
ENTERPRISE_REVIEW = "hazard.review_internal"

# The sources whose general hazards the enterprise reviews itself.
INTERNAL_SOURCES = (Source.SELF_INSPECTION, Source.EMPLOYEE_REPORT)
# The same as a query: the hazards reviewed inside the enterprise.
REVIEWED_INSIDE = Q(is_major=False, source__in=INTERNAL_SOURCES)


def reviewed_inside(hazard: "Hazard") -> bool:
    """Whether the enterprise itself reviews this hazard (a general one it found)."""
    return not hazard.is_major and hazard.source in INTERNAL_SOURCES


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    target: str | None
    permission: str  # the accounts.roles.PERMISSIONS action whose roles take this transition
    major_only: bool = False  # only for a major hazard
    review: bool = False  # a review step: the enterprise's own for a hazard reviewed inside

    def permission_for(self, hazard: "Hazard") -> str:
        """The PERMISSIONS action whose roles take this transition on this hazard."""
        return ENTERPRISE_REVIEW if self.review and reviewed_inside(hazard) else self.permission

    @property
    def roles(self) -> frozenset:
        return PERMISSIONS[self.permission]


TRANSITIONS = {
    "confirm": Transition("确认隐患", (State.REPORTED,), State.CONFIRMED, STAFF, review=True),
    "reject": Transition("不予确认", (State.REPORTED,), State.REJECTED, STAFF, review=True),
    "plan": Transition(
        "制定整改方案", (State.CONFIRMED, State.PLANNED), State.PLANNED, ENTERPRISE_MANAGERS
    ),
    "start": Transition("开始整改", (State.PLANNED,), State.RECTIFYING, ENTERPRISE_MANAGERS),
    "submit": Transition("提交验收", (State.RECTIFYING,), State.SUBMITTED, ENTERPRISE_MANAGERS),
    "close": Transition("验收销号", (State.SUBMITTED,), State.CLOSED, STAFF, review=True),
    "return": Transition("退回整改", (State.SUBMITTED,), State.RECTIFYING, STAFF, review=True),
    "request_extension": Transition(
        "申请延期", (State.PLANNED, State.RECTIFYING), None, ENTERPRISE_MANAGERS
    ),
    "decide_extension": Transition(
        "审批延期", (State.PLANNED, State.RECTIFYING), None, STAFF, review=True
    ),
    "judge_major": Transition(
        "认定重大隐患",
        (State.REPORTED, State.CONFIRMED, State.PLANNED, State.RECTIFYING),
        None,
        STAFF,
    ),
    "list": Transition(
        "挂牌督办",
        (State.CONFIRMED, State.PLANNED, State.RECTIFYING, State.SUBMITTED),
        None,
        STAFF,
        major_only=True,
    ),
    "suspend": Transition(
        "责令停产停用",
        (State.CONFIRMED, State.PLANNED, State.RECTIFYING, State.SUBMITTED),
        None,
        STAFF,
        major_only=True,
    ),
}


# The step that moves a hazard on from each open state, and who it therefore waits for (the
# workbench's "待办" and each hazard's "下一步"). Side steps (reject, return, extensions,
# listing) are not the next step.
NEXT_STEP: dict[str, str] = {
    State.REPORTED: "confirm",
    State.CONFIRMED: "plan",
    State.PLANNED: "start",
    State.RECTIFYING: "submit",
    State.SUBMITTED: "close",
}
WAITING_FOR = {
    STAFF: "监管部门（镇街或县局）",
    ENTERPRISE_MANAGERS: "企业（主要负责人或安全管理人员）",
    ENTERPRISE_REVIEW: "企业（主要负责人或安全管理人员，非本人）",
}


@dataclass(frozen=True)
class ZeroOutRule:
    """Every major hazard found in a year is rectified by a day of the next year; one still
    open after that day is overdue whatever its own deadline, and a deadline past that day
    breaks the rule (allowed only with a reason, and shown)."""

    month: int
    day: int
    text: str
    source: str

    def deadline_for(self, year: int) -> date:
        """The day by which the major hazards found in `year` are rectified."""
        return date(year + 1, self.month, self.day)

    def target_year(self, today: date) -> int:
        """The year whose major hazards are being cleared now: last year's until its deadline
        has passed (through 31 January), this year's after."""
        return today.year - 1 if today <= self.deadline_for(today.year - 1) else today.year

    def overdue_before(self, today: date) -> date:
        """Open major hazards found before this day are overdue by the rule on `today`: those
        of every year whose deadline has passed."""
        return date(self.target_year(today), 1, 1)


ZERO_OUT = ZeroOutRule(
    month=1,
    day=31,
    text="每年1月底前，要全面完成整改上一年度查出的重大事故隐患",
    source="高唐县工贸安全生产治本攻坚三年行动实施方案（2024—2026年）任务6",
)
