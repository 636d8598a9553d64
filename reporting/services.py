"""Every change to a safety commitment or a breach goes through here: recording a commitment
(an enterprise's managers, for their own enterprise), withdrawing one before its period begins,
recording a breach (the bureau, towns and grid members, in their scope), revoking a breach
recorded in error (a county administrator or supervisor) and the daily detection of 动态清零
commitments broken by an overdue major hazard. Each stores a CommitmentEvent
(core.events.record); reporting.notifications names the people who hear of it. A refusal
raises CommitmentRefused with the reason in Chinese and the HTTP status an API answers with
(403 role, 409 state, 422 data); nothing changes. An object outside
the user's scope is DoesNotExist (a 404) before any other check answers."""

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from core.inputs import text_problem
from enterprises.models import Enterprise
from reporting.kinds import (
    KINDS,
    MAX_PERIOD_DAYS,
    WORK_TYPES,
    CommitmentKind,
    default_content,
)
from reporting.models import (
    BreachCause,
    CommitmentBreach,
    CommitmentEvent,
    EventAction,
    SafetyCommitment,
)

logger = logging.getLogger(__name__)

# Who may revoke a breach recorded in error: the county's administrators and supervisors (the
# bureau answers for the grade a breach moves). accounts.roles has no action for it yet.


class CommitmentRefused(Refused):
    """A refused action on a commitment or a breach (core.errors.Refused)."""


def available_actions(user, commitment) -> list[str]:
    """What this user may do to this commitment now: withdraw it (its recorders, before its
    period starts) and record a breach of it (while it stands). Pages show these as buttons;
    the services still check each one when taken."""
    actions = []
    if commitment.withdrawn_at is None:
        if can(user, "commitment.record") and commitment.period_start > timezone.localdate():
            actions.append("withdraw")
        if can(user, "commitment.breach"):
            actions.append("breach")
    return actions


def _text(value, message, *, max_length=None) -> str:
    value = (value or "").strip()
    if not value:
        raise CommitmentRefused(message)
    return _clean(value, max_length=max_length)


def _clean(value, *, max_length=None) -> str:
    value = (value or "").strip()
    # Forms and API schemas refuse these first; a service called otherwise still does.
    if problem := text_problem(value, multiline=True):
        raise CommitmentRefused(f"内容{problem}")
    if max_length is not None and len(value) > max_length:
        raise CommitmentRefused(f"内容过长（最多{max_length}个字）")
    return value


def _field_length(model, name) -> int:
    return model._meta.get_field(name).max_length


def _event(commitment, action, actor, note="", breach=None) -> CommitmentEvent:
    """Store the event; reporting.notifications names who hears of it."""
    return events.record(
        CommitmentEvent, commitment=commitment, breach=breach, action=action, actor=actor, note=note
    )


# --- commitments -------------------------------------------------------------------------------


def record(
    user,
    *,
    kind: str,
    committer_name: str,
    period_start: date | None,
    period_end: date | None,
    committer_post: str = "",
    content: str = "",
    signed_on: date | None = None,
    work_type: str = "",
    enterprise_id: int | None = None,
) -> SafetyCommitment:
    """Record a commitment an enterprise has signed, for the manager's own enterprise."""
    check(user, "commitment.record", "登记安全承诺", CommitmentRefused)
    with transaction.atomic():
        # Locked: two recordings of a 动态清零 commitment for the same enterprise are serialized,
        # so the second sees the first when it checks for an overlapping period.
        enterprise = (
            Enterprise.objects.for_user(user)
            .select_for_update()
            .get(pk=enterprise_id if enterprise_id is not None else user.enterprise_id)
        )
        return create(
            enterprise,
            user,
            kind=kind,
            committer_name=committer_name,
            committer_post=committer_post,
            content=content,
            period_start=period_start,
            period_end=period_end,
            signed_on=signed_on,
            work_type=work_type,
        )


