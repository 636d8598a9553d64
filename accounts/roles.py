"""Roles and what each may do. Kept as data: one table a reader can check against
ARCHITECTURE.md's "who uses it", and one function (`can`) that every view and endpoint asks."""

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    # For the annotations only (lint-imports skips type-checking imports): at run time this
    # module still imports nothing of the project.
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县局管理员"
    SUPERVISOR = "supervisor", "监管科室"
    ENFORCEMENT_OFFICER = "enforcement_officer", "执法人员"
    TOWN_SUPERVISOR = "town_supervisor", "镇街/开发区监管员"
    GRID_MEMBER = "grid_member", "网格员"
    EXPERT = "expert", "专家"
    PRINCIPAL = "principal", "企业主要负责人"
    SAFETY_OFFICER = "safety_officer", "企业安全管理员"
    EMPLOYEE = "employee", "员工"
    PROVINCE_SUPERVISOR = "province_supervisor", "省级监管"
    CITY_SUPERVISOR = "city_supervisor", "市级监管"


# A user of these roles belongs to a jurisdiction and sees everything below it.
JURISDICTION_ROLES = frozenset(
    {
        Role.COUNTY_ADMIN,
        Role.SUPERVISOR,
        Role.ENFORCEMENT_OFFICER,
        Role.TOWN_SUPERVISOR,
        Role.GRID_MEMBER,
        Role.PROVINCE_SUPERVISOR,
        Role.CITY_SUPERVISOR,
    }
)
# The levels above the county: a province supervisor sits at the province node, a city
# supervisor at a city; like every jurisdiction role they see everything below their node (the
# gate's path-prefix rule), and they only read (see the block after PERMISSIONS).
UPPER_ROLES = frozenset({Role.PROVINCE_SUPERVISOR, Role.CITY_SUPERVISOR})
# County roles sit at the county node; town supervisors at a town; grid members at a grid.
COUNTY_ROLES = frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER})
# A user of these roles belongs to one enterprise and sees only it.
ENTERPRISE_ROLES = frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE})
STAFF_ROLES = JURISDICTION_ROLES | {Role.EXPERT}

