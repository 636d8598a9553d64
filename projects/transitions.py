"""Who may move a construction project from which state to which: the transition table, as data
(the pattern of hazards/transitions.py).

The three simultaneities (三同时, 安全生产法 第三十一条; seed task 2): the safety facilities are
designed, built and put into production and use together with the main works. The enterprise
(or the bureau on its behalf) records each milestone with its date and document. A metal
smelting project's safety facility design is reviewed by the bureau (安全设施设计审查); its
construction may not be recorded as started before the review is approved. If the bureau finds
one started or built without review, it records that (report_unreviewed): the project is
flagged 未经审查擅自建设 for a penalty case and a design diagnosis by a qualified design unit
(seed task 2), which the enterprise then records (diagnose).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.roles import PERMISSIONS
from projects.states import State

if TYPE_CHECKING:
    from projects.models import Project

RECORD = "project.record"
REVIEW = "project.review"
FLAG = "project.flag"

BEFORE_CONSTRUCTION = (State.REGISTERED, State.DESIGNED, State.UNDER_REVIEW)
BUILT = (State.CONSTRUCTING, State.COMMISSIONED)


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the state stays (report_unreviewed chooses its own)
    permission: str  # the accounts.roles.PERMISSIONS action whose roles take it
    document: bool = False  # a document must be uploaded with the step
    metal_only: bool = False  # only for a metal smelting project
    flagged_only: bool = False  # only for a project flagged 未经审查擅自建设

    @property
    def roles(self) -> frozenset:
        return PERMISSIONS[self.permission]


TRANSITIONS = {
    "design": Transition(
        "同时设计：登记安全设施设计",
        (State.REGISTERED, State.DESIGNED),
        State.DESIGNED,
        RECORD,
        document=True,
    ),
    "submit_review": Transition(
        "提交安全设施设计审查", (State.DESIGNED,), State.UNDER_REVIEW, RECORD, metal_only=True
    ),
    "approve_review": Transition(
        "设计审查通过",
        (State.UNDER_REVIEW,),
        State.REVIEW_APPROVED,
        REVIEW,
        document=True,
        metal_only=True,
    ),
    "reject_review": Transition(
        "设计审查不通过", (State.UNDER_REVIEW,), State.DESIGNED, REVIEW, metal_only=True
    ),
    "start_construction": Transition(
        "同时施工：登记安全设施开工",
        (State.DESIGNED, State.REVIEW_APPROVED),
        State.CONSTRUCTING,
        RECORD,
    ),
    "commission": Transition(
        "同时投入生产和使用：登记竣工验收",
        (State.CONSTRUCTING,),
        State.COMMISSIONED,
        RECORD,
        document=True,
    ),
    "report_unreviewed": Transition(
        "登记未经审查擅自建设", BEFORE_CONSTRUCTION, None, FLAG, metal_only=True
    ),
    "diagnose": Transition(
        "登记安全设施设计诊断", BUILT, None, RECORD, document=True, flagged_only=True
    ),
}


def sources(name: str, project: "Project") -> tuple[str, ...]:
    """The states this transition starts from for this project: a metal smelting project's
    construction starts only from an approved design review; any other project's from its
    design (a review is not required of it)."""
    transition = TRANSITIONS[name]
    if name == "start_construction":
        return (State.REVIEW_APPROVED,) if project.is_metal_smelting else (State.DESIGNED,)
    return transition.sources


def refusal(name: str, project: "Project") -> str | None:
    """Why this transition may not be taken on this project in its state (a 409), or None."""
    transition = TRANSITIONS[name]
    if transition.metal_only and not project.is_metal_smelting:
        return "只有金属冶炼建设项目需要安全设施设计审查"
    if transition.flagged_only and not project.unreviewed_construction:
        return "该项目未被认定为未经审查擅自建设，无需登记设计诊断"
    if name == "diagnose" and project.diagnosed_on is not None:
        return "该项目的安全设施设计诊断已登记"
    metal_before = project.is_metal_smelting and project.state in BEFORE_CONSTRUCTION
    if name == "start_construction" and metal_before:
        return "金属冶炼建设项目的安全设施设计审查通过前，不得开工建设"
    if project.state not in sources(name, project):
        return f"项目当前为“{State(project.state).label}”，不能{transition.label}"
    return None
