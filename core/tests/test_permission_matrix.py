"""The permission matrix, generated: every page (the URL resolver) and every API operation (the
OpenAPI document) is asked by each of the nine roles, about an object inside and an object
outside the user's scope, and the answer is checked against accounts.roles.PERMISSIONS and the
one gate (core.gate):

- an object the user's `Model.objects.for_user(user)` does not hold (out of scope, missing) is a
  404, whatever the role;
- a role without the route's action is a 403 (the 403 page, or a JSON 403);
- anything else is answered (2xx, or a redirect on a page).

A route the tables below do not declare fails `test_every_route_is_declared` until it is. Write
routes are asked only the refusals (a role that may not, an object out of scope), so nothing
changes; GET routes are asked everything.
"""

import io
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from accident_warnings import services as accident_warning_services
from accidents import services as accident_services
from accidents.tests.conftest import local_data
from accounts.roles import PERMISSIONS, Role, can
from accounts.services import create_token
from anjian.api import api
from campaigns import services as campaign_services
from campaigns.models import Verdict
from certificates.models import RequiredOperation
from certificates.tests.conftest import make_certificate
from conftest import make_user
from core.models import Jurisdiction, Notification
from enforcement.inspections import services as inspections
from enforcement.models import AssistanceRecord, InspectionPhoto, Inspector, RemoteInspectionFile
from enforcement.penalties import services as enforcement_penalty_services
from enforcement.plans import services as enforcement_services
from enforcement.plans.services import DrawRequest
from enforcement.remote import services as remote_services
from enforcement.tests.conftest import answer_all
from enterprises.models import Enterprise
from exchange.models import InboundPlatform, Subscriber
from experts import services as expert_services
from grading import services as grading_services
from hazards import services as hazard_services
from hazards.models import Extension, HazardPhoto, PhotoKind, SelfInspection
from monitoring import partitions
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest
from monitoring.models import AlarmPhoto
from monitoring.tests.test_pages import make_warning
from projects import services as project_services
from projects.api import path_of as project_step_path
from projects.models import ProjectEvent
from projects.tests.conftest import pdf, project_data
from projects.transitions import TRANSITIONS as PROJECT_STEPS
from reporting import services as commitment_services
from rewards.models import EmployeeReport, Reward, RewardRule
from risks import checks as risk_checks
from risks import services as risk_services
from risks.tests.conftest import make_register
from standardization import services as standardization_services
from standardization.models import RatingDocument
from standardization.transitions import TRANSITIONS as STANDARDIZATION_STEPS
from targets import reports as target_reports
from tips import services as tip_services
from tips.models import TipPhoto
from training import services as training_services
from training.models import DrillPhoto

OPEN = "open"  # anyone, signed in or not (login, health check, the public draw results)
SIGNED_IN = "signed_in"  # any signed-in user, whatever the role (their own tokens, home)
GATEWAY = "gateway"  # a gateway's own token, no user (telemetry, video events)


@dataclass(frozen=True)
class Route:
    action: str  # a PERMISSIONS action, or OPEN / SIGNED_IN / GATEWAY
    obj: str | None = None  # the kind of object the path names (OBJECTS below)
    write: bool = False  # POST only: asked the refusals only
    slug: str = ""  # the <slug:action> of a page that takes one
    body: dict | None = None  # a body the endpoint reads past its validation
    hidden: bool = False  # a role without the action may be told 404, as if out of its scope


def page(action, obj=None):
    return Route(action, obj)


def post(action, obj=None, **extra):
    return Route(action, obj, write=True, **extra)


# --- pages, by URL name -------------------------------------------------------------------------