def create(
    enterprise: Enterprise,
    actor,
    *,
    kind: str,
    committer_name: str,
    period_start: date | None,
    period_end: date | None,
    committer_post: str = "",
    content: str = "",
    signed_on: date | None = None,
    work_type: str = "",
) -> SafetyCommitment:
    """Validate and store a commitment of `enterprise` recorded by `actor` (None: the platform,
    for the demo). Callers hold the enterprise's row lock (record does)."""
    if kind not in KINDS:
        raise CommitmentRefused("请选择承诺类型")
    work_type = (work_type or "").strip()
    if kind == CommitmentKind.HIGH_RISK_WORK:
        if work_type not in WORK_TYPES:
            raise CommitmentRefused("请选择高风险作业类型")
    elif work_type:
        raise CommitmentRefused("只有高风险作业安全承诺需要选择作业类型")
    committer_name = _text(
        committer_name,
        "请填写承诺人姓名",
        max_length=_field_length(SafetyCommitment, "committer_name"),
    )
    committer_post = _clean(
        committer_post or KINDS[kind].committer_post,
        max_length=_field_length(SafetyCommitment, "committer_post"),
    )
    if not committer_post:
        raise CommitmentRefused("请填写承诺人岗位")
    content = _clean(content) or default_content(kind, work_type)
    today = timezone.localdate()
    if period_start is None or period_end is None:
        raise CommitmentRefused("请填写承诺期的起止日期")
    if period_end < period_start:
        raise CommitmentRefused("承诺期结束日期不能早于开始日期")
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise CommitmentRefused("承诺期最长三年")
    if period_end < today:
        raise CommitmentRefused("承诺期已结束，不能登记")
    signed_on = signed_on or today
    if signed_on > today:
        raise CommitmentRefused("签订日期不能晚于今天")
    if kind == CommitmentKind.ZERO_OUT:
        overlapping = (
            SafetyCommitment.objects.standing()
            .filter(
                enterprise=enterprise,
                kind=CommitmentKind.ZERO_OUT,
                period_start__lte=period_end,
                period_end__gte=period_start,
            )
            .order_by("period_start")
            .first()
        )
        if overlapping is not None:
            raise CommitmentRefused(
                f"该企业已有{overlapping.period_start:%Y-%m-%d}至{overlapping.period_end:%Y-%m-%d}"
                "的主要负责人“动态清零”承诺，承诺期不能重叠",
                409,
            )
    commitment = SafetyCommitment.objects.create(
        enterprise=enterprise,
        kind=kind,
        work_type=work_type if kind == CommitmentKind.HIGH_RISK_WORK else "",
        committer_name=committer_name,
        committer_post=committer_post,
        content=content,
        period_start=period_start,
        period_end=period_end,
        signed_on=signed_on,
        recorded_by=actor,
    )
    _event(
        commitment,
        EventAction.RECORDED,
        actor,
        f"{commitment.title}，{committer_post} {committer_name}，"
        f"{period_start:%Y-%m-%d}至{period_end:%Y-%m-%d}",
    )
    return commitment


def _locked(user, commitment_id) -> SafetyCommitment:
    return (
        SafetyCommitment.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=commitment_id)
    )


def withdraw(user, commitment_id: int, *, reason: str) -> SafetyCommitment:
    """Withdraw a commitment before its period begins (signed in error, or replaced). Once in
    force a commitment stands until it ends: withdrawing it then would escape its breaches."""
    with transaction.atomic():
        commitment = _locked(user, commitment_id)
        check(user, "commitment.record", "撤回安全承诺", CommitmentRefused)
        if commitment.withdrawn_at is not None:
            raise CommitmentRefused("该承诺已撤回", 409)
        if commitment.period_start <= timezone.localdate():
            raise CommitmentRefused(
                f"承诺期已于{commitment.period_start:%Y-%m-%d}开始，不能撤回", 409
            )
        reason = _text(reason, "请填写撤回理由")
        commitment.withdrawn_at = timezone.now()
        commitment.withdrawn_by = user
        commitment.withdraw_reason = reason
        commitment.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        _event(commitment, EventAction.WITHDRAWN, user, reason)
    return commitment


# --- breaches ----------------------------------------------------------------------------------


def record_breach(
    user, commitment_id: int, *, description: str, found_on: date | None = None
) -> CommitmentBreach:
    """A supervisor records a broken commitment found in their scope (a worker breaking a post
    commitment found during an inspection)."""
    with transaction.atomic():
        commitment = _locked(user, commitment_id)
        check(user, "commitment.breach", "记录违反承诺", CommitmentRefused)
        if commitment.withdrawn_at is not None:
            raise CommitmentRefused("该承诺已撤回，不能记录违反承诺", 409)
        description = _text(description, "请填写违反承诺的情形")
        today = timezone.localdate()
        found_on = found_on or today
        if found_on > today:
            raise CommitmentRefused("发现日期不能晚于今天")
        if not commitment.covers(found_on):
            raise CommitmentRefused(
                f"发现日期须在承诺期内（{commitment.period_start:%Y-%m-%d}至"
                f"{commitment.period_end:%Y-%m-%d}）"
            )
        breach = CommitmentBreach.objects.create(
            commitment=commitment,
            enterprise_id=commitment.enterprise_id,
            found_on=found_on,
            cause=BreachCause.REPORTED,
            description=description,
            recorded_by=user,
        )
        _event(commitment, EventAction.BREACH_RECORDED, user, description, breach)
    return breach


