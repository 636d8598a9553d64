"""Who is told what, as data: every app's RECIPIENTS table (event kind -> audiences of level and
roles) is what its message() does, kind by kind, and the 通知规则 page lists every table.

Each app's events are built in memory (unsaved), one per kind its table names, and the users
its message() reaches are compared with those the table names, worked out here on their own
from each fixture user's place in the tree: a user of every role at the county, the town, the
grid and the enterprise, plus the other town's supervisor, another county's supervisor and
administrator, the other enterprise's principal and an inactive supervisor, none of whom a
table may reach unless its level says so."""

from datetime import date

import pytest
from django.apps import apps

from accident_warnings import notifications as accident_warning_notes
from accident_warnings.models import AccidentWarning, WarningEvent
from accidents import notifications as accident_notes
from accidents.models import AccidentCase, AccidentEvent
from accounts.models import User
from accounts.roles import Role
from campaigns import notifications as campaign_notes
from campaigns.models import Campaign, CampaignEvent
from certificates import notifications as certificate_notes
from certificates.models import Certificate, CertificateEvent
from conftest import make_user
from core.notification_rules import rules
from enforcement import notifications as enforcement_notes
from enforcement.models import (
    AssistanceEvent,
    AssistanceRecord,
    Inspection,
    InspectionEvent,
    Penalty,
    PenaltyEvent,
    RemoteInspection,
    RemoteInspectionEvent,
)
from enterprises.people import COUNTY, ENTERPRISE, REQUESTER, TOWN, heard
from experts import notifications as expert_notes
from experts.models import ExpertEvent, ExpertVisit
from grading import notifications as grading_notes
from grading.models import GradeOverride, OverrideEvent, OverrideState
from hazards import notifications as hazard_notes
from hazards.models import Hazard, HazardEvent
from monitoring import notifications as monitoring_notes
from monitoring.models import Alarm, AlarmEvent, Point
from projects import notifications as project_notes
from projects.models import Project, ProjectEvent
from reporting import notifications as reporting_notes
from reporting.models import CommitmentBreach, CommitmentEvent, CommitmentKind, SafetyCommitment
from rewards import notifications as reward_notes
from risks import notifications as risk_notes
from risks.models import Risk, RiskEvent
from standardization import notifications as standardization_notes
from standardization.models import Rating, RatingEvent
from targets import notifications as target_notes
from tips import notifications as tip_notes
from training import notifications as training_notes

APPS = {
    "hazards": hazard_notes,
    "monitoring": monitoring_notes,
    "enforcement": enforcement_notes,
    "grading": grading_notes,
    "accidents": accident_notes,
    "reporting": reporting_notes,
    "projects": project_notes,
    "standardization": standardization_notes,
    "risks": risk_notes,
    "rewards": reward_notes,
    "certificates": certificate_notes,
    "training": training_notes,
    "campaigns": campaign_notes,
    "tips": tip_notes,
    "experts": expert_notes,
    "accident_warnings": accident_warning_notes,
    # Told by the report's node, not an enterprise's: targets/tests/test_reports.py.
    "targets": target_notes,
}


@pytest.fixture
def everyone(users, outsider, far_enterprise, enterprise_b, county):
    far_county = far_enterprise.jurisdiction.parent
    make_user("far_supervisor", Role.SUPERVISOR, far_county)
    make_user("far_admin", Role.COUNTY_ADMIN, far_county)
    make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    retired = make_user("retired_supervisor", Role.SUPERVISOR, county)
    retired.is_active = False
    retired.save()
    make_user("retired_principal", Role.PRINCIPAL, enterprise=users[Role.PRINCIPAL].enterprise)
    User.objects.filter(username="retired_principal").update(is_active=False)
    return users


def _at(user, level, enterprise) -> bool:
    if level == ENTERPRISE:
        return user.enterprise_id == enterprise.pk
    if level == TOWN:
        return user.jurisdiction_id == enterprise.jurisdiction_id
    assert level == COUNTY
    jurisdiction = user.jurisdiction
    return jurisdiction is not None and enterprise.scope_path.startswith(jurisdiction.path)