PAGES: dict[str, Route] = {
    "home": page(SIGNED_IN),
    "healthz": page(OPEN),
    # 运行状况: the county administrator's (and the platform superuser's, core/tests/test_ops.py).
    "ops": page("ops.view"),
    "login": page(OPEN),
    "logout": post(OPEN),
    "tokens": page("api.use"),
    "revoke_token": post("api.use", "token"),
    # The framework's own API documentation, behind the same action (anjian/api.py).
    "api:openapi-json": page("api.use"),
    "api:openapi-view": page("api.use"),
    "inbox": page(SIGNED_IN),
    "inbox_open": page(SIGNED_IN, "notification"),
    "inbox_read": post(SIGNED_IN, "notification"),
    "inbox_read_all": post(SIGNED_IN),
    "notification_settings": page(SIGNED_IN),
    "notification_rules": page(SIGNED_IN),  # who is told what: rules, no one's data
    "enterprises:list": page("enterprise.list"),
    "enterprises:create": page("enterprise.create"),
    "enterprises:export": page("enterprise.export"),
    "enterprises:import": page("enterprise.import"),
    "enterprises:import_template": page("enterprise.import"),
    "enterprises:detail": page("enterprise.view", "enterprise"),
    "enterprises:edit": page("enterprise.edit", "enterprise"),
    "hazards:ledger": page("hazard.list"),
    "hazards:report": page("hazard.report"),
    "hazards:criteria": page("criteria.view"),
    "hazards:export": page("hazard.export"),
    "hazards:zero_out": page("hazard.board"),
    "hazards:duties": page("hazard.board"),
    "hazards:self_inspections": Route("self_inspection.view", hidden=True),
    "hazards:self_inspection_new": page("self_inspection.record"),
    "hazards:self_inspection": page("self_inspection.view", "self_inspection"),
    "hazards:photo": page("hazard.list", "hazard_photo"),
    "hazards:detail": page("hazard.list", "hazard"),
    "hazards:act": post("hazard.review", "hazard", slug="confirm"),
    "monitoring:overview": page("monitoring.view"),
    "monitoring:connect": page("monitoring.view"),
    "monitoring:connect_export": page("enterprise.export"),
    "monitoring:alarms": page("monitoring.view"),
    "monitoring:alarm": page("monitoring.view", "alarm"),
    "monitoring:alarm_act": post("alarm.close", "alarm", slug="close"),
    "monitoring:photo": page("monitoring.view", "alarm_photo"),
    "monitoring:point": page("monitoring.view", "point"),
    "monitoring:warnings": page("monitoring.view"),
    "monitoring:warning": page("monitoring.view", "warning"),
    "monitoring:warning_review": post("warning.review", "warning"),
    "monitoring:gateways": page("gateway.manage"),
    # The enterprise it names (a form field) is looked up first: none named is a 404.
    "monitoring:gateway_create": post("gateway.manage", hidden=True),
    "monitoring:gateway_rotate": post("gateway.manage", "gateway"),
    "monitoring:point_create": page("gateway.manage", "gateway"),
    "monitoring:enterprise": page("monitoring.view", "enterprise"),
    "grading:list": page("grade.view"),
    "grading:rules": page("grade.view"),
    "grading:detail": page("grade.view", "enterprise"),
    "grading:card": page(SIGNED_IN, "enterprise"),  # the tab says when the role may not
    "grading:request_override": post("grade.override", "enterprise"),
    "grading:recompute": post("grade.recompute", "enterprise"),
    "grading:decide": post("grade.approve", "override"),
    "grading:revoke": post("grade.approve", "override"),
    "enforcement:plans": page("plan.view"),
    "enforcement:plan": page("plan.view", "plan"),
    "enforcement:plan_act": post("plan.approve", "plan", slug="approve"),
    "enforcement:draws": page("draw.view"),
    "enforcement:draw_new": page("draw.create"),
    "enforcement:draw": page("draw.view", "draw"),
    "enforcement:draw_publish": post("draw.create", "draw"),
    "enforcement:outcome": post("draw.outcome", "assignment"),
    "enforcement:conflicts": page("conflict.view"),
    "enforcement:conflict_withdraw": post("conflict.manage", "conflict"),
    "enforcement:inspector_toggle": post("inspector.manage", "inspector"),
    "enforcement:penalties": page("penalty.view"),
    "enforcement:penalty_new": page("penalty.manage"),
    "enforcement:penalty": page("penalty.view", "penalty"),
    "enforcement:inspections": page("inspection.view"),
    "enforcement:inspection_new": page("inspection.manage"),
    "enforcement:inspection": page("inspection.view", "inspection"),
    "enforcement:inspection_answer": post("inspection.manage", "inspection"),
    "enforcement:inspection_section": post("inspection.manage", "inspection"),
    "enforcement:inspection_complete": post("inspection.manage", "inspection"),
    "enforcement:inspection_evidence": post("inspection.manage", "inspection"),
    "enforcement:inspection_recheck": post("inspection.manage", "inspection"),
    "enforcement:document": page("inspection.view", "document"),
    "enforcement:inspection_photo": page("inspection.view", "inspection_photo"),
    "enforcement:checklists": page("checklist.view"),
    "enforcement:statistics": page("inspection.stats"),
    "enforcement:enterprise": page("inspection.view", "enterprise"),
    "enforcement:remotes": page("remote.view"),
    "enforcement:remote_new": page("remote.manage"),
    "enforcement:remote": page("remote.view", "remote"),
    "enforcement:remote_answer": post("remote.answer", "remote"),
    "enforcement:remote_decide": post("remote.manage", "remote"),
    "enforcement:remote_file": page("remote.view", "remote_file"),
    "enforcement:assistances": page("assistance.view"),
    "enforcement:assistance": page("assistance.view", "assistance"),
    "enforcement:cases": page("public_case.manage"),
    "accidents:list": page("accident.view"),
    "accidents:create": page("accident.record"),
    "accidents:enterprise": page("accident.view", "enterprise"),
    "accidents:detail": page("accident.view", "accident"),
    "accidents:edit": page("accident.record", "accident"),
    "accidents:void": post("accident.record", "accident"),
    "reporting:commitments": page("commitment.view"),
    "reporting:commitment_create": page("commitment.record"),
    "reporting:commitment_detail": page("commitment.view", "commitment"),
    "reporting:commitment_withdraw": post("commitment.record", "commitment"),
    "reporting:breach_create": page("commitment.breach", "commitment"),
    "reporting:breaches": page("commitment.view"),
    "reporting:breach_revoke": post("commitment.revoke", "breach"),
    "reporting:enterprise": page("commitment.view", "enterprise"),
    "projects:list": page("project.view"),
    "projects:create": page("project.record"),
    "projects:catalogue": page("equipment.view"),
    "projects:document": page("project.view", "project_document"),
    "projects:enterprise": page("project.view", "enterprise"),
    "projects:detail": page("project.view", "project"),
    "projects:act": post("project.record", "project", slug="design"),
    "projects:equipment_create": page("equipment.record", "enterprise"),
    "projects:equipment_import": page("equipment.record", "enterprise"),
    "projects:equipment_export": page("equipment.view", "enterprise"),
    "projects:equipment_template": page("equipment.record"),
    "projects:equipment_edit": page("equipment.record", "equipment"),
    "standardization:list": page("standardization.view"),
    "standardization:apply": page("standardization.apply"),
    "standardization:overview": page("standardization.stats"),
    "standardization:export": page("standardization.export"),
    "standardization:checks": page("standardization.view"),
    "standardization:draw": post("standardization.manage"),
    "standardization:benchmarks": page("standardization.view"),
    "standardization:benchmark_withdraw": post("standardization.manage", "benchmark"),
    "standardization:enterprise": page("standardization.view", "enterprise"),
    "standardization:document": page("standardization.view", "rating_document"),
    "standardization:detail": page("standardization.view", "rating"),
    "standardization:upload": post("standardization.upload", "rating"),
    "standardization:act": post("standardization.manage", "rating", slug="start_review"),
    "public_benchmarks:list": page(OPEN),
    "risks:list": page("risk.view"),
    "risks:enterprise": page("risk.view", "enterprise"),
    "risks:tab": page("risk.view", "enterprise"),
    "risks:unit_create": page("risk.edit", "enterprise"),
    "risks:point_create": page("risk.edit", "risk_unit"),
    "risks:card": page("risk.view", "risk_unit"),
    "risks:risk_create": page("risk.edit", "risk_point"),
    "risks:detail": page("risk.view", "risk"),
    "risks:assess": page("risk.edit", "risk"),
    "risks:measure_create": page("risk.edit", "risk"),
    "risks:measure_withdraw": post("risk.edit", "measure"),
    "risks:checks": page("risk.view"),
    "risks:check_answer": page("risk.check", "check_task"),
    "risks:not_running": page("risk.supervise"),
    "risks:distribution": page("risk.supervise"),
    "risks:plan": page("risk.edit", "enterprise"),
    "risks:plan_image": page("risk.view", "enterprise"),
    "certificates:list": page("certificate.list"),
    "certificates:list_export": page("certificate.list"),
    "certificates:gaps": page("certificate.list"),
    "certificates:template": page("certificate.record"),
    "certificates:enterprise": page("certificate.view", "enterprise"),
    "certificates:create": page("certificate.record", "enterprise"),
    "certificates:required": page("certificate.record", "enterprise"),
    "certificates:import": page("certificate.record", "enterprise"),
    "certificates:export": page("certificate.id_number", "enterprise"),
    "certificates:evidence": page("certificate.view", "certificate"),
    "certificates:review": post("certificate.record", "certificate"),
    "certificates:raise_gap": post("certificate.raise_gap", "required_operation"),
    "targets:dashboard": page("targets.view"),
    "targets:gaps": Route("targets.view", slug="connect"),
    "targets:refresh": post("targets.refresh"),
    "targets:export": page("targets.export"),
    "training:board": page("training.supervise"),
    "training:principals_missing": page("training.supervise"),
    "training:drills_missing": page("training.supervise"),
    "training:officers": page("training.supervise"),
    "training:officer_create": page("training.record_officer"),
    "training:observation_create": page("drill.observation"),
    "training:export": page("training.supervise"),
    "training:enterprise": page("training.view", "enterprise"),
    "training:create": page("training.record", "enterprise"),
    "training:drill_create": page("drill.record", "enterprise"),
    "training:drill": page("drill.view", "drill"),
    "training:photo": page("drill.view", "drill_photo"),
    "training:finding_hazard": post("hazard.source.self_inspection", "finding"),
    "training:evidence": page("training.view", "training_record"),
    "campaigns:list": page("campaign.view"),
    "campaigns:create": page("campaign.manage"),
    "campaigns:detail": page("campaign.view", "campaign"),
    "campaigns:targeting": post("campaign.manage", "campaign"),
    "campaigns:add_item": post("campaign.manage", "campaign"),
    "campaigns:start": post("campaign.manage", "campaign"),
    "campaigns:advance": post("campaign.manage", "campaign"),
    "campaigns:close": post("campaign.manage", "campaign"),
    "campaigns:checklist": page("campaign.answer", "campaign"),
    "campaigns:towns": page("campaign.export", "campaign"),
    "campaigns:ledger": page("campaign.export", "campaign"),
    "campaigns:target": page("campaign.view", "campaign_target"),
    "campaigns:carry_over": post("campaign.manage", "campaign_finding"),
    "experts:list": page("expert_visit.view"),
    "experts:visit": page("expert_visit.view", "expert_visit"),
    "experts:part": page("expert_visit.diagnose", "expert_visit"),
    "experts:diagnose": page("expert_visit.diagnose", "expert_visit"),
    "experts:review": post("expert_visit.diagnose", "expert_visit"),
    "experts:report": page("expert_visit.diagnose", "expert_visit"),
    "experts:report_docx": page("expert_visit.view", "expert_visit"),
    "experts:close": post("expert_visit.manage", "expert_visit"),
    "experts:enterprise": page("confined_space.view", "enterprise"),
    "experts:visit_create": page("expert_visit.manage", "enterprise"),
    "experts:ledger": page("confined_space.view", "enterprise"),
    "experts:space_create": page("confined_space.edit", "enterprise"),
    "experts:ledger_export": page("confined_space.view", "enterprise"),
    "experts:space_edit": page("confined_space.edit", "confined_space"),
    "accident_warnings:index": page("accident_warning.view"),
    "accident_warnings:rates": page("accident_warning.view"),
    "accident_warnings:create": page("accident_warning.issue", "accident"),
    "accident_warnings:detail": page("accident_warning.view", "accident_warning"),
    "accident_warnings:add_recipient": post("accident_warning.issue", "accident_warning"),
    "accident_warnings:remove_recipient": post("accident_warning.issue", "accident_warning"),
    "accident_warnings:issue": post("accident_warning.issue", "accident_warning"),
    "accident_warnings:start_campaign": post("campaign.manage", "accident_warning"),
    "accident_warnings:acknowledge": post("accident_warning.acknowledge", "accident_warning"),
    "accident_warnings:attachment": page("accident_warning.view", "accident_warning"),
    "accident_warnings:enterprise": page("accident_warning.view", "enterprise"),
    "accident_warnings:letter_create": page("accident_warning.letter", "enterprise"),
    "accident_warnings:supervision_create": page("supervision.record", "enterprise"),
    "accident_warnings:letter": page("accident_warning.view", "warning_letter"),
    # Data exchange: the county administrator's subscribers and platforms above.
    "exchange:index": page("exchange.manage"),
    "exchange:subscriber_new": page("exchange.manage"),
    "exchange:subscriber": page("exchange.manage", "subscriber"),
    "exchange:subscriber_replay": post("exchange.manage", "subscriber"),
    "exchange:subscriber_secret": post("exchange.manage", "subscriber"),
    "exchange:platform_new": page("exchange.manage"),
    "exchange:platform_toggle": post("exchange.manage", "platform"),
    # Public tips (举报): the public's pages without log-in; the bureau's scoped ones.
    "public_tips:form": page(OPEN),
    "public_tips:search": page(OPEN),
    "public_tips:status": page(OPEN),
    "fieldwork:offline": page("fieldwork.use"),
    "fieldwork:service_worker": page(OPEN),
    "fieldwork:manifest": page(OPEN),
    "tips:list": page("tip.view"),
    "tips:statistics": page("tip.view"),
    "tips:detail": page("tip.view", "tip"),
    "tips:contact": page("tip.contact", "tip"),
    "tips:photo": Route("tip.view", "tip_photo", hidden=True),
    "tips:act": post("tip.handle", "tip", slug="accept"),
    "public:draws": page(OPEN),
    "public:draw": page(OPEN, "draw"),
    "public:draw_inputs": page(OPEN, "draw"),
    "public_cases:list": page(OPEN),
    "rewards:index": page(SIGNED_IN),
    "rewards:mine": page("report.view"),
    "rewards:stats": page("reward.stats"),
    "rewards:enterprise": page("report.view_all", "enterprise"),
    "rewards:tab": page("report.view_all", "enterprise"),
    "rewards:rule": page("reward.manage", "enterprise"),
    "rewards:poster": page("reward.manage", "enterprise"),
    "rewards:rotate": post("reward.manage", "enterprise"),
    "rewards:export": page("reward.export", "enterprise"),
    "rewards:approve": post("reward.approve", "reward"),
    "rewards:pay": post("reward.pay", "reward"),
    # The three-year targets: the towns' plans (a route names the town) and the large screen.
    "targets:plans": page("targets.view"),
    "targets:plan": page("targets.view", "town"),
    "targets:plan_edit": page("targets.plan", "town"),
    "targets:plan_note": page("targets.plan", "town"),
    "targets:screen": page("targets.view"),
    "targets:screen_data": page("targets.view"),
    # The targets' monthly and annual reports (a town sees those of its node, not the county's).
    "targets:reports": page("targets.view"),
    "targets:report_new": page("targets.report"),
    "targets:report": page("targets.view", "target_report"),
    "targets:report_edit": post("targets.report", "target_report"),
    "targets:report_issue": post("targets.report", "target_report"),
    "targets:report_docx": page("targets.export", "target_report"),
    "targets:report_xlsx": page("targets.export", "target_report"),
}