def revoke_breach(user, breach_id: int, *, reason: str) -> CommitmentBreach:
    """Revoke a breach recorded in error; it stays on record and no longer counts."""
    with transaction.atomic():
        breach = (
            CommitmentBreach.objects.for_user(user)
            .select_for_update(of=("self",))
            .select_related("commitment", "enterprise")
            .get(pk=breach_id)
        )
        check(user, "commitment.revoke", "撤销违反承诺记录", CommitmentRefused)
        if breach.revoked_at is not None:
            raise CommitmentRefused("该违反承诺记录已撤销", 409)
        reason = _text(reason, "请填写撤销理由")
        breach.revoked_at = timezone.now()
        breach.revoked_by = user
        breach.revoke_reason = reason
        # save(), not update(): the grade follows breaches through their post_save signal.
        breach.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        _event(breach.commitment, EventAction.BREACH_REVOKED, user, reason, breach)
    return breach


def detect_breaches(today: date | None = None) -> int:
    """Find the 动态清零 commitments broken by an overdue major hazard: one breach per
    (commitment, hazard) whose rectification deadline fell within the commitment's period and
    which is now overdue (hazards' own definition: open and past its deadline), found today.
    A withdrawn commitment is not checked. Running it again finds nothing new (and a breach
    revoked as recorded in error stays revoked). Returns how many breaches it created."""
    from hazards.models import Hazard

    today = today or timezone.localdate()
    commitments = SafetyCommitment.objects.standing().filter(
        kind=CommitmentKind.ZERO_OUT, period_start__lt=today
    )
    by_enterprise: dict[int, list[tuple[int, date, date]]] = {}
    for pk, enterprise_id, start, end in commitments.values_list(
        "pk", "enterprise_id", "period_start", "period_end"
    ):
        by_enterprise.setdefault(enterprise_id, []).append((pk, start, end))
    if not by_enterprise:
        return 0
    # Subqueries, not lists of ids: a province holds more enterprises than SQLite takes
    # parameters in one statement.
    # Overdue by the 31 January rule too; a deadline in the period is what links a hazard to a
    # commitment, so one without a deadline breaks none.
    overdue = (
        Hazard.objects.overdue(today)
        .major()
        .filter(deadline__isnull=False, enterprise_id__in=commitments.values("enterprise_id"))
    )
    hazards = list(
        overdue.order_by("deadline", "pk").values_list(
            "pk", "enterprise_id", "deadline", "description"
        )
    )
    existing = set(
        CommitmentBreach.objects.filter(hazard_id__in=overdue.values("pk")).values_list(
            "commitment_id", "hazard_id"
        )
    )
    created = 0
    for hazard_id, enterprise_id, deadline, description in hazards:
        for commitment_id, start, end in by_enterprise[enterprise_id]:
            if not (start <= deadline <= end) or (commitment_id, hazard_id) in existing:
                continue
            created += _detected(commitment_id, hazard_id, deadline, description, today)
    return created


def _detected(commitment_id, hazard_id, deadline, description, today) -> int:
    days = (today - deadline).days
    text = (
        f"重大事故隐患“{description[:60]}”整改期限{deadline:%Y-%m-%d}，"
        f"逾期{days}天未完成整改，违反“动态清零”承诺"
    )
    try:
        with transaction.atomic():
            commitment = SafetyCommitment.objects.select_related("enterprise").get(pk=commitment_id)
            breach = CommitmentBreach.objects.create(
                commitment=commitment,
                enterprise_id=commitment.enterprise_id,
                found_on=today,
                cause=BreachCause.OVERDUE_MAJOR_HAZARD,
                hazard_id=hazard_id,
                description=text,
            )
            _event(commitment, EventAction.BREACH_RECORDED, None, text, breach)
    except IntegrityError:
        # Another run (a second worker) recorded this pair first: the unique constraint
        # keeps one breach per (commitment, hazard).
        logger.info("commitment %s, hazard %s: breach already recorded", commitment_id, hazard_id)
        return 0
    return 1


def period_for_year(year: int) -> tuple[date, date]:
    """A calendar year, the usual period of a 动态清零 commitment."""
    return date(year, 1, 1), date(year + 1, 1, 1) - timedelta(days=1)
