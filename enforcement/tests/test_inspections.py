"""Checklist inspections: templates from the criteria library, the lifecycle draft → answers →
completed (hazards, major where a criterion matched; the draw outcome), and the refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from core.errors import Refused
from enforcement.inspections import checklists
from enforcement.inspections import services as inspections
from enforcement.models import (
    ChecklistTemplate,
    DocumentKind,
    Inspection,
    InspectionAnswer,
    InspectionEvent,
    Outcome,
    Result,
)
from enforcement.penalties import services as penalty_services
from enforcement.plans import services
from enforcement.plans.services import DrawRequest
from enforcement.tests.conftest import answer_all
from hazards import services as hazard_services
from hazards.models import Hazard, MajorHazardCriterion


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


@pytest.fixture
def pair(inspectors):
    return [inspectors[0].pk, inspectors[1].pk]


def test_templates_built_from_the_criteria_library(enterprise_a, enterprise_b):
    assert ChecklistTemplate.objects.filter(code="general").exists()
    # building again changes nothing
    before = ChecklistTemplate.objects.count()
    checklists.build()
    assert ChecklistTemplate.objects.count() == before
    items = list(checklists.items_for(enterprise_a))
    applicable = set(
        MajorHazardCriterion.objects.for_enterprise(enterprise_a).values_list("pk", flat=True)
    )
    with_criterion = {i.criterion_id for i in items if i.criterion_id}
    assert with_criterion == applicable  # every applicable criterion, nothing else
    general = [i for i in items if i.criterion_id is None]
    assert any("第三十条" in i.legal_basis for i in general)
    assert all(i.legal_basis for i in items)
    foundry = MajorHazardCriterion.objects.filter(sector_tag="foundry").first()
    if foundry:
        assert foundry.pk in with_criterion
        other = {i.criterion_id for i in checklists.items_for(enterprise_b) if i.criterion_id}
        assert foundry.pk not in other
    # 第十四条 only where monitoring is connected
    article14 = MajorHazardCriterion.objects.get(article=14, item=0)
    assert article14.pk not in with_criterion
    enterprise_a.has_monitoring = True
    enterprise_a.save()
    assert article14.pk in {i.criterion_id for i in checklists.items_for(enterprise_a)}


def test_lifecycle_creates_hazards_major_where_criterion(enforcer, pair, enterprise_a):
    inspection = inspections.create_inspection(
        enforcer, enterprise_a.pk, "on_site", timezone.localdate(), pair, place="铸造车间"
    )
    assert inspection.state == "draft"
    rows = inspections.checklist_rows(inspection)
    criterion_item = next(r["item"] for r in rows if r["item"].criterion_id)
    general_item = next(r["item"] for r in rows if not r["item"].criterion_id)
    answer_all(
        enforcer,
        inspection,
        {criterion_item.pk: "熔炼炉冷却水无断水报警", general_item.pk: "无培训档案"},
    )
    # complete needs a deadline when items are wanting
    with pytest.raises(Refused, match="请填写整改期限"):
        inspections.complete(enforcer, inspection.pk, "检查情况")
    deadline = timezone.localdate() + timedelta(days=30)
    done = inspections.complete(enforcer, inspection.pk, "发现问题两项", deadline)
    assert done.state == "completed" and done.rectify_deadline == deadline
    hazards = Hazard.objects.filter(enterprise=enterprise_a).order_by("is_major")
    assert hazards.count() == 2
    general, major = hazards
    assert not general.is_major and major.is_major
    assert major.criterion_id == criterion_item.criterion_id
    assert major.source == "enforcement" and "熔炼炉冷却水无断水报警" in major.description
    # Confirmed on site with the order's deadline: the enterprise's next step is its plan.
    for hazard in (general, major):
        assert hazard.state == "confirmed" and hazard.deadline == deadline
        actions = list(hazard.events.order_by("pk").values_list("action", "to_state"))
        assert actions == [("report", "reported"), ("confirm", "confirmed")]
    assert hazard_services.next_step(general) == (
        "制定整改方案",
        "企业（主要负责人或安全管理人员）",
    )
    linked = InspectionAnswer.objects.filter(inspection=done, hazard__isnull=False)
    assert {a.hazard_id for a in linked} == {general.pk, major.pk}
    kinds = set(done.documents.values_list("kind", flat=True))
    assert kinds == {DocumentKind.RECORD, DocumentKind.RECTIFY_ORDER}
    assert (
        list(InspectionEvent.objects.filter(inspection=done).values_list("action", flat=True))[-1]
        == "complete"
    )
    # completed: nothing changes any more
    with pytest.raises(Refused) as refused:
        inspections.answer(enforcer, done.pk, general_item.pk, Result.COMPLIANT)
    assert refused.value.status == 409
    with pytest.raises(Refused) as refused:
        inspections.complete(enforcer, done.pk)
    assert refused.value.status == 409


def test_all_compliant_issues_the_record_only(enforcer, pair, enterprise_b):
    inspection = inspections.create_inspection(enforcer, enterprise_b.pk, "unannounced", None, pair)
    answer_all(enforcer, inspection)
    done = inspections.complete(enforcer, inspection.pk)
    assert list(done.documents.values_list("kind", flat=True)) == [DocumentKind.RECORD]
    assert not Hazard.objects.exists()


def test_complete_with_unanswered_items_is_refused(enforcer, pair, enterprise_a):
    inspection = inspections.create_inspection(enforcer, enterprise_a.pk, "on_site", None, pair)
    first = inspections.checklist_rows(inspection)[0]["item"]
    inspections.answer(enforcer, inspection.pk, first.pk, Result.NOT_APPLICABLE)
    with pytest.raises(Refused, match="尚未作答") as refused:
        inspections.complete(enforcer, inspection.pk)
    assert refused.value.status == 422
    inspection.refresh_from_db()
    assert inspection.state == "draft" and not inspection.documents.exists()


@pytest.mark.parametrize("kind", ["on_site", "unannounced"])
def test_on_site_needs_two_enforcement_officers(enforcer, inspectors, enterprise_a, kind):
    with pytest.raises(Refused, match="不得少于 2 名") as refused:
        inspections.create_inspection(enforcer, enterprise_a.pk, kind, None, [inspectors[0].pk])
    assert refused.value.status == 422
    assert not Inspection.objects.exists()


def test_remote_inspection_with_one_officer(enforcer, inspectors, enterprise_a):
    inspection = inspections.create_inspection(
        enforcer, enterprise_a.pk, "remote", None, [inspectors[0].pk]
    )
    assert inspection.kind == "remote"


def test_inspectors_must_be_in_the_pool_and_not_recused(enforcer, users, inspectors, enterprise_a):
    town = users[Role.TOWN_SUPERVISOR]  # not an enforcement officer
    with pytest.raises(Refused, match="名录库"):
        inspections.create_inspection(
            enforcer, enterprise_a.pk, "on_site", None, [inspectors[0].pk, town.pk]
        )
    supervisor = users[Role.SUPERVISOR]
    services.declare_conflict(supervisor, inspectors[1].pk, enterprise_a.pk, "亲属任职")
    with pytest.raises(Refused, match="回避"):
        inspections.create_inspection(
            enforcer, enterprise_a.pk, "on_site", None, [inspectors[0].pk, inspectors[1].pk]
        )
    assert not Inspection.objects.exists()


def test_out_of_scope_is_not_found(users, pair, enterprise_a, enterprise_b, outsider):
    with pytest.raises(Refused) as refused:
        inspections.create_inspection(outsider, enterprise_a.pk, "on_site", None, pair)
    assert refused.value.status == 404
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    inspection = inspections.create_inspection(enforcer, enterprise_a.pk, "on_site", None, pair)
    item = inspections.checklist_rows(inspection)[0]["item"]
    for act in (
        lambda: inspections.answer(outsider, inspection.pk, item.pk, Result.COMPLIANT),
        lambda: inspections.complete(outsider, inspection.pk),
    ):
        with pytest.raises(Refused) as refused:
            act()
        assert refused.value.status == 404
    assert not inspection.answers.exists()


@pytest.mark.parametrize(
    "role", [Role.COUNTY_ADMIN, Role.GRID_MEMBER, Role.EXPERT, Role.PRINCIPAL, Role.EMPLOYEE]
)
def test_roles_that_do_not_inspect(users, pair, enterprise_a, role):
    with pytest.raises(Refused) as refused:
        inspections.create_inspection(users[role], enterprise_a.pk, "on_site", None, pair)
    assert refused.value.status == 403


def test_answer_refusals(enforcer, pair, enterprise_a, enterprise_b):
    inspection = inspections.create_inspection(enforcer, enterprise_a.pk, "on_site", None, pair)
    item = inspections.checklist_rows(inspection)[0]["item"]
    with pytest.raises(Refused, match="请写明具体问题"):
        inspections.answer(enforcer, inspection.pk, item.pk, Result.NOT_COMPLIANT, "  ")
    with pytest.raises(Refused, match="结果无效"):
        inspections.answer(enforcer, inspection.pk, item.pk, "maybe")
    with pytest.raises(Refused, match="无效字符"):
        inspections.answer(enforcer, inspection.pk, item.pk, Result.NOT_COMPLIANT, "x\x00")
    foreign = next(i for i in checklists.items_for(enterprise_a) if i.template.code != "general")
    other = inspections.create_inspection(enforcer, enterprise_b.pk, "on_site", None, pair)
    if foreign.pk not in {i.pk for i in checklists.items_for(enterprise_b)}:
        with pytest.raises(Refused, match="不在本企业的检查清单中"):
            inspections.answer(enforcer, other.pk, foreign.pk, Result.COMPLIANT)
    assert not InspectionAnswer.objects.exists()


def test_draw_assignment_gets_its_outcome(
    enforcer, inspectors, enterprise_a, enterprise_a2, enterprise_b
):
    draw = services.create_draw(enforcer, DrawRequest(name="抽查", enterprise_count=3, seed="s"))
    assignment = draw.assignments.get(enterprise=enterprise_a)
    inspection = inspections.create_inspection(
        enforcer, enterprise_a.pk, "on_site", None, assignment_id=assignment.pk
    )
    drawn = set(assignment.inspector_rows.values_list("inspector_id", flat=True))
    assert set(inspection.inspectors.values_list("pk", flat=True)) == drawn
    with pytest.raises(Refused) as refused:
        inspections.create_inspection(
            enforcer, enterprise_a.pk, "on_site", None, list(drawn), assignment_id=assignment.pk
        )
    assert refused.value.status == 409
    answer_all(enforcer, inspection)
    inspections.complete(enforcer, inspection.pk)
    assignment.refresh_from_db()
    assert assignment.outcome == Outcome.COMPLIANT
    assert assignment.completed_on == inspection.inspected_on
    # The inspection's result stands: it is not overwritten by hand.
    with pytest.raises(Refused, match=r"已由执法检查.*登记结果，不能手工修改") as refused:
        services.record_outcome(enforcer, assignment.pk, Outcome.RECTIFY, "手工改写")
    assert refused.value.status == 409
    assignment.refresh_from_db()
    assert assignment.outcome == Outcome.COMPLIANT
    other = draw.assignments.get(enterprise=enterprise_b)
    with pytest.raises(Refused, match="不一致"):
        inspections.create_inspection(
            enforcer, enterprise_a.pk, "on_site", None, list(drawn), assignment_id=other.pk
        )


def test_plan_progress_counts_completed_key_inspections(enforcer, pair, enterprise_a):
    today = timezone.localdate()
    plan = services.create_plan(enforcer, today.year, random_by_month={"1": 10})
    item = plan.items.get(enterprise=enterprise_a)  # foundry: on the key list
    inspection = inspections.create_inspection(
        enforcer, enterprise_a.pk, "on_site", today, pair, plan_item_id=item.pk
    )
    assert services.plan_progress(plan)[today.month - 1]["done_key"] == 0
    answer_all(enforcer, inspection)
    inspections.complete(enforcer, inspection.pk)
    assert services.plan_progress(plan)[today.month - 1]["done_key"] == 1


def test_recheck_records_hazard_states(enforcer, pair, enterprise_a):
    inspection = inspections.create_inspection(enforcer, enterprise_a.pk, "on_site", None, pair)
    item = inspections.checklist_rows(inspection)[0]["item"]
    answer_all(enforcer, inspection, {item.pk: "未建立责任制"})
    with pytest.raises(Refused, match="尚未完成"):
        inspections.recheck(enforcer, inspection.pk, timezone.localdate(), "已整改")
    inspections.complete(enforcer, inspection.pk, "", timezone.localdate() + timedelta(days=10))
    with pytest.raises(Refused, match="请填写复查意见"):
        inspections.recheck(enforcer, inspection.pk, timezone.localdate(), " ")
    done = inspections.recheck(enforcer, inspection.pk, timezone.localdate(), "尚未整改完毕")
    assert done.hazard_states[0]["state"] == "已确认" and not done.hazard_states[0]["closed"]
    assert done.document.kind == DocumentKind.RECHECK


def test_penalty_from_an_inspection(enforcer, pair, enterprise_a, enterprise_b):
    inspection = inspections.create_inspection(enforcer, enterprise_a.pk, "on_site", None, pair)
    with pytest.raises(Refused, match="尚未完成"):
        penalty_services.file_penalty(
            enforcer, enterprise_a.pk, "事实", "依据", 100, inspection_id=inspection.pk
        )
    answer_all(enforcer, inspection)
    inspections.complete(enforcer, inspection.pk)
    with pytest.raises(Refused, match="不一致"):
        penalty_services.file_penalty(
            enforcer, enterprise_b.pk, "事实", "依据", 100, inspection_id=inspection.pk
        )
    penalty = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "事实", "依据", 100, inspection_id=inspection.pk
    )
    assert list(inspection.penalties.all()) == [penalty]


def test_build_checklists_command_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("build_checklists", stdout=out)
    first = out.getvalue()
    call_command("build_checklists", stdout=out)
    assert "检查清单" in first
    assert out.getvalue().count(first.strip()) == 2


def test_a_power_warning_judged_true_goes_to_a_remote_inspection(
    client, users, enforcer, pair, enterprise_a, enterprise_b
):
    from datetime import datetime as dt

    from conftest import client_for
    from monitoring.models import PowerWarning, WarningKind, WarningState

    end = timezone.now().replace(microsecond=0)
    warning = PowerWarning.objects.create(
        enterprise=enterprise_a,
        kind=WarningKind.COVERT,
        window_start=end - timedelta(hours=2),
        window_end=end,
        observed_kw=100,
        baseline_kw=15,
        baseline="近30天空闲功率 P10 5.0 kW",
        evidence={},
    )
    assert isinstance(warning.window_end, dt)
    # Not yet judged 属实: no way to enforcement, and the service refuses it.
    page = client_for(client, enforcer).get(f"/monitoring/warnings/{warning.pk}/")
    assert 'id="to-enforcement"' not in page.content.decode()
    with pytest.raises(Refused, match="尚未研判为属实"):
        inspections.create_inspection(
            enforcer, enterprise_a.pk, "remote", None, pair, warning_id=warning.pk
        )
    PowerWarning.objects.filter(pk=warning.pk).update(state=WarningState.CONFIRMED)
    page = client.get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    assert f"/enforcement/inspections/new/?warning={warning.pk}" in page
    form = client.get(f"/enforcement/inspections/new/?warning={warning.pk}").content.decode()
    assert "电力预警转执法" in form and enterprise_a.credit_code in form
    # Another enterprise's inspection cannot cite it.
    with pytest.raises(Refused, match="不属于被检查企业"):
        inspections.create_inspection(
            enforcer, enterprise_b.pk, "remote", None, pair, warning_id=warning.pk
        )
    inspection = inspections.create_inspection(
        enforcer, enterprise_a.pk, "remote", None, pair, warning_id=warning.pk
    )
    assert inspection.kind == "remote"
    assert list(inspection.evidence_warnings.all()) == [warning]
    # A principal is not offered the way to enforcement.
    client_for(client, users[Role.PRINCIPAL])
    page = client.get(f"/monitoring/warnings/{warning.pk}/")
    assert 'id="to-enforcement"' not in page.content.decode()