# --- API operations, by "METHOD path" as the OpenAPI document names them -------------------------

V1 = "/api/v1"
OPERATIONS: dict[str, Route] = {
    f"GET {V1}/enterprises": page("enterprise.list"),
    f"POST {V1}/enterprises": post("enterprise.create"),
    f"GET {V1}/enterprises/{{enterprise_id}}": page("enterprise.view", "enterprise"),
    f"PATCH {V1}/enterprises/{{enterprise_id}}": post("enterprise.edit", "enterprise"),
    f"GET {V1}/hazards": page("hazard.list"),
    f"POST {V1}/hazards": post("hazard.report"),
    f"GET {V1}/hazards/{{hazard_id}}": page("hazard.list", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/confirm": post("hazard.review", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/reject": post("hazard.review", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/plan": post("hazard.rectify", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/start": post("hazard.rectify", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/submit": post("hazard.rectify", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/close": post("hazard.review", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/return": post("hazard.review", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/judge": post("hazard.review", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/listing": post("hazard.review", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/suspension": post("hazard.review", "hazard"),
    f"POST {V1}/hazards/{{hazard_id}}/extensions": post("hazard.rectify", "hazard"),
    f"POST {V1}/hazards/extensions/{{extension_id}}/decision": post("hazard.review", "extension"),
    f"GET {V1}/grades": page("grade.view"),
    f"GET {V1}/grades/{{enterprise_id}}": page("grade.view", "enterprise"),
    f"POST {V1}/telemetry": Route(GATEWAY),
    f"POST {V1}/video-events": Route(GATEWAY),
    f"GET {V1}/alarms": page("monitoring.view"),
    f"GET {V1}/alarms/{{alarm_id}}": page("monitoring.view", "alarm"),
    f"POST {V1}/alarms/{{alarm_id}}/acknowledge": post("alarm.handle", "alarm"),
    f"POST {V1}/alarms/{{alarm_id}}/handle": post("alarm.handle", "alarm"),
    f"POST {V1}/alarms/{{alarm_id}}/close": post("alarm.close", "alarm"),
    f"GET {V1}/points/{{point_id}}/readings": page("monitoring.view", "point"),
    f"GET {V1}/warnings": page("monitoring.view"),
    f"POST {V1}/warnings/{{warning_id}}/review": post("warning.review", "warning"),
    f"GET {V1}/draws": page("draw.view"),
    f"POST {V1}/draws": post("draw.create"),
    f"GET {V1}/draws/{{draw_id}}": page("draw.view", "draw"),
    f"POST {V1}/draws/{{draw_id}}/verify": post("draw.view", "draw"),
    f"POST {V1}/draws/{{draw_id}}/publish": post("draw.create", "draw"),
    f"GET {V1}/plans": page("plan.view"),
    f"POST {V1}/plans": post("plan.manage"),
    f"GET {V1}/plans/{{plan_id}}": page("plan.view", "plan"),
    f"POST {V1}/plans/{{plan_id}}/approve": post("plan.approve", "plan"),
    f"GET {V1}/penalties": page("penalty.view"),
    f"POST {V1}/penalties": post("penalty.manage"),
    f"GET {V1}/penalties/{{penalty_id}}": page("penalty.view", "penalty"),
    f"POST {V1}/penalties/{{penalty_id}}/advance": post(
        "penalty.manage", "penalty", body={"to_state": "closed"}
    ),
    f"GET {V1}/inspections": page("inspection.view"),
    f"POST {V1}/inspections": post("inspection.manage"),
    f"GET {V1}/inspections/{{inspection_id}}": page("inspection.view", "inspection"),
    f"POST {V1}/inspections/{{inspection_id}}/answers": post(
        "inspection.manage", "inspection", body={"item_id": 1, "result": "compliant"}
    ),
    f"POST {V1}/inspections/{{inspection_id}}/items/{{item_id}}/photos": post(
        "inspection.manage", "inspection"
    ),
    f"POST {V1}/inspections/{{inspection_id}}/evidence": post("inspection.manage", "inspection"),
    f"POST {V1}/inspections/{{inspection_id}}/complete": post("inspection.manage", "inspection"),
    f"POST {V1}/inspections/{{inspection_id}}/rechecks": post("inspection.manage", "inspection"),
    f"GET {V1}/inspections/{{inspection_id}}/documents/{{document_id}}": page(
        "inspection.view", "document"
    ),
    f"GET {V1}/inspection-statistics": page("inspection.stats"),
    f"GET {V1}/remote-inspections": page("remote.view"),
    f"POST {V1}/remote-inspections": post("remote.manage"),
    f"GET {V1}/remote-inspections/by-town": page("inspection.stats"),
    f"GET {V1}/remote-inspections/{{remote_id}}": page("remote.view", "remote"),
    f"POST {V1}/remote-inspections/{{remote_id}}/answer": post("remote.answer", "remote"),
    f"POST {V1}/remote-inspections/{{remote_id}}/decide": post("remote.manage", "remote"),
    f"GET {V1}/assistance-records": page("assistance.view"),
    f"GET {V1}/accidents": page("accident.view"),
    f"POST {V1}/accidents": post("accident.record"),
    f"GET {V1}/accidents/{{accident_id}}": page("accident.view", "accident"),
    f"PATCH {V1}/accidents/{{accident_id}}": post("accident.record", "accident"),
    f"POST {V1}/accidents/{{accident_id}}/void": post("accident.record", "accident"),
    f"GET {V1}/commitments": page("commitment.view"),
    f"POST {V1}/commitments": post("commitment.record"),
    f"GET {V1}/commitments/breaches": page("commitment.view"),
    f"GET {V1}/commitments/{{commitment_id}}": page("commitment.view", "commitment"),
    f"POST {V1}/commitments/{{commitment_id}}/withdraw": post("commitment.record", "commitment"),
    f"POST {V1}/commitments/{{commitment_id}}/breaches": post("commitment.breach", "commitment"),
    f"POST {V1}/commitments/breaches/{{breach_id}}/revoke": post("commitment.revoke", "breach"),
    f"GET {V1}/projects": page("project.view"),
    f"POST {V1}/projects": post("project.record"),
    f"GET {V1}/projects/equipment": page("equipment.view"),
    f"POST {V1}/projects/equipment": post("equipment.record"),
    f"GET {V1}/projects/{{project_id}}": page("project.view", "project"),
    **{
        f"POST {V1}/projects/{{project_id}}/{project_step_path(name)}": post(
            step.permission, "project"
        )
        for name, step in PROJECT_STEPS.items()
    },
    f"GET {V1}/standardization": page("standardization.view"),
    f"POST {V1}/standardization": post("standardization.apply"),
    f"GET {V1}/standardization/{{rating_id}}": page("standardization.view", "rating"),
    **{
        f"POST {V1}/standardization/{{rating_id}}/{name.replace('_', '-')}": post(
            step.permission, "rating"
        )
        for name, step in STANDARDIZATION_STEPS.items()
        if name not in ("apply", "expire")
    },
    f"GET {V1}/risks": page("risk.view"),
    f"POST {V1}/risks": post("risk.edit"),
    f"GET {V1}/risks/{{risk_id}}": page("risk.view", "risk"),
    f"POST {V1}/risks/units": post("risk.edit"),
    f"POST {V1}/risks/points": post("risk.edit"),
    f"POST {V1}/risks/{{risk_id}}/assessments": post("risk.edit", "risk"),
    f"POST {V1}/risks/{{risk_id}}/measures": post("risk.edit", "risk"),
    f"POST {V1}/risks/measures/{{measure_id}}/withdraw": post("risk.edit", "measure"),
    f"GET {V1}/risks/checks": page("risk.view"),
    f"GET {V1}/certificates": page("certificate.view"),
    f"POST {V1}/certificates": post("certificate.record"),
    f"GET {V1}/certificates/{{certificate_id}}": page("certificate.view", "certificate"),
    f"POST {V1}/certificates/{{certificate_id}}/review": post("certificate.record", "certificate"),
    f"GET {V1}/certificates/enterprises/{{enterprise_id}}/gaps": page(
        "certificate.view", "enterprise"
    ),
    f"GET {V1}/targets": page("targets.view"),
    f"GET {V1}/training": page("training.view"),
    f"GET {V1}/campaigns": page("campaign.view"),
    f"GET {V1}/campaigns/{{campaign_id}}": page("campaign.view", "campaign"),
    f"GET {V1}/campaigns/{{campaign_id}}/targets": page("campaign.view", "campaign"),
    f"GET {V1}/campaigns/{{campaign_id}}/stats": page("campaign.export", "campaign"),
    f"POST {V1}/campaigns/{{campaign_id}}/answers": post("campaign.answer", "campaign"),
    f"POST {V1}/training": post("training.record"),
    f"GET {V1}/drills": page("drill.view"),
    f"POST {V1}/drills": post("drill.record"),
    f"GET {V1}/drills/{{drill_id}}": page("drill.view", "drill"),
    f"GET {V1}/drills/observations": page("training.supervise"),
    f"POST {V1}/drills/observations": post("drill.observation"),
    f"GET {V1}/expert-visits": page("expert_visit.view"),
    f"GET {V1}/expert-visits/{{expert_visit_id}}": page("expert_visit.view", "expert_visit"),
    f"GET {V1}/expert-visits/{{expert_visit_id}}/findings": page(
        "expert_visit.view", "expert_visit"
    ),
    f"GET {V1}/confined-spaces": page("confined_space.view"),
    f"POST {V1}/drills/findings/{{finding_id}}/hazard": post(
        "hazard.source.self_inspection", "finding"
    ),
    f"POST {V1}/risks/checks/{{task_id}}/answer": post("risk.check", "check_task"),
    f"GET {V1}/accident-warnings": page("accident_warning.view"),
    f"GET {V1}/accident-warnings/town-rates": page("accident_warning.view"),
    f"GET {V1}/accident-warnings/{{accident_warning_id}}": page(
        "accident_warning.view", "accident_warning"
    ),
    f"GET {V1}/accident-warnings/{{accident_warning_id}}/recipients": page(
        "accident_warning.view", "accident_warning"
    ),
    f"GET {V1}/accident-warnings/{{accident_warning_id}}/town-rates": page(
        "accident_warning.view", "accident_warning"
    ),
    f"POST {V1}/accident-warnings/{{accident_warning_id}}/acknowledge": post(
        "accident_warning.acknowledge", "accident_warning"
    ),
    # Public: a tip, the status by code (a code no one has: 404), the enterprise search.
    f"POST {V1}/tips": post(OPEN),
    f"GET {V1}/offline/enterprises/{{enterprise_id}}": page("fieldwork.use", "enterprise"),
    f"POST {V1}/offline/inspections": post("fieldwork.use"),
    f"POST {V1}/offline/hazards": post("fieldwork.use"),
    f"GET {V1}/offline/hazards/{{hazard_id}}": page("fieldwork.use", "hazard"),
    f"POST {V1}/offline/hazards/{{hazard_id}}/steps": post("fieldwork.use", "hazard"),
    f"POST {V1}/offline/self-checks": post(
        "fieldwork.use",
        body={
            "client_id": "00000000-0000-4000-8000-000000000001",
            "enterprise_id": 1,
            "version": "x",
            "checked_on": "2026-01-01",
            "led_by": "x",
        },
    ),
    f"GET {V1}/tips/status": page(OPEN, "missing"),
    f"GET {V1}/tips/enterprises": page(OPEN),
    f"GET {V1}/tips": page("tip.view"),
    f"GET {V1}/tips/{{tip_id}}": page("tip.view", "tip"),
    f"POST {V1}/tips/{{tip_id}}/actions": post("tip.handle", "tip"),
    f"POST {V1}/tips/{{tip_id}}/reward": post("tip.reward_decide", "tip"),
    f"POST {V1}/tips/{{tip_id}}/reward/approve": post("tip.reward_approve", "tip"),
    f"POST {V1}/tips/{{tip_id}}/reward/pay": post("tip.reward_pay", "tip"),
    f"GET {V1}/notifications": page(SIGNED_IN),
    f"GET {V1}/notifications/unread": page(SIGNED_IN),
    f"POST {V1}/notifications/{{notification_id}}/read": post(SIGNED_IN, "notification"),
    f"POST {V1}/notifications/read-all": post(SIGNED_IN),
    f"GET {V1}/reports": page("report.view"),
    f"POST {V1}/reports": post("report.submit"),
    f"GET {V1}/reports/{{report_id}}": page("report.view", "report"),
    f"GET {V1}/reports/rules/{{enterprise_id}}": page("report.view_all", "enterprise"),
    f"POST {V1}/reports/rules/{{enterprise_id}}": post("reward.manage", "enterprise"),
    f"POST {V1}/reports/rewards/{{reward_id}}/approve": post("reward.approve", "reward"),
    f"POST {V1}/reports/rewards/{{reward_id}}/pay": post("reward.pay", "reward"),
    f"GET {V1}/targets/plans": page("targets.view"),
    f"GET {V1}/targets/plans/{{town_id}}": page("targets.view", "town"),
    f"PUT {V1}/targets/plans/{{town_id}}": post("targets.plan", "town"),
    f"POST {V1}/targets/plans/{{town_id}}/notes": post("targets.plan", "town"),
    f"GET {V1}/targets/reports": page("targets.view"),
    f"POST {V1}/targets/reports": post("targets.report"),
    f"GET {V1}/targets/reports/{{target_report_id}}": page("targets.view", "target_report"),
    f"PATCH {V1}/targets/reports/{{target_report_id}}": post("targets.report", "target_report"),
    f"POST {V1}/targets/reports/{{target_report_id}}/issue": post(
        "targets.report", "target_report"
    ),
    f"GET {V1}/targets/reports/{{target_report_id}}/word": page("targets.export", "target_report"),
    f"GET {V1}/exchange/changes": page("exchange.pull"),
    # A platform above pushes with its own token, no user (exchange's own tests).
    f"POST {V1}/exchange/inbound/tasks": Route(GATEWAY),
}
# The API's pages among its operations: the OpenAPI document and its viewer.
API_DOCS = {"api:openapi-json", "api:openapi-view"}

DOCUMENT = api.get_openapi_schema()


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the Django admin: the platform superuser's, by its own permissions
            yield from _walk(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def _page_patterns() -> dict:
    return {
        name: p
        for name, p in _walk(get_resolver().url_patterns)
        if not name.startswith("api:") or name in API_DOCS
    }


def _page_names() -> set[str]:
    return set(_page_patterns())


def _operations() -> set[str]:
    return {f"{method.upper()} {path}" for path, ops in DOCUMENT["paths"].items() for method in ops}


# Pages whose object is not a row the matrix can make per side, each tested where it is made:
# a kept photo is a signed token bound to the user who chose it (another user's is a 404).
TESTED_ELSEWHERE = {
    "kept_photo": "hazards/tests/test_kept_photos.py::"
    "test_a_kept_photo_is_shown_to_the_one_who_chose_it_and_is_404_to_anyone_else",
    # The public report form answers a report link's token, not a row's id.
    "public_report": "rewards/tests/test_pages.py::test_unknown_or_rotated_token_is_404",
}


def test_every_route_is_declared():
    """A new page or API operation fails here until the tables above say who may use it."""
    assert sorted(_page_names() - set(PAGES) - set(TESTED_ELSEWHERE)) == []
    assert sorted(_operations() - set(OPERATIONS)) == []
    # And nothing is declared that no longer exists, or with an action PERMISSIONS lacks.
    assert sorted(set(PAGES) - _page_names()) == []
    assert sorted(set(OPERATIONS) - _operations()) == []
    actions = {route.action for route in [*PAGES.values(), *OPERATIONS.values()]}
    assert sorted(actions - set(PERMISSIONS) - {OPEN, SIGNED_IN, GATEWAY}) == []


# --- the objects --------------------------------------------------------------------------------

MISSING_PK = 987654321


class Missing:
    """An object no one has: every role is answered 404 (or 403 by a role-first route)."""

    pk = MISSING_PK


def _officers(jurisdiction, prefix):
    """Two enforcement officers with badge numbers: the inspector pool draws and inspections
    pick from (enforcement.services.inspector_pool)."""
    officers = []
    for i in range(2):
        officer = make_user(f"{prefix}_officer{i}", Role.ENFORCEMENT_OFFICER, jurisdiction)
        officer.badge_number = f"{jurisdiction.code[:6]}{i:02d}"
        officer.save()
        officers.append(officer)
    return officers


def _objects(enterprise, supervisor, principal, officers, token_owners):
    """One object of each kind the tables name, in `enterprise` (a draw and an inspector: in
    its county)."""
    gateway = make_gateway(enterprise, f"GW-{enterprise.pk}")
    point = make_point(gateway, "al1", "airlock_fault")
    now = timezone.now()
    ingest(gateway, [{"point": "al1", "ts": now.isoformat(), "value": True}], now=now)
    alarm = point.alarms.get()
    hazard = hazard_services.report(
        supervisor, enterprise.pk, source="enforcement", description="除尘器泄爆口朝向人员通道"
    )
    commitment = commitment_services.record(
        principal,
        kind="zero_out",
        committer_name="王建国",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    grading_services.recompute(supervisor, enterprise.pk)  # the grade GET /grades/{id} reads
    project = project_services.register(supervisor, project_data(enterprise))
    project_services.act(
        supervisor, project.pk, "design", on=now.date(), document=pdf(), designer="设计院"
    )
    # The draw takes every enterprise of the county, so `enterprise` is among them; published,
    # so that its enterprise's users and the public pages see it.
    county = officers[0].jurisdiction
    pool = Enterprise.objects.filter(scope_path__startswith=county.path).count()
    draw = enforcement_services.create_draw(
        supervisor, DrawRequest(name="矩阵抽查", enterprise_count=pool, seed="matrix")
    )
    enforcement_services.publish_draw(supervisor, draw.pk)
    # A completed inspection: an enterprise's own users see only completed ones.
    inspection = inspections.create_inspection(
        officers[0], enterprise.pk, "on_site", now.date(), [o.pk for o in officers]
    )
    answer_all(officers[0], inspection)
    inspection = inspections.complete(officers[0], inspection.pk, "检查情况说明")
    answer = inspection.answers.order_by("pk").first()
    rating = _rating(enterprise, supervisor, principal)
    risk_unit, risk_point, risk = make_register(principal, enterprise)
    measure = risk_services.add_measure(
        principal,
        risk.pk,
        kind="engineering",
        description="安装炉衬测厚仪",
        control_level="company",
        owner_name="王建国",
    )
    risk_checks.generate(now.date())
    risk_services.upload_site_plan(principal, enterprise.pk, image=_image("plan"))
    reward = _reward(enterprise, principal)
    drill = training_services.record_drill(
        supervisor,
        enterprise.pk,
        held_on=now.date(),
        kind="evacuation",
        scenario="矩阵演练",
        participants=10,
        findings=["矩阵问题"],
        photos=[_image("drill")],
    )
    remote = remote_services.open_remote(supervisor, enterprise.pk, "documents", "矩阵资料")
    tip = tip_services.submit(
        address=f"matrix-{enterprise.pk}",
        what="车间粉尘堆积",
        place="打磨车间",
        enterprise_id=enterprise.pk,
        photos=[_image("tip")],
    ).tip
    campaign = _campaign(enterprise, supervisor, principal)
    accident = accident_services.record(supervisor, local_data(enterprise))
    accident_warning = _accident_warning(accident, enterprise, supervisor)
    return {
        # The enterprise's town: the towns' plans are reached by their town.
        "town": enterprise.jurisdiction,
        "campaign": campaign,
        "campaign_target": campaign.targets.get(),
        "campaign_finding": campaign.findings.get(),
        "enterprise": enterprise,
        "hazard": hazard,
        "hazard_photo": HazardPhoto.objects.create(
            hazard=hazard, kind=PhotoKind.FOUND, image=_image("hazard"), uploaded_by=supervisor
        ),
        "extension": Extension.objects.create(
            hazard=hazard,
            requested_by=principal,
            old_deadline=date(2026, 12, 1),
            new_deadline=date(2026, 12, 31),
            reason="设备到货延迟",
        ),
        "self_inspection": SelfInspection.objects.create(
            enterprise=enterprise, led_by="王建国", led_by_principal=True, recorded_by=principal
        ),
        "gateway": gateway,
        "point": point,
        "alarm": alarm,
        "alarm_photo": AlarmPhoto.objects.create(
            alarm=alarm, kind=AlarmPhoto.SNAPSHOT, image=_image("alarm")
        ),
        "warning": make_warning(enterprise),
        "override": grading_services.request_override(
            supervisor, enterprise.pk, level="red", reason="近期发生粉尘爆燃险情"
        ),
        "accident": accident,
        "accident_warning": accident_warning,
        "warning_letter": accident_warning_services.issue_letter(
            supervisor,
            enterprise_id=enterprise.pk,
            content="开展排查",
            warning_id=accident_warning.pk,
        ),
        "commitment": commitment,
        "project": project,
        "project_document": project.events.get(action="design"),
        "equipment": project_services.record_equipment(
            supervisor, {"enterprise_id": enterprise.pk, "name": "抛丸机", "kind": "production"}
        ),
        "breach": commitment_services.record_breach(
            supervisor, commitment.pk, description="检查发现未佩戴防护面罩"
        ),
        "penalty": enforcement_penalty_services.file_penalty(
            supervisor, enterprise.pk, "未按规定清理积尘", "第九条"
        ),
        "plan": enforcement_services.create_plan(supervisor, 2026),
        "draw": draw,
        "assignment": draw.assignments.get(enterprise=enterprise),
        "conflict": enforcement_services.declare_conflict(
            supervisor, officers[1].pk, enterprise.pk, "亲属在该企业任职"
        ),
        "inspector": enforcement_services.set_in_pool(supervisor, officers[0].pk, True),
        "inspection": inspection,
        "item": answer.item,
        "document": inspection.documents.order_by("pk").first(),
        "inspection_photo": InspectionPhoto.objects.create(
            answer=answer, image=_image("inspection"), uploaded_by=officers[0]
        ),
        # Each user's own token (a token is in its owner's scope only).
        "token": {user.role: create_token(user, "矩阵")[0] for user in token_owners},
        # Each user's own notification (an inbox is its owner's only).
        "notification": {
            user.role: Notification.objects.create(recipient=user, title="矩阵", kind="hazards")
            for user in token_owners
        },
        "rating": rating,
        "rating_document": RatingDocument.objects.create(
            rating=rating,
            step="certificate",
            name="证书.png",
            file=_image("certificate"),
            uploaded_by=supervisor,
        ),
        "benchmark": standardization_services.choose_benchmark(
            supervisor, enterprise.pk, 2025, "标准化运行良好"
        ),
        "risk_unit": risk_unit,
        "risk_point": risk_point,
        "risk": risk,
        "measure": measure,
        "check_task": measure.checks.get(),
        "report": reward.report,
        "reward": reward,
        "drill": drill,
        "finding": drill.findings.get(),
        "drill_photo": drill.photos.get(),
        "training_record": training_services.record_training(
            supervisor,
            kind="principal",
            enterprise_id=enterprise.pk,
            person_name="王建国",
            course="矩阵培训",
            organiser="县局",
            hours=8,
            trained_on=now.date(),
            evidence=pdf(),
        ),
        "tip": tip,
        "tip_photo": tip.photos.get(),
        "certificate": make_certificate(enterprise, serial=enterprise.pk, evidence=pdf()),
        "required_operation": RequiredOperation.objects.create(
            enterprise=enterprise, operation="1.2", holders_needed=5
        ),
        **_expert_objects(enterprise, supervisor, principal, token_owners),
        "remote": remote,
        "remote_file": RemoteInspectionFile.objects.create(
            inspection=remote, file=pdf(), name="说明.pdf", size=100, uploaded_by=principal
        ),
        # Written directly: the matrix asks the routes, not the towns' flags.
        "assistance": AssistanceRecord.objects.create(
            town=enterprise.jurisdiction,
            reasons=["零处罚"],
            method="cross_area",
            assisted_on=now.date(),
            findings="矩阵",
            created_by=supervisor,
        ),
        # A report drafted for the county of the enterprise (last December's, ended).
        "target_report": target_reports.draft(
            supervisor, "monthly", year=now.date().year - 1, month=12
        ),
        **_exchange_objects(county, supervisor),
        "missing": Missing(),
    }


def _exchange_objects(county, user):
    """A subscriber and a platform above of the county (written directly: the matrix asks the
    routes, not the county administrator's forms)."""
    return {
        "subscriber": Subscriber.objects.create(
            name="矩阵订阅",
            url="http://127.0.0.1:9/",
            secret="s",
            kinds=["hazard"],
            jurisdiction=county,
            created_by=user,
        ),
        "platform": InboundPlatform.objects.create(
            name="矩阵上级",
            token_hash=f"matrix-{county.pk}",
            hint="x",
            jurisdiction=county,
            created_by=user,
        ),
    }


def _expert_objects(enterprise, supervisor, principal, token_owners):
    """A confined space of the enterprise's ledger and an expert visit there, reported (so
    that its Word report exists), by the fixture's expert inside (who is on it) and by an
    expert of its own outside."""
    expert = next((u for u in token_owners if u.role == Role.EXPERT), None)
    expert = expert or make_user(f"expert_{enterprise.pk}", Role.EXPERT)
    space = expert_services.save_space(
        principal,
        enterprise.pk,
        name="矩阵污水池",
        location="厂区",
        kind="sewage_pit",
        hazards=["toxic_gas"],
        responsible="王建国",
    )
    today = timezone.localdate()
    visit = expert_services.plan_visit(
        supervisor, enterprise.pk, planned_on=today, expert_ids=[expert.pk]
    )
    expert_services.record_part(
        expert, visit.pk, part="diagnose", held_on=today, attendees=3, content="矩阵会诊"
    )
    expert_services.issue_report(expert, visit.pk, summary="矩阵反馈")
    return {"confined_space": space, "expert_visit": visit}


def _accident_warning(accident, enterprise, supervisor):
    """An issued accident warning (with a PDF attached) whose recipient is the enterprise."""
    warning = accident_warning_services.draft(
        supervisor, accident_id=accident.pk, title="矩阵警示", text="内容", attachment=pdf()
    )
    accident_warning_services.add_recipient(supervisor, warning.pk, enterprise.pk)
    return accident_warning_services.issue(supervisor, warning.pk)


def _reward(enterprise, principal):
    """A verified employee report of the principal's, with its reward proposed (written
    directly: the matrix asks the routes, not the verification)."""
    hazard = hazard_services.report(
        principal, enterprise.pk, source="employee_report", description="叉车灯不亮"
    )
    rule = RewardRule.objects.create(
        enterprise=enterprise,
        within_duty=50,
        outside_duty=100,
        major_within_duty=500,
        major_outside_duty=1000,
    )
    report = EmployeeReport.objects.create(
        enterprise=enterprise,
        hazard=hazard,
        reporter=principal,
        reporter_name="王建国",
        within_duty=False,
        state="verified",
    )
    return Reward.objects.create(report=report, rule=rule, amount=100, basis="矩阵")


def _campaign(enterprise, supervisor, principal):
    """A campaign of the enterprise's county targeting it, started, answered with one 不符合."""
    today = timezone.localdate()
    campaign = campaign_services.create_campaign(
        supervisor,
        name="矩阵专项整治",
        basis="安全生产法",
        starts_on=today,
        ends_on=date(today.year + 1, 12, 31),
        template_code="falls",
        enterprise_ids=[enterprise.pk],
    )
    campaign_services.start(
        supervisor,
        campaign.pk,
        self_check_ends_on=today,
        town_check_ends_on=today,
        spot_check_ends_on=today,
    )
    answers = [
        campaign_services.AnswerIn(
            item.pk, Verdict.NONCONFORM if n == 0 else Verdict.CONFORM, "矩阵"
        )
        for n, item in enumerate(campaign.items.order_by("position"))
    ]
    campaign_services.answer(principal, campaign.targets.get().pk, answers)
    return campaign


def _rating(enterprise, supervisor, principal):
    """A certified standardization rating of the enterprise (三级)."""
    today = timezone.localdate()
    rating = standardization_services.apply(principal, enterprise.pk, "level3")
    standardization_services.start_review(supervisor, rating, ["王评审"])
    standardization_services.record_review(supervisor, rating, True, "符合三级要求", today)
    standardization_services.announce(supervisor, rating, today)
    return standardization_services.certify(supervisor, rating, f"M-{enterprise.pk}", today)


@pytest.fixture(autouse=True)
def _fresh_partitions():
    # Readings are stored here; a reading partition made in a test's rolled-back transaction is
    # gone afterwards, so none is remembered across tests (as in monitoring's own).
    partitions.forget()
    yield
    partitions.forget()


@pytest.fixture
def world(users, county, enterprise_a, far_enterprise, immediate_tasks, settings, tmp_path):
    """The objects of enterprise_a (in most users' scope) and of an enterprise of another
    county (in no one's)."""
    settings.MEDIA_ROOT = tmp_path  # the photos' files
    far_county = Jurisdiction.objects.get(pk=far_enterprise.jurisdiction.parent_id)
    far_supervisor = make_user("far_supervisor", Role.SUPERVISOR, far_county)
    far_principal = make_user("far_principal", Role.PRINCIPAL, enterprise=far_enterprise)
    inside = _objects(
        enterprise_a,
        users[Role.SUPERVISOR],
        users[Role.PRINCIPAL],
        _officers(county, "in"),
        users.values(),
    )
    outside = _objects(
        far_enterprise,
        far_supervisor,
        far_principal,
        _officers(far_county, "far"),
        [far_supervisor],
    )
    return {"in": inside, "out": outside}


# A kind without a scoped manager of its own is seen where the object it belongs to is: a
# hazard's photo where its hazard is (an employee sees only the hazards they reported).
SCOPED_BY = {
    HazardPhoto: "hazard",
    ProjectEvent: "project",
    DrillPhoto: "drill",
    TipPhoto: "tip",
}
# A kind whose route names another row: the inspector pool's toggle names the officer (a user).
URL_PK = {Inspector: "user_id"}


def _in_scope(user, obj) -> bool:
    """Whether the object is in the user's scope, as its manager's `for_user` says. Some kinds
    are seen by some roles only, and the matrix takes that from the managers: an employee sees
    no self-inspection (SelfInspectionQuerySet: the principal's findings) and only the hazards
    they reported (and so none of the hazard's photos or extensions); an enterprise's users
    and experts see no inspector or plan (the bureau's); an enterprise sees an inspection only
    once it is completed (InspectionQuerySet), a draw only once published with an assignment
    of theirs (DrawQuerySet); a town sees the plans and draws of its county (AreaQuerySet); a
    token and a notification are their owner's only."""
    if isinstance(obj, Missing):
        return False
    if type(obj) in SCOPED_BY:
        return _in_scope(user, getattr(obj, SCOPED_BY[type(obj)]))
    return type(obj).objects.for_user(user).filter(pk=obj.pk).exists()


def _pk(obj) -> int:
    if obj is None:
        return MISSING_PK
    return getattr(obj, URL_PK.get(type(obj), "pk"))


def _expected(user, route: Route, obj) -> set[str]:
    """The answers allowed: "403", "404", "ok". An object outside the user's scope (or
    missing) is a 404 for a role with the action; a role without it is a 403 on an object in
    its scope. Where both hold (a role without the action, an object it cannot see) either
    answer tells the user nothing: pages ask the role first, services the scope first."""
    if route.action == OPEN:
        return {"404"} if isinstance(obj, Missing) else {"ok"}
    allowed = route.action == SIGNED_IN or can(user, route.action)
    visible = obj is None or _in_scope(user, obj)
    if allowed:
        return {"ok"} if visible else {"404"}
    if route.hidden:
        return {"403", "404"}
    return {"403"} if visible else {"403", "404"}


def _answer(status: int) -> str:
    if status in (403, 404):
        return str(status)
    if status < 400:
        return "ok"
    return f"unexpected {status}"


def _named(key: str, route: Route, obj, objects):
    """The object a path parameter names: the route's own (`pk`, `<kind>_id`), or another of
    the same side (an inspection's checklist item, a document's inspection); with a missing
    object, missing as well."""
    kind = key.removesuffix("_id")
    if key == "pk" or kind == route.obj or isinstance(obj, Missing) or kind not in objects:
        return obj
    return objects[kind]


def _page_url(name: str, route: Route, obj, objects) -> str:
    pattern = _page_patterns()[name]
    kwargs = {}
    for key in pattern.pattern.converters:
        kwargs[key] = (
            route.slug if key in ("action", "measure") else _pk(_named(key, route, obj, objects))
        )
    return reverse(name, kwargs=kwargs)


def _api_url(path: str, route: Route, obj, objects) -> str:
    for part in path.split("/"):
        if part.startswith("{"):
            path = path.replace(part, str(_pk(_named(part.strip("{}"), route, obj, objects))))
    return path


def _schema(ref_or_schema):
    ref = ref_or_schema.get("$ref")
    if ref:
        return DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return ref_or_schema


def _sample(schema):
    """A value of the schema's type, for a body that passes validation so that the endpoint
    itself answers (its refusal is what the matrix checks)."""
    schema = _schema(schema)
    for key in ("anyOf", "allOf", "oneOf"):
        if key in schema:
            return _sample(schema[key][0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _sample(props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-01-01"
    if schema.get("format") == "date-time":
        return "2026-01-01T08:00:00+08:00"
    return "x"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "PNG")
    return buffer.getvalue()


_PNG = _png()


def _image(name):
    return SimpleUploadedFile(f"{name}.png", _PNG, content_type="image/png")


def _body(operation):
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return "json", _sample(content["application/json"]["schema"])
    if "multipart/form-data" in content:
        schema = _schema(content["multipart/form-data"]["schema"])
        return "multipart", {name: None for name in schema.get("required", [])}
    return None, None


def _query(operation) -> dict:
    """The required query parameters, each a value of its type."""
    return {
        p["name"]: _sample(p["schema"])
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


def _cases(route: Route, world, user):
    """(where, object, the objects of that side). A kind given per role (tokens: each user's
    own) is the user's one inside, and one of another county's user outside."""
    if route.obj is None:
        yield "-", None, world["in"]
        return
    for where in ("in", "out"):
        obj = world[where][route.obj]
        if isinstance(obj, dict):
            obj = obj[user.role] if where == "in" else next(iter(obj.values()))
        yield where, obj, world[where]


def test_every_page_answers_every_role_by_the_permissions(client, users, world):
    wrong = []
    for name, route in sorted(PAGES.items()):
        for role, user in users.items():
            client.force_login(user)
            for where, obj, objects in _cases(route, world, user):
                expected = _expected(user, route, obj)
                if route.write and expected == {"ok"}:
                    continue  # only the refusals of a change are asked
                url = _page_url(name, route, obj, objects)
                response = client.post(url) if route.write else client.get(url)
                got = _answer(response.status_code)
                if got not in expected:
                    wrong.append(f"{name} {role} {where}: {got}, expected {sorted(expected)}")
    client.logout()
    print("\n".join(wrong))
    assert wrong == []


def test_every_api_operation_answers_every_role_by_the_permissions(client, users, world):
    wrong = []
    for key, route in sorted(OPERATIONS.items()):
        if route.action == GATEWAY:
            continue  # a gateway's token, not a user's (monitoring's own tests)
        method, path = key.split(" ", 1)
        operation = DOCUMENT["paths"][path][method.lower()]
        kind, body = _body(operation)
        body = route.body or body
        query = _query(operation)
        for role, user in users.items():
            client.force_login(user)
            for where, obj, objects in _cases(route, world, user):
                expected = _expected(user, route, obj)
                if route.write and expected == {"ok"}:
                    continue
                url = _api_url(path, route, obj, objects)
                call = getattr(client, method.lower())
                if kind == "json":
                    response = call(url, body, content_type="application/json")
                elif kind == "multipart":  # fresh files: a request reads them to the end
                    files = {name: _image(name) for name in body}
                    response = call(url, files)
                else:
                    response = call(url, query)
                got = _answer(response.status_code)
                if got not in expected:
                    wrong.append(f"{key} {role} {where}: {got}, expected {sorted(expected)}")
    client.logout()
    print("\n".join(wrong))
    assert wrong == []


def test_every_object_inside_is_in_someones_scope(users, world):
    """An object inside that no role sees would be asked only the out-of-scope answer, like a
    missing one: every kind a route names is a real object that some role sees."""
    unseen = set()
    for route in [*PAGES.values(), *OPERATIONS.values()]:
        if route.obj in (None, "missing"):  # "missing": a route about what no one has
            continue
        inside = [
            obj
            for user in users.values()
            for where, obj, _ in _cases(route, world, user)
            if where == "in"
        ]
        if not any(_in_scope(user, obj) for user in users.values() for obj in inside):
            unseen.add(route.obj)
    assert sorted(unseen) == []
