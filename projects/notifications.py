"""Who hears of a construction project's steps (core.events), as data (RECIPIENTS, read by the
通知规则 page); never the actor.

- registered, designed, construction started, commissioned: the town's supervisors, who follow
  the enterprises of their town;
- a metal smelting project's design submitted for review: the county's supervisors and
  administrators, who review it;
- the review approved or refused: the enterprise's managers;
- construction found started or built without review (未经审查擅自建设, seed task 2): the
  county's enforcement officers and supervisors (a penalty case), the town's supervisors and
  the enterprise's managers (the design diagnosis to commission);
- a design diagnosis recorded: the county's enforcement officers and supervisors."""

from accounts.roles import Role
from core.events import Message
from enterprises.people import COUNTY, ENTERPRISE, MANAGERS, TOWN, Audience, audience, heard
from projects.states import Action

SELECT_RELATED = {"ProjectEvent": ("project__enterprise",)}

_TOWN = (Audience(TOWN, (Role.TOWN_SUPERVISOR,)),)
_ENFORCEMENT = (Audience(COUNTY, (Role.ENFORCEMENT_OFFICER, Role.SUPERVISOR)),)
RECIPIENTS: dict[str, tuple[Audience, ...]] = {
    Action.REGISTER: _TOWN,
    Action.DESIGN: _TOWN,
    Action.SUBMIT_REVIEW: (Audience(COUNTY, (Role.SUPERVISOR, Role.COUNTY_ADMIN)),),
    Action.APPROVE_REVIEW: (Audience(ENTERPRISE, MANAGERS),),
    Action.REJECT_REVIEW: (Audience(ENTERPRISE, MANAGERS),),
    Action.START_CONSTRUCTION: _TOWN,
    Action.COMMISSION: _TOWN,
    Action.REPORT_UNREVIEWED: (*_ENFORCEMENT, *_TOWN, Audience(ENTERPRISE, MANAGERS)),
    Action.DIAGNOSE: _ENFORCEMENT,
}
KINDS = {
    Action.REGISTER: "建设项目登记",
    Action.DESIGN: "安全设施设计完成",
    Action.SUBMIT_REVIEW: "金属冶炼项目提交设计审查",
    Action.APPROVE_REVIEW: "设计审查通过",
    Action.REJECT_REVIEW: "设计审查不通过",
    Action.START_CONSTRUCTION: "安全设施开工",
    Action.COMMISSION: "安全设施竣工验收",
    Action.REPORT_UNREVIEWED: "未经审查擅自建设（立案处罚、设计诊断）",
    Action.DIAGNOSE: "安全设施设计诊断",
}


def kinds_of(event) -> tuple[str, ...]:
    return (event.action,) if event.action in RECIPIENTS else ()


def recipients_for(event) -> list:
    return audience(
        event.project.enterprise, heard(RECIPIENTS, kinds_of(event)), exclude=event.actor_id
    )


def message(event):
    project = event.project
    title = f"【{KINDS.get(event.action, event.get_action_display())}】{project.enterprise.name}"
    body = f"{project.name}：{event.get_action_display()}"
    if event.action == Action.REPORT_UNREVIEWED:
        body += "。请依法立案处罚，并督促企业委托有资质的设计单位进行安全设施设计诊断"
    if event.note:
        body += f"（{event.note}）"
    return Message(recipients_for(event), title, body, f"/projects/{project.pk}/")