def by_the_table(audiences, enterprise, actor=None, requester=None) -> list[str]:
    """The usernames the audiences name, worked out user by user."""
    told = set()
    for user in User.objects.filter(is_active=True).select_related("jurisdiction"):
        for item in audiences:
            if item.level == REQUESTER:
                reached = requester is not None and user.pk == requester.pk
            else:
                reached = user.role in item.roles and _at(user, item.level, enterprise)
            if reached:
                told.add(user.username)
    told.discard(getattr(actor, "username", None))
    return sorted(told)


def reached(message) -> list[str]:
    return sorted(user.username for user in message.recipients)


def check(module, cases, enterprise):
    """Each case (event, its kinds, the requester): message() reaches exactly the table's
    audience of those kinds; together the cases ask every kind of the table."""
    asked = set()
    for event, kinds, requester in cases:
        assert module.kinds_of(event) == kinds, event
        audiences = heard(module.RECIPIENTS, kinds)
        expected = by_the_table(audiences, enterprise, event.actor, requester)
        assert expected, kinds  # a kind that tells nobody here would prove nothing
        assert reached(module.message(event)) == expected, kinds
        asked |= set(kinds)
    assert asked == set(module.RECIPIENTS)


def test_every_table_has_a_chinese_label_per_kind_and_known_roles():
    for module in APPS.values():
        assert set(module.KINDS) == set(module.RECIPIENTS), module.__name__
        for kind, audiences in module.RECIPIENTS.items():
            assert audiences, kind
            for item in audiences:
                assert item.roles or item.level == REQUESTER
                assert all(role in Role.values for role in item.roles)


def test_hazards_tell_by_the_table(everyone, enterprise_a):
    users = everyone
    hazard = Hazard(enterprise=enterprise_a, description="积尘未清理", is_major=False)
    major = Hazard(enterprise=enterprise_a, description="积尘未清理", is_major=True)
    principal, supervisor = users[Role.PRINCIPAL], users[Role.SUPERVISOR]
    cases = [
        (HazardEvent(hazard=hazard, action=kind), (kind,), None)
        for kind in hazard_notes.DEADLINE_KINDS
    ] + [
        (HazardEvent(hazard=hazard, action="confirm", actor=principal), ("by_enterprise",), None),
        (HazardEvent(hazard=hazard, action="confirm", actor=supervisor), ("by_others",), None),
        (
            HazardEvent(hazard=major, action="submit", actor=principal),
            ("by_enterprise", "major"),
            None,
        ),
        (
            HazardEvent(hazard=major, action="confirm", actor=users[Role.TOWN_SUPERVISOR]),
            ("by_others", "major"),
            None,
        ),
    ]
    employee = users[Role.EMPLOYEE]
    own = Hazard(
        enterprise=enterprise_a,
        description="配电箱门未关闭",
        source="employee_report",
        reported_by=employee,
    )
    cases.append(
        (HazardEvent(hazard=own, action="confirm", actor=principal), ("inside",), employee)
    )
    check(hazard_notes, cases, enterprise_a)


def test_alarms_tell_by_the_table(everyone, enterprise_a):
    alarm = Alarm(enterprise=enterprise_a, point=Point(code="al1", kind="airlock_fault"))
    cases = [
        # A recovery is told only when the alarm is handled (it may be closed now).
        (AlarmEvent(alarm=alarm, action=kind, to_state="handled"), (kind,), None)
        for kind in monitoring_notes.RECIPIENTS
    ]
    check(monitoring_notes, cases, enterprise_a)
    handled = AlarmEvent(alarm=alarm, action="handle", actor=everyone[Role.PRINCIPAL])
    assert monitoring_notes.message(handled).recipients == []
    open_cleared = AlarmEvent(alarm=alarm, action="clear", to_state="open")
    assert monitoring_notes.message(open_cleared).recipients == []


