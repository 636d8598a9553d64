"""Every change to a grade by a person goes through here: requesting a manual grade (人工调整)
with a reason, approving or rejecting it (by another user who may approve), revoking it, and
recomputing an enterprise now. A refusal raises GradingRefused with the reason in Chinese and
the HTTP status the API answers with (403 role, 409 state, 422 data); nothing changes.

A decision that changes the grade in force runs the grading engine for that enterprise in the
same transaction, so the grade, its history row (with the reason and the approver) and the
override's state change together."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from enterprises.choices import Status
from enterprises.models import Enterprise
from grading import engine
from grading.models import (
    OVERRIDE_OPEN_STATES,
    EnterpriseGrade,
    GradeOverride,
    OverrideEvent,
    OverrideState,
    RiskLevel,
)


class GradingRefused(Refused):
    """A refused grading action (core.errors.Refused)."""


def _text(value, message) -> str:
    value = (value or "").strip()
    if not value:
        raise GradingRefused(message)
    if "\x00" in value:
        raise GradingRefused("内容含有无效字符")
    return value


def request_override(
    user, enterprise_id: int, *, level: str, reason: str, expires_on: date | None = None
) -> GradeOverride:
    check(user, "grade.override", "申请调整风险等级", GradingRefused)
    if level not in RiskLevel.values:
        raise GradingRefused("请选择调整后的风险等级（红、橙、黄、蓝）")
    reason = _text(reason, "请填写调整理由")
    if expires_on is not None and expires_on <= timezone.localdate():
        raise GradingRefused("有效期应晚于今天")
    with transaction.atomic():
        enterprise = Enterprise.objects.for_user(user).select_for_update().get(pk=enterprise_id)
        if enterprise.status == Status.CLOSED:
            raise GradingRefused("企业已关闭，不参与分级", 409)
        if GradeOverride.objects.filter(
            enterprise=enterprise, state__in=OVERRIDE_OPEN_STATES
        ).exists():
            raise GradingRefused("该企业已有待审批或已生效的人工调整，请先处理或撤销", 409)
        current = EnterpriseGrade.objects.filter(enterprise=enterprise).first()
        if current is not None and current.level == level:
            raise GradingRefused("调整后的等级与当前等级相同")
        override = GradeOverride.objects.create(
            enterprise=enterprise,
            level=level,
            reason=reason,
            expires_on=expires_on,
            requested_by=user,
        )
        _record(override, user, reason)
    return override


def _record(override: GradeOverride, user, note: str, before: str = "") -> None:
    """The override's move from `before` to its state now, as an OverrideEvent."""
    events.record(
        OverrideEvent,
        override=override,
        from_state=before,
        to_state=override.state,
        actor=user,
        note=note,
    )


def _locked(user, override_id) -> GradeOverride:
    return (
        GradeOverride.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=override_id)
    )


def revoke_action(user, override: GradeOverride) -> str:
    """The PERMISSIONS action ending `override` takes from `user`: withdrawing their own
    pending request is the requester's (grade.override); ending any other is an approver's
    (grade.approve)."""
    own = override.state == OverrideState.PENDING and override.requested_by_id == user.pk
    return "grade.override" if own else "grade.approve"


def available_actions(user, override: GradeOverride | None) -> set[str]:
    """What `user` may do to `override` now ("decide", "revoke"): the pages show these and
    nothing else."""
    actions: set[str] = set()
    if override is None:
        return actions
    if (
        override.state == OverrideState.PENDING
        and can(user, "grade.approve")
        and override.requested_by_id != user.pk
    ):
        actions.add("decide")
    if override.state in OVERRIDE_OPEN_STATES and can(user, revoke_action(user, override)):
        actions.add("revoke")
    return actions


def decide_override(user, override_id: int, *, approved: bool, note: str = "") -> GradeOverride:
    check(user, "grade.approve", "审批风险等级调整", GradingRefused)
    note = (note or "").strip()
    if "\x00" in note:
        raise GradingRefused("内容含有无效字符")
    with transaction.atomic():
        override = _locked(user, override_id)
        if override.state != OverrideState.PENDING:
            raise GradingRefused(f"该申请{override.get_state_display()}，不能再审批", 409)
        if override.requested_by_id == user.pk:
            raise GradingRefused("不能审批本人提出的调整申请", 403)
        if not approved and not note:
            raise GradingRefused("驳回申请请填写理由")
        if approved and override.expires_on and override.expires_on < timezone.localdate():
            raise GradingRefused("申请的有效期已过，请重新申请", 409)
        before = override.state
        override.state = OverrideState.APPROVED if approved else OverrideState.REJECTED
        override.decided_by = user
        override.decided_at = timezone.now()
        override.decision_note = note
        override.save()
        if approved:
            engine.run([override.enterprise_id], trigger=f"人工调整审批（{user.display_name}）")
        _record(override, user, note, before)
    return override


def revoke_override(user, override_id: int, *, note: str) -> GradeOverride:
    """End an approved override (an approver), or withdraw a pending request (its requester
    or an approver). The grade returns to the computed one."""
    note = _text(note, "请填写撤销理由")
    with transaction.atomic():
        override = _locked(user, override_id)
        if override.state not in OVERRIDE_OPEN_STATES:
            raise GradingRefused(f"该调整{override.get_state_display()}，不能撤销", 409)
        check(user, revoke_action(user, override), "撤销风险等级调整", GradingRefused)
        before = override.state
        was_in_force = override.state == OverrideState.APPROVED
        override.state = OverrideState.REVOKED
        override.ended_by = user
        override.ended_at = timezone.now()
        override.end_note = note
        override.save()
        _record(override, user, note, before)
        if was_in_force:
            engine.run([override.enterprise_id], trigger=f"撤销人工调整（{user.display_name}）")
    return override


def recompute(user, enterprise_id: int):
    """Grade one enterprise now (after correcting its facts, without waiting for the task)."""
    check(user, "grade.recompute", "重新计算风险等级", GradingRefused)
    enterprise = Enterprise.objects.for_user(user).get(pk=enterprise_id)
    return engine.run([enterprise.pk], trigger=f"手动重新计算（{user.display_name}）")
