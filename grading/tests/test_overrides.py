"""A manual grade needs a reason and another user's approval; it holds until revoked or past
its date, and each step that changes the grade in force is in the history with who and why."""

import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import make_user
from core.models import Notification
from grading import engine, services
from grading.models import (
    ChangeKind,
    EnterpriseGrade,
    GradeChange,
    GradeOverride,
    OverrideState,
    RiskLevel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(users, enterprise_a):
    engine.run()
    return enterprise_a


def grade(enterprise):
    return EnterpriseGrade.objects.get(enterprise=enterprise)


def refused(call, status, text):
    with pytest.raises(services.GradingRefused) as caught:
        call()
    assert caught.value.status == status
    assert text in str(caught.value)


def test_request_then_approval_by_another(graded, users):
    supervisor, admin = users[Role.SUPERVISOR], users[Role.COUNTY_ADMIN]
    override = services.request_override(
        supervisor, graded.pk, level=RiskLevel.RED, reason="近期群众多次举报违规动火"
    )
    assert override.state == OverrideState.PENDING
    assert grade(graded).level == RiskLevel.YELLOW  # nothing changes before approval
    refused(lambda: services.decide_override(supervisor, override.pk, approved=True), 403, "本人")
    services.decide_override(admin, override.pk, approved=True, note="同意")
    current = grade(graded)
    assert current.level == RiskLevel.RED and current.computed_level == RiskLevel.YELLOW
    assert current.override_id == override.pk
    change = GradeChange.objects.get(kind=ChangeKind.OVERRIDE)
    assert change.from_state == RiskLevel.YELLOW and change.to_state == RiskLevel.RED
    assert change.actor == supervisor and change.approver == admin
    assert "违规动火" in change.note
    # A nightly run keeps the override.
    assert engine.run().level_changes == 0
    assert grade(graded).level == RiskLevel.RED


def test_refusals_change_nothing(graded, users, outsider):
    supervisor, town = users[Role.SUPERVISOR], users[Role.TOWN_SUPERVISOR]
    refused(
        lambda: services.request_override(supervisor, graded.pk, level="red", reason="  "),
        422,
        "理由",
    )
    refused(
        lambda: services.request_override(supervisor, graded.pk, level="purple", reason="x"),
        422,
        "等级",
    )
    refused(
        lambda: services.request_override(supervisor, graded.pk, level="yellow", reason="维持"),
        422,
        "相同",
    )
    refused(
        lambda: services.request_override(
            supervisor,
            graded.pk,
            level="red",
            reason="x",
            expires_on=timezone.localdate(),
        ),
        422,
        "有效期",
    )
    for role in (Role.ENFORCEMENT_OFFICER, Role.GRID_MEMBER, Role.EXPERT, Role.PRINCIPAL):
        refused(
            lambda role=role: services.request_override(
                users[role], graded.pk, level="red", reason="x"
            ),
            403,
            "角色",
        )
    with pytest.raises(EnterpriseGrade.enterprise.field.related_model.DoesNotExist):
        services.request_override(outsider, graded.pk, level="red", reason="x")
    assert not GradeOverride.objects.exists()
    override = services.request_override(town, graded.pk, level="orange", reason="整改不力")
    refused(
        lambda: services.request_override(supervisor, graded.pk, level="red", reason="x"),
        409,
        "已有",
    )
    refused(lambda: services.decide_override(town, override.pk, approved=True), 403, "角色")
    refused(lambda: services.decide_override(supervisor, override.pk, approved=False), 422, "理由")
    services.decide_override(supervisor, override.pk, approved=False, note="依据不足")
    refused(
        lambda: services.decide_override(users[Role.COUNTY_ADMIN], override.pk, approved=True),
        409,
        "不能再审批",
    )
    assert grade(graded).level == RiskLevel.YELLOW
    assert not GradeChange.objects.exclude(kind=ChangeKind.FIRST).exists()


def test_revoke_returns_to_the_computed_grade(graded, users):
    supervisor, admin = users[Role.SUPERVISOR], users[Role.COUNTY_ADMIN]
    override = services.request_override(supervisor, graded.pk, level="blue", reason="已搬迁")
    services.decide_override(admin, override.pk, approved=True)
    refused(lambda: services.revoke_override(admin, override.pk, note=""), 422, "理由")
    refused(
        lambda: services.revoke_override(users[Role.TOWN_SUPERVISOR], override.pk, note="x"),
        403,
        "角色",
    )
    services.revoke_override(supervisor, override.pk, note="情况变化")
    assert grade(graded).level == RiskLevel.YELLOW and grade(graded).override_id is None
    ended = GradeChange.objects.get(kind=ChangeKind.OVERRIDE_ENDED)
    assert ended.actor == supervisor and "情况变化" in ended.note


def test_requester_withdraws_a_pending_request(graded, users):
    town = users[Role.TOWN_SUPERVISOR]
    override = services.request_override(town, graded.pk, level="red", reason="x")
    services.revoke_override(town, override.pk, note="填错了")
    override.refresh_from_db()
    assert override.state == OverrideState.REVOKED
    assert not GradeChange.objects.exclude(kind=ChangeKind.FIRST).exists()


def test_override_expires(graded, users):
    override = services.request_override(
        users[Role.SUPERVISOR],
        graded.pk,
        level="red",
        reason="专项整治期间",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    services.decide_override(users[Role.COUNTY_ADMIN], override.pk, approved=True)
    later = timezone.now() + datetime.timedelta(days=7)
    engine.run(now=later)
    override.refresh_from_db()
    assert override.state == OverrideState.EXPIRED
    assert grade(graded).level == RiskLevel.YELLOW
    assert "到期" in GradeChange.objects.get(kind=ChangeKind.OVERRIDE_ENDED).note


def test_request_notifies_approvers_and_any_other_may_approve(
    graded, users, county, immediate_tasks, django_capture_on_commit_callbacks
):
    other = make_user("supervisor2", Role.SUPERVISOR, county)
    supervisor = users[Role.SUPERVISOR]
    # The request is announced once its transaction commits (core.events).
    with django_capture_on_commit_callbacks(execute=True):
        override = services.request_override(supervisor, graded.pk, level="red", reason="x")
    # Both approvers of the county hear of the request; the requester does not.
    assert Notification.objects.filter(recipient=other, title__contains="待审批").exists()
    assert not Notification.objects.filter(recipient=supervisor).exists()
    services.decide_override(other, override.pk, approved=True)
    assert grade(graded).level == RiskLevel.RED


def test_available_actions_follow_the_permissions(graded, users, client):
    """Who may decide or end an override is PERMISSIONS' grade.approve, except that a requester
    (grade.override) withdraws their own pending request; the pages offer exactly that and
    answer anyone else 403."""
    town, admin = users[Role.TOWN_SUPERVISOR], users[Role.COUNTY_ADMIN]
    override = services.request_override(town, graded.pk, level="red", reason="x")
    assert services.available_actions(town, override) == {"revoke"}
    assert services.available_actions(admin, override) == {"decide", "revoke"}
    assert services.available_actions(users[Role.ENFORCEMENT_OFFICER], override) == set()
    assert services.revoke_action(town, override) == "grade.override"
    assert services.revoke_action(admin, override) == "grade.approve"
    client.force_login(users[Role.ENFORCEMENT_OFFICER])
    for name in ("decide", "revoke"):
        response = client.post(f"/grading/overrides/{override.pk}/{name}/", {"note": "x"})
        assert response.status_code == 403
    client.force_login(town)
    assert client.post(f"/grading/overrides/{override.pk}/decide/").status_code == 403
    services.decide_override(admin, override.pk, approved=True)
    override.refresh_from_db()
    # Once in force, only an approver ends it, the requester included.
    assert services.available_actions(town, override) == set()
    assert (
        client.post(f"/grading/overrides/{override.pk}/revoke/", {"note": "x"}).status_code == 403
    )