def test_enforcement_tells_by_the_table(everyone, enterprise_a):
    officer = everyone[Role.ENFORCEMENT_OFFICER]
    penalty = Penalty(enterprise=enterprise_a, case_number="高应急罚〔2026〕1号")
    inspection = Inspection(enterprise=enterprise_a, inspected_on=date(2026, 3, 2))
    cases = [
        (PenaltyEvent(penalty=penalty, to_state=state, actor=officer), (f"penalty.{state}",), None)
        for state in ("filed", "decided", "closed")
    ] + [
        (
            InspectionEvent(inspection=inspection, action=action, actor=officer),
            (f"inspection.{action}",),
            None,
        )
        for action in ("complete", "recheck")
    ]
    remote = RemoteInspection(
        enterprise=enterprise_a, opened_by=officer, due_on=date(2026, 3, 9), question="说明"
    )
    principal = everyone[Role.PRINCIPAL]
    cases += [
        (
            RemoteInspectionEvent(inspection=remote, action="open", actor=officer),
            ("remote.open",),
            None,
        ),
        (
            RemoteInspectionEvent(inspection=remote, action="answer", actor=principal),
            ("remote.answer",),
            officer,
        ),
        (RemoteInspectionEvent(inspection=remote, action="overdue"), ("remote.overdue",), officer),
        (
            RemoteInspectionEvent(inspection=remote, action="decide", actor=officer),
            ("remote.decide",),
            None,
        ),
    ]
    record = AssistanceRecord(
        town=enterprise_a.jurisdiction,
        reasons=["零处罚"],
        method="cross_area",
        assisted_on=date(2026, 3, 2),
    )
    cases.append(
        (
            AssistanceEvent(record=record, action="record", actor=everyone[Role.SUPERVISOR]),
            ("assistance.record",),
            None,
        )
    )
    check(enforcement_notes, cases, enterprise_a)
    started = InspectionEvent(inspection=inspection, action="start", actor=officer)
    assert enforcement_notes.message(started) is None
    notified = PenaltyEvent(penalty=penalty, to_state="notified", actor=officer)
    assert enforcement_notes.message(notified) is None


def test_grading_tells_by_the_table(everyone, enterprise_a):
    town, supervisor = everyone[Role.TOWN_SUPERVISOR], everyone[Role.SUPERVISOR]
    override = GradeOverride(enterprise=enterprise_a, requested_by=town, level="red")
    asked = OverrideEvent(
        override=override, actor=town, from_state="", to_state=OverrideState.PENDING
    )
    decided = OverrideEvent(
        override=override,
        actor=supervisor,
        from_state=OverrideState.PENDING,
        to_state=OverrideState.APPROVED,
    )
    cases = [(asked, ("requested",), None), (decided, ("decided",), town)]
    check(grading_notes, cases, enterprise_a)
    # A supervisor's own request: the approvers are the other supervisors and the administrator.
    own = GradeOverride(enterprise=enterprise_a, requested_by=supervisor, level="red")
    event = OverrideEvent(override=own, actor=supervisor, to_state=OverrideState.PENDING)
    assert reached(grading_notes.message(event)) == ["county_admin"]


def test_accidents_tell_by_the_table(everyone, enterprise_a):
    accident = AccidentCase(enterprise=enterprise_a, title="粉尘爆燃")
    supervisor = everyone[Role.SUPERVISOR]
    cases = [
        (AccidentEvent(accident=accident, action=kind, actor=supervisor, note="x"), (kind,), None)
        for kind in accident_notes.RECIPIENTS
    ]
    check(accident_notes, cases, enterprise_a)
    elsewhere = AccidentEvent(accident=AccidentCase(title="外地"), action="recorded", note="x")
    assert accident_notes.message(elsewhere) is None


def test_projects_tell_by_the_table(everyone, enterprise_a):
    project = Project(enterprise=enterprise_a, name="熔炼车间扩建")
    officer = everyone[Role.ENFORCEMENT_OFFICER]
    cases = [
        (ProjectEvent(project=project, action=kind, actor=officer, note="x"), (kind,), None)
        for kind in project_notes.RECIPIENTS
    ]
    check(project_notes, cases, enterprise_a)
    flagged = ProjectEvent(project=project, action="report_unreviewed", actor=officer)
    assert "立案处罚" in project_notes.message(flagged).body


