"""Penalty cases: filing (立案) and moving a case along its states, each step recorded as a
PenaltyEvent. A refusal raises `Refused` (core.errors); nothing changes."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from core.models import Jurisdiction
from enforcement.areas import area_for
from enforcement.inspections import numbering
from enforcement.models import (
    DocumentKind,
    Inspection,
    InspectionState,
    Penalty,
    PenaltyEvent,
    PenaltyState,
)
from enterprises.models import Enterprise

# --- penalties ----------------------------------------------------------------------------------

# What moves a case on from each state, and who it waits for (the procedure of 《行政处罚法》:
# 告知 第四十四条, 决定 第五十七条, 履行 第六十七条, 结案): {state: (action, who)}. "{officer}" is
# the case's handler, "{enterprise}" the party. A closed case has no next step.
NEXT_STEP = {
    "filed": ("告知当事人拟作出的处罚及其陈述、申辩权利", "执法人员（承办人 {officer}）"),
    "notified": ("作出处罚决定", "执法人员（承办人 {officer}）"),
    "decided": ("履行处罚决定（缴纳罚款）", "当事企业（{enterprise}）"),
    "executed": ("结案", "执法人员（承办人 {officer}）"),
}
# 《行政处罚法》第六十七条第三款: the party pays within fifteen days of receiving the decision.
PAYMENT_DAYS = 15


def next_step(penalty) -> tuple[str, str] | None:
    """("作出处罚决定", "执法人员（承办人 张三）"); None once the case is closed."""
    step = NEXT_STEP.get(penalty.state_id)
    if step is None:
        return None
    action, who = step
    return action, who.format(
        officer=penalty.created_by.display_name, enterprise=penalty.enterprise.name
    )


def penalty_actions(user, penalty) -> list[str]:
    """What this user may do to this case now: move it to one of its next states ("advance",
    penalty.manage) unless it is closed. Pages show these as buttons; the service still checks
    the move."""
    if can(user, "penalty.manage") and penalty.state.next_states:
        return ["advance"]
    return []


def _case_number(area: Jurisdiction, year: int, serial: int) -> str:
    return numbering.format_number(area, DocumentKind.PENALTY, year, serial)


def file_penalty(
    user,
    enterprise_id,
    violation: str,
    legal_basis: str,
    amount=0,
    filed_on=None,
    inspection_id=None,
) -> Penalty:
    """Open a case (立案), numbered per year and area (enforcement.inspections.numbering),
    optionally from an inspection of the same enterprise (the case's source)."""
    check(user, "penalty.manage", "办理行政处罚")
    area = area_for(user)
    violation = (violation or "").strip()
    legal_basis = (legal_basis or "").strip()
    if not violation:
        raise Refused("请填写违法事实")
    if not legal_basis:
        raise Refused("请填写处罚依据，例如《安全生产法》第九十九条")
    if len(violation) > 5000 or len(legal_basis) > 2000:
        raise Refused("违法事实或处罚依据过长")
    try:
        amount = Decimal(str(amount if amount not in (None, "") else 0))
    except ArithmeticError:
        raise Refused("罚款金额应为数字") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise Refused("罚款金额应在 0 至 9,999,999,999.99 元之间")
    amount = amount.quantize(Decimal("0.01"))
    filed_on = filed_on or timezone.localdate()
    if filed_on > timezone.localdate():
        raise Refused("立案日期不能晚于今天")
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Refused("企业不存在", 404)
    inspection = None
    if inspection_id:
        inspection = Inspection.objects.for_user(user).filter(pk=inspection_id).first()
        if inspection is None:
            raise Refused("执法检查不存在", 404)
        if inspection.enterprise_id != enterprise.pk:
            raise Refused("所选检查的被检查企业与当事企业不一致")
        if inspection.state != InspectionState.COMPLETED:
            raise Refused("检查尚未完成，不能据此立案", 409)
    year = filed_on.year

    def used():
        found = Penalty.objects.filter(jurisdiction=area, year=year).aggregate(m=Max("serial"))
        return found["m"] or 0

    with transaction.atomic():
        serial, number = numbering.allocate(area, DocumentKind.PENALTY, year, floor=used)
        penalty = Penalty.objects.create(
            enterprise=enterprise,
            jurisdiction=area,
            year=year,
            serial=serial,
            case_number=number,
            violation=violation,
            legal_basis=legal_basis,
            amount=amount,
            state_id="filed",
            filed_on=filed_on,
            inspection=inspection,
            created_by=user,
        )
        events.record(PenaltyEvent, penalty=penalty, to_state="filed", actor=user)
    return penalty


def advance_penalty(user, penalty_id, to_state: str, note: str = "", decided_on=None, amount=None):
    """Move a case along the state table (PenaltyState.next_states)."""
    check(user, "penalty.manage", "办理行政处罚")
    target = PenaltyState.objects.filter(code=to_state).first()
    if target is None:
        raise Refused("目标状态无效")
    with transaction.atomic():
        penalty = (
            Penalty.objects.for_user(user)
            .select_for_update(of=("self",))
            .select_related("state")
            .filter(pk=penalty_id)
            .first()
        )
        if penalty is None:
            raise Refused("处罚案件不存在", 404)
        if to_state not in penalty.state.next_states:
            raise Refused(f"案件当前为“{penalty.state.name}”，不能转为“{target.name}”", 409)
        before = penalty.state_id
        today = timezone.localdate()
        if to_state == "decided":
            decided_on = decided_on or today
            if decided_on > today or decided_on < penalty.filed_on:
                raise Refused("决定日期应在立案日期与今天之间")
            penalty.decided_on = decided_on
            if amount not in (None, ""):
                try:
                    value = Decimal(str(amount)).quantize(Decimal("0.01"))
                except ArithmeticError:
                    raise Refused("罚款金额应为数字") from None
                if value < 0 or value >= Decimal("1e10"):
                    raise Refused("罚款金额应在 0 至 9,999,999,999.99 元之间")
                penalty.amount = value
        if target.is_final:
            penalty.closed_on = today
        penalty.state = target
        penalty.save()
        events.record(
            PenaltyEvent,
            penalty=penalty,
            from_state=before,
            to_state=to_state,
            actor=user,
            note=note[:300],
        )
    return penalty
