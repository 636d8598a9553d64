"""Who may move a rating from which state to which: the transition table, as data (the pattern
of hazards/transitions.py). Each action names the states it starts from, the state it leads to
(None: decided by the step, e.g. a review passed or failed) and the accounts.roles.PERMISSIONS
action whose roles take it; `veto` marks the steps an open major hazard refuses (seed task 12).

The enterprise's managers apply and renew; the county bureau organizes the review, records its
result, announces, certifies, starts a spot check and concludes it. Expiry is the daily task's
(no actor)."""

from dataclasses import dataclass

from standardization.states import State

APPLY = "standardization.apply"
MANAGE = "standardization.manage"


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    target: str | None
    permission: str | None  # None: the system's own step (expiry)
    veto: bool = False


TRANSITIONS: dict[str, Transition] = {
    "apply": Transition("申请定级", (), State.APPLIED, APPLY, veto=True),
    "renew": Transition(
        "申请延期换证", (State.VALID, State.EXPIRED), State.APPLIED, APPLY, veto=True
    ),
    "start_review": Transition("组织评审", (State.APPLIED,), State.REVIEWING, MANAGE),
    "record_review": Transition("录入评审结论", (State.REVIEWING,), None, MANAGE),
    "announce": Transition("公告", (State.REVIEWED,), State.ANNOUNCED, MANAGE, veto=True),
    "certify": Transition("发证", (State.ANNOUNCED,), State.VALID, MANAGE),
    "start_check": Transition("开始抽查", (State.VALID,), State.CHECKING, MANAGE),
    "conclude_check": Transition("抽查/复核结论", (State.CHECKING,), None, MANAGE),
    "expire": Transition(
        "有效期届满", (State.ANNOUNCED, State.VALID, State.CHECKING), State.EXPIRED, None
    ),
}