_ALL = frozenset(Role)
PERMISSIONS: dict[str, frozenset[str]] = {
    "enterprise.view": _ALL,
    "enterprise.list": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "enterprise.create": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "enterprise.edit": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.TOWN_SUPERVISOR,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    # Who edits every field of an enterprise; the others with enterprise.edit (its own users)
    # only ENTERPRISE_SELF_EDITABLE_FIELDS.
    "enterprise.edit_all": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "enterprise.import": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "enterprise.export": STAFF_ROLES,
    "hazard.list": _ALL,
    # Who sees every hazard of the enterprises in their scope; the others (employees) see the
    # hazards they reported (hazards.models.HazardQuerySet).
    "hazard.list_all": _ALL - {Role.EMPLOYEE},
    # The hazard's transitions (hazards/transitions: TRANSITIONS names which of these acts in
    # which state): anyone who sees an enterprise reports; its managers plan, rectify and
    # submit; the bureau's and the town's staff confirm, verify, close and supervise.
    "hazard.report": _ALL,
    "hazard.rectify": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    # A general hazard the enterprise found itself is confirmed and verified inside it, by a
    # manager other than who reported or submitted it (hazards/transitions: REVIEWED_INSIDE).
    "hazard.review_internal": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "hazard.review": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    # The source a reporter may claim for a hazard (hazards.models.Source): an enterprise's own
    # people find hazards by self-inspection or report them as employees; the bureau's people
    # by inspection, visit, a tip or the monitoring; an expert by their checks.
    "hazard.source.self_inspection": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "hazard.source.employee_report": frozenset(
        {Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE}
    ),
    "hazard.source.enforcement": JURISDICTION_ROLES,
    "hazard.source.public_tip": JURISDICTION_ROLES,
    "hazard.source.expert": (JURISDICTION_ROLES - {Role.GRID_MEMBER}) | {Role.EXPERT},
    "hazard.source.monitoring": JURISDICTION_ROLES - {Role.GRID_MEMBER},
    "hazard.source.other": JURISDICTION_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    # Recorded only from their own records (hazards.states.LINKED_SOURCES): a campaign's
    # checklist answered by the enterprise or checked by staff, an expert visit's diagnosis, a
    # remote (非现场) inspection.
    "hazard.source.campaign": JURISDICTION_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "hazard.source.expert_visit": (JURISDICTION_ROLES - {Role.GRID_MEMBER}) | {Role.EXPERT},
    "hazard.source.remote_enforcement": JURISDICTION_ROLES - {Role.GRID_MEMBER},
    "hazard.export": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "hazard.board": STAFF_ROLES,
    # Self-inspections are the principal's findings: an employee's scope is the hazards they
    # reported (HazardQuerySet), not the enterprise's checks.
    "self_inspection.view": _ALL - {Role.EMPLOYEE},
    "self_inspection.record": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    # Who leads a self-inspection as the principal (the form's default 由主要负责人带队).
    "self_inspection.lead": frozenset({Role.PRINCIPAL}),
    "criteria.view": _ALL,
    # Monitoring: the bureau watches every connected enterprise in its scope; an enterprise's
    # managers watch and handle their own alarms and keep their gateways.
    "monitoring.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "alarm.handle": frozenset(
        {
            Role.SUPERVISOR,
            Role.TOWN_SUPERVISOR,
            Role.GRID_MEMBER,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    "alarm.close": frozenset({Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "gateway.manage": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.PRINCIPAL, Role.SAFETY_OFFICER}
    ),
    "warning.review": frozenset({Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    # Grading (分类分级): the bureau and an enterprise's managers read the grade and its
    # factors; the bureau asks for a manual grade, and a county administrator or supervisor
    # other than the one who asked approves it.
    "grade.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "grade.override": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "grade.approve": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    "grade.recompute": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    # Enforcement (seed task 22): the bureau's supervisors and enforcement officers plan the
    # year, draw the random inspections and handle penalty cases; towns follow theirs; an
    # enterprise sees its own published assignments and its own penalties.
    "plan.view": JURISDICTION_ROLES,
    "plan.manage": frozenset({Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER}),
    "plan.approve": frozenset({Role.SUPERVISOR}),
    "draw.view": JURISDICTION_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "draw.create": frozenset({Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER}),
    "draw.outcome": frozenset({Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER}),
    "conflict.view": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    "conflict.manage": frozenset({Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER}),
    # Who declares a conflict for any inspector of the pool; an enforcement officer declares
    # only their own.
    "conflict.manage_pool": frozenset({Role.SUPERVISOR}),
    "inspector.manage": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    "penalty.view": JURISDICTION_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "penalty.manage": frozenset({Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER}),
    # Checklist inspections (seed tasks 22–24): the bureau's supervisors and officers and the
    # towns (remote enforcement in every town, task 23) inspect; the bureau's staff and towns
    # read the statistics; an enterprise sees its own completed inspections and documents.
    "checklist.view": JURISDICTION_ROLES,
    "inspection.view": JURISDICTION_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "inspection.manage": frozenset(
        {Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    "inspection.stats": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    # Accidents (seed tasks 7, 21): the bureau and the towns record the accidents of their
    # enterprises and the typical cases reported elsewhere; an enterprise reads its own.
    "accident.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "accident.record": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    # Typical cases from elsewhere are the county bureau's bulletins (seed task 21).
    "accident.record_external": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    # Safety commitments (seed task 7): an enterprise's managers record the commitments made
    # by post and level (the principal's to 动态清零 above all); the bureau, towns and grid
    # members follow them and record a broken one.
    "commitment.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "commitment.record": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "commitment.breach": frozenset(
        {
            Role.SUPERVISOR,
            Role.ENFORCEMENT_OFFICER,
            Role.TOWN_SUPERVISOR,
            Role.GRID_MEMBER,
        }
    ),
    "commitment.revoke": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    # Construction projects' safety facilities (三同时, seed task 2): an enterprise's managers
    # (or the bureau and the town on its behalf) register projects and record their
    # milestones; the county bureau reviews a metal smelting project's safety facility design;
    # inspectors and towns record construction found started or built without that review.
    "project.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "project.record": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.TOWN_SUPERVISOR,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    "project.review": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    "project.flag": frozenset({Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}),
    # The equipment register and the catalogue of obsolete processes and equipment (seed task
    # 4): an enterprise's managers keep their register (the bureau and the town may too); the
    # bureau's people and the enterprise read it.
    "equipment.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "equipment.record": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.TOWN_SUPERVISOR,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    # Standardization (安全生产标准化, seed tasks 11–13): an enterprise's managers apply for a
    # rating and renew it; the county bureau organizes the review (named reviewers), announces,
    # certifies, spot-checks and concludes (kept, downgraded, revoked) and chooses the benchmark
    # enterprises; towns follow theirs (rated / applied / not started); the rated list goes to
    # insurers and banks (task 13).
    "standardization.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "standardization.apply": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "standardization.manage": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    # Who uploads a rating's documents: the applicant's materials, the bureau's records.
    "standardization.upload": frozenset(
        {Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.COUNTY_ADMIN, Role.SUPERVISOR}
    ),
    "standardization.stats": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    "standardization.export": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    # The risk register (风险分级管控, seed tasks 11–12): an enterprise's managers keep their
    # register; its employees read it (the risks of their posts are told to them); the bureau,
    # towns, grid members and experts follow it.
    "risk.view": _ALL,
    "risk.edit": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    # Routine checks of the control measures (排查任务): answered inside the enterprise, by
    # its managers and its employees (a post's own checks).
    "risk.check": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE}),
    # The bureau's and towns' view over the registers of their area: the four-colour
    # distribution and the enterprises whose system is not running (真建、真用).
    "risk.supervise": STAFF_ROLES,
    # Employee hazard reports and rewards (seed task 7, rewards): everyone with an account
    # sees the reports in scope, an employee only their own (rewards.models.ReportQuerySet);
    # an enterprise's people report through its link; its managers set the reward standard,
    # keep the link and its poster, approve and record payment; the bureau and towns read the
    # statistics.
    "report.view": _ALL,
    "report.view_all": _ALL - {Role.EMPLOYEE},
    "report.submit": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE}),
    "reward.manage": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "reward.approve": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "reward.pay": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "reward.export": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "reward.stats": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    # Public tips (举报, seed section 三(三)): the bureau and the towns read the tips routed to
    # their jurisdiction and handle them (accept, verify, reply); a reward is decided by a
    # supervisor or the town, approved by the county administrator and paid by the bureau. The
    # tipster's identity is the county administrator's alone, every view of it audited.
    "tip.view": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    "tip.handle": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "tip.contact": frozenset({Role.COUNTY_ADMIN}),
    "tip.reward_decide": frozenset({Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "tip.reward_approve": frozenset({Role.COUNTY_ADMIN}),
    "tip.reward_pay": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    # Special-operation certificates (特种作业操作证, seed tasks 19–20): an enterprise's managers
    # (or the bureau and the town on its behalf) keep the certificates of their people and the
    # operations their work needs; the bureau, towns, grid members and experts follow them.
    "certificate.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "certificate.record": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.TOWN_SUPERVISOR,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    # Who reads a holder's whole ID number: the enterprise and the county bureau; the others
    # see it masked (3715**********1234).
    "certificate.id_number": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.ENFORCEMENT_OFFICER,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    # The county's and towns' list of certificates expiring or due for review, and its export.
    "certificate.list": JURISDICTION_ROLES - {Role.GRID_MEMBER},
    # Inspectors raise an operation without enough valid holders as a major hazard
    # (应急管理部令第10号 第三条（二）).
    "certificate.raise_gap": frozenset(
        {Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    # Training and drills (seed tasks 17, 18, 25): an enterprise's managers record their
    # people's training and their drills (the bureau and the town may on their behalf); the
    # bureau records its enforcement officers' training; the towns and the bureau record the
    # yearly observation drill (现场观摩) and follow coverage, drills due and the 四不 share.
    "training.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "training.record": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.TOWN_SUPERVISOR,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    "training.record_officer": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    "training.supervise": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.ENFORCEMENT_OFFICER,
            Role.TOWN_SUPERVISOR,
            Role.GRID_MEMBER,
        }
    ),
    # Who is asked on the workbench to follow up the principals of task 17 not trained yet:
    # the towns' staff (分级属地).
    "training.follow_up": frozenset({Role.TOWN_SUPERVISOR}),
    "drill.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "drill.record": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.TOWN_SUPERVISOR,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    "drill.observation": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    # The API's own pages, the 接口令牌 page (a bearer token for a script, an officer's phone,
    # a system that connects) and the API documentation (/api/v1/docs and its OpenAPI
    # document): for the bureau's and the towns' staff and an enterprise's managers, who
    # connect their systems and keep their gateways. Employees, grid members and experts work
    # on the pages and are not offered either.
    "api.use": frozenset(
        {
            Role.COUNTY_ADMIN,
            Role.SUPERVISOR,
            Role.ENFORCEMENT_OFFICER,
            Role.TOWN_SUPERVISOR,
            Role.PRINCIPAL,
            Role.SAFETY_OFFICER,
        }
    ),
    # Campaigns (专项整治, seed tasks 8, 10, 21; campaigns app): the bureau and the towns
    # organise them in their jurisdiction; the towns check their enterprises, the bureau
    # spot-checks; the enterprise's managers answer the checklist.
    "campaign.view": JURISDICTION_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "campaign.manage": COUNTY_ROLES | {Role.TOWN_SUPERVISOR},
    "campaign.check": frozenset({Role.TOWN_SUPERVISOR, Role.GRID_MEMBER}),
    "campaign.spot_check": COUNTY_ROLES,
    "campaign.answer": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "campaign.export": JURISDICTION_ROLES,
    # Expert services (experts, seed task 9): an enterprise's managers keep their confined-space
    # ledger (有限空间台账), which the bureau, towns and its assigned experts read; the county
    # and the towns plan confined-space expert visits and assign experts; the experts (and the
    # supervisors who run the visit with them) record its four parts, the diagnosis findings
    # (hazards, source expert visit), the review of the ledger and the feedback report; the
    # enterprise sees its own visits.
    "confined_space.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "confined_space.edit": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "expert_visit.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "expert_visit.manage": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    "expert_visit.diagnose": frozenset({Role.EXPERT, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    # Accident warnings (事故警示, seed task 21; accident_warnings): the bureau issues warnings
    # from accident cases and adjusts their recipients; an enterprise's managers acknowledge
    # them; the towns follow their enterprises' acknowledgement. 提醒函 from the bureau and the
    # towns; 约谈, 重点关注 and 帮扶指导 recorded by the bureau's and the towns' staff.
    "accident_warning.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "accident_warning.issue": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    "accident_warning.acknowledge": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "accident_warning.letter": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}
    ),
    "supervision.view": STAFF_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "supervision.record": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    # Remote enforcement and assistance (enforcement.remote; seed tasks 23, 24, section 三(四)):
    # staff who inspect open remote (非现场) inspections and decide them; the enterprise's
    # managers explain; the county's staff record assistance to weak towns, which the towns
    # read; the bureau chooses the typical cases it publishes.
    "remote.view": JURISDICTION_ROLES | {Role.PRINCIPAL, Role.SAFETY_OFFICER},
    "remote.manage": frozenset({Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}),
    "remote.answer": frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER}),
    "assistance.view": frozenset(
        {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
    ),
    "assistance.record": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER}),
    "public_case.manage": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    # The three-year targets (issue 17, seed section 一 and 三(一)): the county's and towns'
    # staff read the dashboard and its exports; the county's bureau recomputes, drafts and
    # issues the monthly and annual reports; a town supervisor keeps the town's own plan.
    "targets.view": JURISDICTION_ROLES - {Role.GRID_MEMBER},
    "targets.export": JURISDICTION_ROLES - {Role.GRID_MEMBER},
    "targets.refresh": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    "targets.plan": frozenset({Role.TOWN_SUPERVISOR}),
    "targets.report": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR}),
    # Data exchange (issue 18; exchange app): the county administrator configures the
    # subscribers pushed to and registers the platforms above that push tasks down; another
    # platform polls the changes of its jurisdiction with a token of a county, town, city or
    # province account (GET /api/v1/exchange/changes).
    "exchange.manage": frozenset({Role.COUNTY_ADMIN}),
    "exchange.pull": frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR}),
    # Field work without signal (issue 18, fieldwork/): the offline page and its API, for anyone
    # who fills one of its forms; each record is still checked by its own action
    # (inspection.manage, hazard.report, self_inspection.record) when it is synced.
    "fieldwork.use": _ALL,
    # Operations (issue 18): the 运行状况 page (health checks, slow statements and server
    # errors of the installation, no personal data) for the county administrator; the platform
    # superuser, who holds no role, sees it too (core/views.py).
    "ops.view": frozenset({Role.COUNTY_ADMIN}),
}
# The city and province levels (issue 17): their supervisors oversee the counties below them
# and act through them, so by default they only read. They get the reading actions a county
# supervisor has (lists, pages, boards, statistics, exports, the API to read them) and nothing
# else: every action not named here is closed to them, those already granted through _ALL,
# STAFF_ROLES or JURISDICTION_ROLES (hazard.report, hazard.source.*, ...) included, and so is
# any action added later until it is named here. The holder's whole ID number
# (certificate.id_number) stays the county bureau's.
UPPER_READ_ACTIONS = frozenset(
    {
        "enterprise.view",
        "enterprise.list",
        "enterprise.export",
        "hazard.list",
        "hazard.list_all",
        "hazard.export",
        "hazard.board",
        "self_inspection.view",
        "criteria.view",
        "monitoring.view",
        "grade.view",
        "plan.view",
        "draw.view",
        "conflict.view",
        "penalty.view",
        "checklist.view",
        "inspection.view",
        "inspection.stats",
        "accident.view",
        "commitment.view",
        "project.view",
        "equipment.view",
        "standardization.view",
        "standardization.stats",
        "standardization.export",
        "risk.view",
        "risk.supervise",
        "report.view",
        "report.view_all",
        "reward.export",
        "reward.stats",
        "tip.view",
        "certificate.view",
        "certificate.list",
        "training.view",
        "training.supervise",
        "drill.view",
        "api.use",
        "campaign.view",
        "targets.view",
        "targets.export",
        "campaign.export",
        "confined_space.view",
        "expert_visit.view",
        "accident_warning.view",
        "supervision.view",
        "remote.view",
        "assistance.view",
        "exchange.pull",
    }
)
for _action, _roles in PERMISSIONS.items():
    if _action in UPPER_READ_ACTIONS:
        PERMISSIONS[_action] = _roles | UPPER_ROLES
    else:
        PERMISSIONS[_action] = _roles - UPPER_ROLES