def test_campaigns_tell_by_the_table(everyone, enterprise_a):
    campaign = Campaign(pk=1, name="有限空间作业专项整治")
    supervisor = everyone[Role.SUPERVISOR]
    cases = [
        (
            CampaignEvent(
                campaign=campaign,
                enterprise=None if kind == "self_check_ended" else enterprise_a,
                town=enterprise_a.jurisdiction if kind == "self_check_ended" else None,
                action=kind,
                actor=supervisor if kind != "overdue" else None,
                note="x",
            ),
            (kind,),
            None,
        )
        for kind in campaign_notes.RECIPIENTS
    ]
    check(campaign_notes, cases, enterprise_a)
    answered = CampaignEvent(campaign=campaign, enterprise=enterprise_a, action="answered")
    assert campaign_notes.message(answered) is None


def test_certificates_tell_by_the_table(everyone, enterprise_a):
    certificate = Certificate(
        enterprise=enterprise_a, holder_name="张三", operation="1.2", number="T0001"
    )
    officer = everyone[Role.ENFORCEMENT_OFFICER]
    cases = [
        (
            CertificateEvent(
                enterprise=enterprise_a,
                certificate=None if kind == "raise_gap" else certificate,
                action=kind,
                actor=officer if kind == "raise_gap" else None,
                note="x",
                payload={"due": "2026-03-01", "days": 60},
            ),
            (kind,),
            None,
        )
        for kind in certificate_notes.RECIPIENTS
    ]
    check(certificate_notes, cases, enterprise_a)
    reminder = CertificateEvent(
        enterprise=enterprise_a,
        certificate=certificate,
        action="expiry_reminder",
        payload={"due": "2026-03-01"},
    )
    assert "有效期至 2026-03-01" in certificate_notes.message(reminder).body
    assert (
        certificate_notes.message(CertificateEvent(enterprise=enterprise_a, action="record"))
        is None
    )


def test_accident_warnings_tell_by_the_table(everyone, enterprise_a):
    supervisor = everyone[Role.SUPERVISOR]
    warning = AccidentWarning(pk=1, title="警示", issued_by=supervisor)
    cases = [
        (
            WarningEvent(
                warning=None if kind == "supervision" else warning,
                enterprise=enterprise_a,
                action=kind,
                actor=None if kind in ("reminded", "all_acknowledged") else supervisor,
                note="x",
            ),
            (kind,),
            supervisor if kind == "all_acknowledged" else None,
        )
        for kind in accident_warning_notes.RECIPIENTS
    ]
    check(accident_warning_notes, cases, enterprise_a)
    assert accident_warning_notes.message(WarningEvent(warning=warning, action="drafted")) is None


