"""The construction project services: registering, the three simultaneities step by step, the
metal smelting design review, construction without review flagged, and every refusal in
Chinese with nothing changed."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from core.models import Notification
from projects import services
from projects.models import Project, ProjectEvent
from projects.services import ProjectRefused
from projects.states import State
from projects.tests.conftest import (
    days_ago,
    designed,
    docx,
    has_chinese,
    pdf,
    png,
    project_data,
    snapshot,
)


@pytest.fixture
def metal(principal):
    return services.register(principal, project_data())


@pytest.fixture
def plain(principal):
    return services.register(principal, project_data(is_metal_smelting=False, name="成品库新建"))


def _refused(call, status=422, field=None):
    before = snapshot()
    with pytest.raises(ProjectRefused) as caught:
        call()
    assert caught.value.status == status
    assert has_chinese(str(caught.value))
    if field is not None:
        assert caught.value.field == field
    assert snapshot() == before
    return str(caught.value)


def test_an_enterprise_manager_registers_a_project_of_their_own_enterprise(principal, enterprise_a):
    project = services.register(principal, project_data())
    assert project.enterprise == enterprise_a
    assert project.state == State.REGISTERED
    event = project.events.get()
    assert (event.action, event.actor, event.to_state) == ("register", principal, "registered")


def test_staff_register_for_an_enterprise_in_scope_only(users, enterprise_a, enterprise_b):
    town = users[Role.TOWN_SUPERVISOR]
    assert services.register(town, project_data(enterprise_a)).enterprise == enterprise_a
    _refused(lambda: services.register(town, project_data(enterprise_b)), 404, "enterprise")
    _refused(lambda: services.register(town, project_data()), 422, "enterprise")


@pytest.mark.parametrize(
    "role", [Role.EMPLOYEE, Role.GRID_MEMBER, Role.EXPERT, Role.ENFORCEMENT_OFFICER]
)
def test_roles_without_project_record_may_not_register(users, enterprise_a, role):
    _refused(lambda: services.register(users[role], project_data(enterprise_a)), 403)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "熔炼\x00车间"}, "name"),
        ({"kind": "demolish"}, "kind"),
        ({"is_metal_smelting": "yes"}, "is_metal_smelting"),
        ({"planned_start": "2026-01-01"}, "planned_start"),
        ({"planned_completion": timezone.localdate().replace(year=1900)}, "planned_completion"),
    ],
)
def test_bad_project_input_is_refused_in_chinese_with_nothing_saved(principal, changes, field):
    _refused(lambda: services.register(principal, project_data(**changes)), 422, field)


def test_completion_before_start_is_refused(principal):
    data = project_data(planned_start=days_ago(1), planned_completion=days_ago(10))
    message = _refused(lambda: services.register(principal, data), 422, "planned_completion")
    assert "不能早于" in message


def test_a_project_not_of_metal_smelting_goes_design_construction_commissioning(principal, plain):
    designed(principal, plain)
    project = services.act(principal, plain.pk, "start_construction", on=days_ago(20))
    assert project.state == State.CONSTRUCTING
    project = services.act(principal, plain.pk, "commission", on=days_ago(1), document=png())
    assert project.state == State.COMMISSIONED
    assert project.commissioned_on == days_ago(1)
    actions = list(project.events.values_list("action", "from_state", "to_state"))
    assert actions == [
        ("register", "", "registered"),
        ("design", "registered", "designed"),
        ("start_construction", "designed", "constructing"),
        ("commission", "constructing", "commissioned"),
    ]
    design = project.events.get(action="design")
    assert design.on == days_ago(30) and design.document and design.document_name.endswith(".pdf")


def test_metal_smelting_construction_may_not_start_before_the_review_is_approved(
    principal, county_supervisor, metal
):
    message = _refused(
        lambda: services.act(principal, metal.pk, "start_construction", on=days_ago(1)), 409
    )
    assert "设计审查通过前" in message
    designed(principal, metal)
    _refused(lambda: services.act(principal, metal.pk, "start_construction", on=days_ago(1)), 409)
    services.act(principal, metal.pk, "submit_review", on=days_ago(10))
    _refused(lambda: services.act(principal, metal.pk, "start_construction", on=days_ago(1)), 409)
    # The enterprise does not approve its own design.
    _refused(
        lambda: services.act(
            principal, metal.pk, "approve_review", on=days_ago(5), document=pdf(), reviewers="张三"
        ),
        403,
    )
    project = services.act(
        county_supervisor,
        metal.pk,
        "approve_review",
        on=days_ago(5),
        document=pdf("审查意见书.pdf"),
        reviewers="张三、李四",
    )
    assert (project.state, project.reviewers, project.reviewed_on) == (
        State.REVIEW_APPROVED,
        "张三、李四",
        days_ago(5),
    )
    project = services.act(principal, metal.pk, "start_construction", on=days_ago(1))
    assert project.state == State.CONSTRUCTING and not project.unreviewed_construction


def test_an_approved_review_names_its_reviewers_and_carries_its_document(
    principal, county_supervisor, metal
):
    designed(principal, metal)
    services.act(principal, metal.pk, "submit_review", on=days_ago(10))
    approve = services.act
    _refused(
        lambda: approve(
            county_supervisor, metal.pk, "approve_review", on=days_ago(5), document=pdf()
        ),
        422,
        "reviewers",
    )
    _refused(
        lambda: approve(
            county_supervisor, metal.pk, "approve_review", on=days_ago(5), reviewers="张三"
        ),
        422,
        "document",
    )


def test_a_refused_review_needs_a_reason_and_returns_to_the_design(
    principal, county_supervisor, metal
):
    designed(principal, metal)
    services.act(principal, metal.pk, "submit_review", on=days_ago(10))
    _refused(
        lambda: services.act(county_supervisor, metal.pk, "reject_review", on=days_ago(2)),
        422,
        "note",
    )
    project = services.act(
        county_supervisor, metal.pk, "reject_review", on=days_ago(2), note="泄爆设施设计不足"
    )
    assert project.state == State.DESIGNED
    assert services.available_actions(principal, project) == ["design", "submit_review"]


def test_a_review_is_only_for_metal_smelting_projects(principal, plain):
    designed(principal, plain)
    message = _refused(
        lambda: services.act(principal, plain.pk, "submit_review", on=days_ago(1)), 409
    )
    assert "金属冶炼" in message


def test_construction_without_review_is_flagged_and_tells_county_enforcement(
    users, principal, metal, immediate_tasks, django_capture_on_commit_callbacks
):
    officer = users[Role.ENFORCEMENT_OFFICER]
    designed(principal, metal)
    with django_capture_on_commit_callbacks(execute=True):
        project = services.act(
            officer,
            metal.pk,
            "report_unreviewed",
            on=days_ago(3),
            note="现场检查发现熔炼车间已开工",
        )
    assert project.unreviewed_construction and project.flagged_at is not None
    assert project.state == State.CONSTRUCTING
    assert project.construction_started_on == days_ago(3)
    assert project.awaiting_diagnosis
    assert Project.objects.flagged().filter(pk=project.pk).exists()
    told = set(
        Notification.objects.filter(title__contains="未经审查擅自建设").values_list(
            "recipient__role", flat=True
        )
    )
    # Not the officer who recorded it; the county's supervisor, the town and the enterprise.
    assert {Role.SUPERVISOR, Role.TOWN_SUPERVISOR, Role.PRINCIPAL, Role.SAFETY_OFFICER} <= told
    assert Role.EMPLOYEE not in told
    body = Notification.objects.filter(recipient=users[Role.SUPERVISOR]).last().body
    assert "立案处罚" in body and "设计诊断" in body


def test_a_project_found_built_without_review_is_commissioned_and_flagged(users, metal):
    project = services.act(
        users[Role.TOWN_SUPERVISOR],
        metal.pk,
        "report_unreviewed",
        on=days_ago(100),
        note="已建成投产，未进行设计审查",
        built=True,
    )
    assert project.state == State.COMMISSIONED and project.unreviewed_construction


def test_report_unreviewed_refusals(users, principal, plain, metal, county_supervisor):
    officer = users[Role.ENFORCEMENT_OFFICER]
    _refused(
        lambda: services.act(principal, metal.pk, "report_unreviewed", on=days_ago(1), note="x"),
        403,
    )
    _refused(
        lambda: services.act(officer, plain.pk, "report_unreviewed", on=days_ago(1), note="x"), 409
    )
    _refused(
        lambda: services.act(officer, metal.pk, "report_unreviewed", on=days_ago(1)), 422, "note"
    )
    # Once reviewed and started lawfully, there is nothing to flag.
    designed(principal, metal)
    services.act(principal, metal.pk, "submit_review", on=days_ago(9))
    services.act(
        county_supervisor,
        metal.pk,
        "approve_review",
        on=days_ago(8),
        document=pdf(),
        reviewers="张三",
    )
    services.act(principal, metal.pk, "start_construction", on=days_ago(7))
    _refused(
        lambda: services.act(officer, metal.pk, "report_unreviewed", on=days_ago(1), note="x"), 409
    )


def test_a_flagged_project_records_its_design_diagnosis_once(users, principal, metal, plain):
    _refused(
        lambda: services.act(principal, plain.pk, "diagnose", on=days_ago(1), document=pdf()), 409
    )
    services.act(
        users[Role.SUPERVISOR], metal.pk, "report_unreviewed", on=days_ago(9), note="已开工"
    )
    _refused(lambda: services.act(principal, metal.pk, "diagnose", on=days_ago(1)), 422, "document")
    project = services.act(principal, metal.pk, "diagnose", on=days_ago(1), document=docx())
    assert project.diagnosed_on == days_ago(1) and not project.awaiting_diagnosis
    assert project.unreviewed_construction  # the fact stays on record
    _refused(
        lambda: services.act(principal, metal.pk, "diagnose", on=days_ago(1), document=pdf()), 409
    )


@pytest.mark.parametrize(
    "upload, reason",
    [
        (SimpleUploadedFile("设计.exe", b"MZ\x90\x00"), "格式"),
        (SimpleUploadedFile("设计.pdf", b"not a pdf at all"), "PDF"),
        (SimpleUploadedFile("设计.png", b"not a png"), "图片"),
        (SimpleUploadedFile("设计.docx", b"PK\x03\x04broken"), "Word"),
        (SimpleUploadedFile("设计.pdf", b""), "空"),
    ],
)
def test_a_bad_document_is_refused_with_nothing_saved(principal, plain, upload, reason):
    message = _refused(
        lambda: services.act(
            principal, plain.pk, "design", on=days_ago(1), document=upload, designer="某设计院"
        ),
        422,
        "document",
    )
    assert reason in message


def test_dates_of_steps_are_checked(principal, plain):
    tomorrow = timezone.localdate() + timedelta(days=1)
    design = services.act
    _refused(
        lambda: design(principal, plain.pk, "design", on=None, document=pdf(), designer="某"),
        422,
        "on",
    )
    _refused(
        lambda: design(principal, plain.pk, "design", on=tomorrow, document=pdf(), designer="某"),
        422,
        "on",
    )
    _refused(
        lambda: design(principal, plain.pk, "design", on=days_ago(1), document=pdf()),
        422,
        "designer",
    )
    designed(principal, plain)
    services.act(principal, plain.pk, "start_construction", on=days_ago(5))
    message = _refused(
        lambda: services.act(principal, plain.pk, "commission", on=days_ago(6), document=pdf()),
        422,
        "on",
    )
    assert "早于开工" in message


def test_steps_out_of_order_or_scope_are_refused(users, principal, plain, world):
    _refused(
        lambda: services.act(principal, plain.pk, "commission", on=days_ago(1), document=pdf()), 409
    )
    _refused(
        lambda: services.act(
            principal, world["b"].pk, "design", on=days_ago(1), document=pdf(), designer="某"
        ),
        404,
    )
    _refused(lambda: services.act(principal, plain.pk, "demolish", on=days_ago(1)), 404)
    _refused(
        lambda: services.act(
            users[Role.EMPLOYEE], plain.pk, "design", on=days_ago(1), document=pdf(), designer="某"
        ),
        404,
    )
    assert ProjectEvent.objects.filter(project=plain).count() == 1


def test_a_document_with_a_very_long_name_is_stored(principal, plain, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    long_name = "安全设施设计专篇" * 40 + ".pdf"
    project = services.act(
        principal, plain.pk, "design", on=days_ago(1), document=pdf(long_name), designer="某"
    )
    event = project.events.get(action="design")
    assert len(event.document.name) <= 200 and event.document.name.endswith(".pdf")
    assert len(event.document_name) <= 200