# The Django admin (anjian/admin.py). A county administrator manages the accounts of their own
# county there (accounts/admin.py scopes the list and the choices; granted by
# accounts.backends.AdminRoleBackend). Everything else in the admin, the rules and reference
# data every county shares, is the platform superuser's, who holds no role.
ADMIN_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset(
        {"accounts.view_user", "accounts.add_user", "accounts.change_user"}
    ),
}

# Enterprise users keep their own contact facts up to date; the bureau owns the rest
# (industry, jurisdiction, status); the standardization grade is derived from the current
# valid rating (standardization.services), never edited.
ENTERPRISE_SELF_EDITABLE_FIELDS = frozenset(
    {
        "address",
        "employee_count",
        "dust_workers",
        "principal_name",
        "principal_phone",
        "safety_officer_name",
        "safety_officer_phone",
        "longitude",
        "latitude",
        # The equipment and process profile (accident warnings reach it, seed task 21).
        "process_kinds",
    }
)


def can(user: "User | AnonymousUser", action: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")
    return user.role in PERMISSIONS[action]


def require(user: "User | AnonymousUser", action: str, label: str = "进行此操作") -> None:
    """The role half of the gate, for pages and API endpoints alike: PermissionDenied when the
    role may not, which a page shows as the 403 page and the API as a JSON 403 whose `detail` is
    "您的角色无权<label>" (anjian/api.py). The scope half is `Model.objects.for_user(...)`; both
    together, for one object, are core.gate.get_for_user."""
    from django.core.exceptions import PermissionDenied

    if not can(user, action):
        raise PermissionDenied(f"您的角色无权{label}")