def test_commitments_tell_by_the_table(everyone, enterprise_a):
    principal, town = everyone[Role.PRINCIPAL], everyone[Role.TOWN_SUPERVISOR]
    commitment = SafetyCommitment(
        enterprise=enterprise_a,
        kind=CommitmentKind.ZERO_OUT,
        committer_name="王建国",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    breach = CommitmentBreach(description="未佩戴防护面罩")

    def event(action, actor):
        return CommitmentEvent(commitment=commitment, action=action, actor=actor, breach=breach)

    cases = [
        (event("recorded", principal), ("zero_out_recorded",), None),
        (event("breach_recorded", town), ("breach_recorded",), None),
        (event("breach_recorded", None), ("breach_detected",), None),
        (event("breach_revoked", everyone[Role.SUPERVISOR]), ("breach_revoked",), None),
    ]
    check(reporting_notes, cases, enterprise_a)
    assert reporting_notes.message(event("withdrawn", principal)) is None


def test_standardization_tells_by_the_table(everyone, enterprise_a):
    rating = Rating(enterprise=enterprise_a, grade="level3")
    supervisor = everyone[Role.SUPERVISOR]
    review = standardization_notes.MAJOR_HAZARD_REVIEW
    cases = [
        (RatingEvent(rating=rating, action=kind, actor=supervisor, note="x"), (kind,), None)
        for kind in standardization_notes.RECIPIENTS
        if kind != review
    ]
    opened = RatingEvent(
        rating=rating, action="check_started", payload={"reason": "major_hazard"}, note="x"
    )
    cases.append((opened, (review,), None))
    check(standardization_notes, cases, enterprise_a)
    document = RatingEvent(rating=rating, action="document", actor=supervisor, note="x")
    assert standardization_notes.message(document) is None


def test_risks(everyone, enterprise_a):
    principal = everyone[Role.PRINCIPAL]
    risk = Risk(enterprise=enterprise_a, description="铁水穿炉", colour="red")

    def event(action, before, after):
        return RiskEvent(
            enterprise=enterprise_a,
            risk=risk,
            action=action,
            actor=principal,
            from_state=before,
            to_state=after,
        )

    cases = [
        (event("risk_added", "", "red"), ("new_red",), None),
        (event("assessed", "orange", "red"), ("new_red",), None),
    ]
    check(risk_notes, cases, enterprise_a)
    assert risk_notes.message(event("assessed", "red", "red")) is None
    assert risk_notes.message(event("assessed", "red", "yellow")) is None
    assert risk_notes.message(event("measure_added", "", "")) is None


# --- the page ----------------------------------------------------------------------------------


def test_the_rules_list_every_app_that_announces(db):
    found = {app["app"]: app for app in rules()}
    assert set(found) == set(APPS)
    hazards = {kind["kind"]: kind for kind in found["hazards"]["kinds"]}
    assert hazards["escalate_county"]["label"] == "逾期升级至县局"
    assert hazards["escalate_county"]["audiences"] == [
        {
            "level": "县局（企业所属区划及其上级）",
            "roles": ["监管科室"],
            "role_values": ["supervisor"],
        }
    ]
    grading = {kind["kind"]: kind for kind in found["grading"]["kinds"]}
    assert grading["decided"]["audiences"][0]["level"] == "申请人或登记人本人"
    assert grading["requested"]["audiences"][0]["roles"] == ["县局管理员", "监管科室"]


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.SUPERVISOR, Role.GRID_MEMBER])
def test_the_rules_page_shows_every_table_to_any_signed_in_user(client, users, role):
    client.force_login(users[role])
    response = client.get("/notifications/rules/")
    assert response.status_code == 200
    html = response.content.decode()
    for app in APPS:
        assert str(apps.get_app_config(app).verbose_name) in html
    for text in ("整改期限提醒", "报警未处置，升级至县局", "行政处罚决定", "企业主要负责人"):
        assert text in html
    assert "notifications/rules/" in client.get("/inbox/settings/").content.decode()


def test_the_rules_page_needs_a_login(client, db):
    response = client.get("/notifications/rules/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_expert_visits_tell_by_the_table(everyone, enterprise_a, county):
    expert, supervisor = everyone[Role.EXPERT], everyone[Role.SUPERVISOR]
    visit = ExpertVisit(enterprise=enterprise_a, jurisdiction=county, planned_on=date(2026, 3, 2))
    planned = ExpertEvent(
        visit=visit,
        enterprise=enterprise_a,
        action="planned",
        actor=supervisor,
        note="2026-03-02",
        payload={"experts": [expert.pk], "planned_on": "2026-03-02"},
    )
    reported = ExpertEvent(
        visit=visit,
        enterprise=enterprise_a,
        action="reported",
        actor=expert,
        note="高唐应急专家反馈〔2026〕1号",
        payload={"findings": 2},
    )
    cases = [(planned, ("assigned", "scheduled"), expert), (reported, ("reported",), None)]
    check(expert_notes, cases, enterprise_a)
    part = ExpertEvent(visit=visit, enterprise=enterprise_a, action="part", actor=expert)
    assert expert_notes.message(part) is None
