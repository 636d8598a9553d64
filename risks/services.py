"""Every change to an enterprise's risk register goes through here: a unit, a point, a risk
with its first assessment, a re-assessment, a control measure added or withdrawn, a unit placed
on the site plan. Each checks who may act ("risk.edit": the enterprise's principal and safety
officers) and on what (the enterprise in the user's scope), validates, changes the register
inside a transaction and stores a RiskEvent (core.events.record). A refusal raises RiskRefused
with the reason in Chinese, the HTTP status (403 role, 404 not found, 409 state, 422 data) and,
where one field is at fault, its name; nothing changes.

The level and colour of a risk are computed from the assessment's factors
(risks.reference.band_for): a factor outside its method's table is refused. A control measure
must name its owner, and its control level must be the one the risk's colour requires or above
(risks.reference.REQUIRED_CONTROL): a measure set below it is refused. A re-assessment to a
worse colour can leave older measures below the new requirement: they are kept and flagged
(Measure.meets_requirement), and grading counts a red risk without an active company-level
measure."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from accidents.reference import CATEGORY_SERIAL
from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from core.inputs import text_problem
from enterprises.models import Enterprise
from hazards import services as hazard_services
from risks.models import (
    Assessment,
    CheckResult,
    CheckTask,
    EventAction,
    Measure,
    Risk,
    RiskEvent,
    RiskPoint,
    RiskUnit,
    SitePlan,
    rank_of,
)
from risks.reference import (
    FACTOR_LABELS,
    FACTORS,
    Colour,
    ControlLevel,
    FactorKind,
    MeasureKind,
    Method,
    UnitKind,
    band_for,
    meets,
    required_label,
)


class RiskRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


TEXT_LIMITS = {
    "name": 100,
    "description": 500,
    "location": 200,
    "emergency_steps": 2000,
    "note": 500,
    "owner_name": 50,
    "reason": 500,
}
MULTILINE = {"emergency_steps"}
MAX_ID = 2**63 - 1


# --- validation --------------------------------------------------------------------------------


def _text(value: Any, name: str, label: str, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        raise RiskRefused(f"{label}应为文字", field=name)
    value = value.replace("\r\n", "\n").strip()
    if problem := text_problem(value, multiline=name in MULTILINE):
        raise RiskRefused(f"{label}{problem}", field=name)
    if required and not value:
        raise RiskRefused(f"请填写{label}", field=name)
    limit = TEXT_LIMITS[name]
    if len(value) > limit:
        raise RiskRefused(f"{label}不能超过 {limit} 字", field=name)
    return value


def _choice(value: Any, choices: Any, name: str, message: str) -> str:
    if not isinstance(value, str) or value not in choices.values:
        raise RiskRefused(message, field=name)
    return value


def _id(value: Any, label: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise RiskRefused(f"{label}不存在", 404, field=field)
    return value


def _factor(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _show(value: Decimal) -> str:
    if not -6 <= value.adjusted() <= 6:  # "1e999999" is not written out in full
        return str(value)[:20]
    return format(value.normalize(), "f")


def compute(method: Any, factors: dict) -> dict:
    """The assessment's values from its method and factors: each factor checked against its
    table, the score, the danger class and the colour. RiskRefused names the factor at fault."""
    method = _choice(method, Method, "method", "请选择评价方法：LEC 或 LS")
    tables = FACTORS[Method(method)]
    values: dict[str, Decimal] = {}
    for key, table in tables.items():
        label = FACTOR_LABELS[key]
        raw = factors.get(key)
        number = _factor(raw)
        allowed = "、".join(_show(v) for v in table)
        if number is None:
            raise RiskRefused(f"请填写{label}，可取 {allowed}", field=key)
        if number not in table:
            raise RiskRefused(
                f"{Method(method).label}的{label}只能取 {allowed}，不能取 {_show(number)}",
                field=key,
            )
        values[key] = number
    extra = [key for key in ("l", "e", "c", "s") if key not in tables and factors.get(key)]
    if extra:
        labels = "、".join(FACTOR_LABELS[k] for k in extra)
        raise RiskRefused(f"{Method(method).label}不使用{labels}", field=extra[0])
    score = Decimal(1)
    for number in values.values():
        score *= number
    band = band_for(method, score)
    return {
        "method": method,
        "l_value": values["l"],
        "e_value": values.get("e"),
        "c_value": values.get("c"),
        "s_value": values.get("s"),
        "score": score,
        "danger_class": band.danger_class,
        "colour": band.colour,
    }


# --- lookups -----------------------------------------------------------------------------------


def _enterprise(user: Any, enterprise_id: Any) -> Enterprise:
    pk = _id(enterprise_id, "企业", "enterprise")
    enterprise = Enterprise.objects.for_user(user).filter(pk=pk).first()
    if enterprise is None:
        raise RiskRefused("企业不存在", 404, field="enterprise")
    return enterprise


def _get(model: Any, user: Any, pk: Any, label: str, lock: bool = False) -> Any:
    pk = _id(getattr(pk, "pk", pk), label, "")
    queryset = model.objects.for_user(user)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise RiskRefused(f"{label}不存在", 404)
    return found


def _authorize(user: Any) -> None:
    check(user, "risk.edit", "维护风险分级管控台账", RiskRefused)


def _event(enterprise: Enterprise, action: str, actor: Any, risk: Risk | None = None, **kw: Any):
    return events.record(
        RiskEvent, enterprise=enterprise, risk=risk, action=action, actor=actor, **kw
    )


# --- changes -----------------------------------------------------------------------------------


def add_unit(
    user: Any, enterprise_id: Any, *, name: Any, kind: Any, description: Any = ""
) -> RiskUnit:
    _authorize(user)
    enterprise = _enterprise(user, enterprise_id)
    name = _text(name, "name", "风险单元名称", required=True)
    kind = _choice(kind, UnitKind, "kind", "请选择单元类型：车间、装置设施或岗位")
    description = _text(description, "description", "说明")
    with transaction.atomic():
        if RiskUnit.objects.filter(enterprise=enterprise, name=name).exists():
            raise RiskRefused(f"本企业已有名为“{name}”的风险单元", 409, field="name")
        unit = RiskUnit.objects.create(
            enterprise=enterprise, name=name, kind=kind, description=description, created_by=user
        )
        _event(enterprise, EventAction.UNIT_ADDED, user, note=str(unit))
    return unit


def add_point(user: Any, unit_id: Any, *, name: Any, location: Any = "") -> RiskPoint:
    _authorize(user)
    name = _text(name, "name", "风险点名称", required=True)
    location = _text(location, "location", "位置")
    with transaction.atomic():
        unit = _get(RiskUnit, user, unit_id, "风险单元", lock=True)
        if unit.points.filter(name=name).exists():
            raise RiskRefused(f"该风险单元已有名为“{name}”的风险点", 409, field="name")
        point = RiskPoint.objects.create(
            enterprise_id=unit.enterprise_id, unit=unit, name=name, location=location
        )
        _event(unit.enterprise, EventAction.POINT_ADDED, user, note=f"{unit.name} / {name}")
    return point


def _store_assessment(user: Any, risk: Risk, values: dict, note: str) -> Assessment:
    assessment = Assessment.objects.create(risk=risk, assessed_by=user, note=note, **values)
    risk.current = assessment
    risk.colour = assessment.colour
    risk.rank = rank_of(assessment.colour)
    return assessment


def add_risk(
    user: Any,
    point_id: Any,
    *,
    factor_kind: Any,
    accident_type: Any,
    description: Any,
    emergency_steps: Any = "",
    method: Any,
    factors: dict,
    note: Any = "",
) -> Risk:
    """A hazard factor identified at a risk point, with its first assessment."""
    _authorize(user)
    factor_kind = _choice(factor_kind, FactorKind, "factor_kind", "请选择危险有害因素类别")
    if not isinstance(accident_type, str) or accident_type not in CATEGORY_SERIAL:
        raise RiskRefused("请选择可能导致的事故类型（GB 6441-1986）", field="accident_type")
    description = _text(description, "description", "危险有害因素描述", required=True)
    emergency_steps = _text(emergency_steps, "emergency_steps", "应急处置措施")
    note = _text(note, "note", "评估说明")
    values = compute(method, factors)
    with transaction.atomic():
        point = _get(RiskPoint, user, point_id, "风险点", lock=True)
        risk = Risk(
            enterprise_id=point.enterprise_id,
            point=point,
            factor_kind=factor_kind,
            accident_type=accident_type,
            description=description,
            emergency_steps=emergency_steps,
            colour=values["colour"],
            rank=rank_of(values["colour"]),
            created_by=user,
        )
        risk.save()
        _store_assessment(user, risk, values, note)
        risk.save(update_fields=["current", "colour", "rank"])
        _event(
            point.enterprise,
            EventAction.RISK_ADDED,
            user,
            risk=risk,
            to_state=risk.colour,
            note=description,
            payload={"score": str(values["score"]), "method": values["method"]},
        )
    return risk


def assess(user: Any, risk_id: Any, *, method: Any, factors: dict, note: Any = "") -> Assessment:
    """A re-assessment: a new row; the risk points at it and takes its colour. The earlier ones
    stay as its history."""
    _authorize(user)
    note = _text(note, "note", "评估说明")
    values = compute(method, factors)
    with transaction.atomic():
        risk = _get(Risk, user, risk_id, "风险", lock=True)
        if risk.retired_at is not None:
            raise RiskRefused("该风险已撤销，不能再评估", 409)
        before = risk.colour
        assessment = _store_assessment(user, risk, values, note)
        risk.save(update_fields=["current", "colour", "rank"])
        below = [
            m.description
            for m in risk.measures.filter(withdrawn_at__isnull=True)
            if not meets(m.control_level, risk.colour)
        ]
        _event(
            risk.enterprise,
            EventAction.ASSESSED,
            user,
            risk=risk,
            from_state=before,
            to_state=risk.colour,
            note=note or risk.description,
            payload={
                "score": str(values["score"]),
                "method": values["method"],
                "measures_below_required": below,
            },
        )
    return assessment


def add_measure(
    user: Any,
    risk_id: Any,
    *,
    kind: Any,
    description: Any,
    control_level: Any,
    owner_name: Any,
) -> Measure:
    """A control measure of a risk, at the control level its colour requires or above, with a
    named owner."""
    _authorize(user)
    kind = _choice(
        kind,
        MeasureKind,
        "kind",
        "请选择措施类别：工程技术、管理措施、培训教育、个体防护或应急处置",
    )
    description = _text(description, "description", "管控措施", required=True)
    control_level = _choice(
        control_level,
        ControlLevel,
        "control_level",
        "请选择管控层级：公司级、车间级、班组级或岗位级",
    )
    owner_name = _text(owner_name, "owner_name", "管控责任人", required=True)
    with transaction.atomic():
        risk = _get(Risk, user, risk_id, "风险", lock=True)
        if risk.retired_at is not None:
            raise RiskRefused("该风险已撤销，不能再增加管控措施", 409)
        if not meets(control_level, risk.colour):
            raise RiskRefused(
                f"{Colour(risk.colour).label}风险应由{required_label(risk.colour)}"
                f"{'' if risk.colour in (Colour.RED, Colour.ORANGE) else '或以上层级'}管控，"
                f"不能设为{ControlLevel(control_level).label}",
                field="control_level",
            )
        measure = Measure.objects.create(
            enterprise_id=risk.enterprise_id,
            risk=risk,
            kind=kind,
            description=description,
            control_level=control_level,
            owner_name=owner_name,
            created_by=user,
        )
        _event(
            risk.enterprise,
            EventAction.MEASURE_ADDED,
            user,
            risk=risk,
            note=description,
            payload={"control_level": control_level, "owner": owner_name},
        )
    return measure


def withdraw_measure(user: Any, measure_id: Any, *, reason: Any) -> Measure:
    _authorize(user)
    reason = _text(reason, "reason", "撤销原因", required=True)
    with transaction.atomic():
        measure = _get(Measure, user, measure_id, "管控措施", lock=True)
        if measure.withdrawn_at is not None:
            raise RiskRefused("该管控措施已撤销", 409)
        measure.withdrawn_at = timezone.now()
        measure.withdraw_reason = reason
        measure.save(update_fields=["withdrawn_at", "withdraw_reason"])
        _event(
            measure.enterprise,
            EventAction.MEASURE_WITHDRAWN,
            user,
            risk=measure.risk,
            note=reason,
            payload={"measure": measure.description},
        )
    return measure


def answer_check(
    user: Any, task_id: Any, *, result: Any, note: Any = "", photo: Any = None
) -> CheckTask:
    """Answer a routine check within its period: the measure is in place, or not; not in place
    (with what was found) becomes a hazard in the ledger, found by self-inspection (an
    employee's: reported as an employee, the sources PERMISSIONS gives them), linked to the
    task. A missed check (past its due day) is not answered afterwards."""
    check(user, "risk.check", "填报排查结果", RiskRefused)
    if result not in (CheckResult.IN_PLACE, CheckResult.NOT_IN_PLACE):
        raise RiskRefused("请选择排查结果：措施落实到位或措施未落实", field="result")
    note = _text(note, "note", "说明", required=result == CheckResult.NOT_IN_PLACE)
    today = timezone.localdate()
    with transaction.atomic():
        task = _get(CheckTask, user, task_id, "排查任务", lock=True)
        if task.result != CheckResult.PENDING:
            raise RiskRefused("该排查任务已填报", 409)
        if task.due_on < today:
            raise RiskRefused(f"该排查任务应于 {task.due_on:%Y-%m-%d} 前完成，已计为漏检", 409)
        if task.period_start > today:
            raise RiskRefused("该排查任务的周期尚未开始", 409)
        measure = Measure.objects.select_related("risk", "risk__point", "risk__point__unit").get(
            pk=task.measure_id
        )
        risk = measure.risk
        task.result = result
        task.note = note
        task.answered_by = user
        task.answered_at = timezone.now()
        if photo is not None:
            task.photo = photo
        if result == CheckResult.NOT_IN_PLACE:
            source = (
                "self_inspection"
                if can(user, "hazard.source.self_inspection")
                else "employee_report"
            )
            try:
                task.hazard = hazard_services.report(
                    user,
                    task.enterprise_id,
                    source=source,
                    description=f"管控措施未落实：{measure.description}（{note}）",
                    place=f"{risk.point.unit.name} / {risk.point.name}",
                )
            except hazard_services.TransitionRefused as exc:
                raise RiskRefused(str(exc), exc.status) from None
        task.save()
        _event(
            task.enterprise,
            EventAction.CHECKED,
            user,
            risk=risk,
            to_state=result,
            note=note or measure.description,
            payload={"task": task.pk, "hazard": task.hazard_id},
        )
    return task


def upload_site_plan(user: Any, enterprise_id: Any, *, image: Any) -> SitePlan:
    """The enterprise's site plan image (a checked image: the form's ImageField), replacing
    any earlier one."""
    _authorize(user)
    if image is None:
        raise RiskRefused("请选择平面图图片", field="image")
    with transaction.atomic():
        enterprise = _enterprise(user, enterprise_id)
        plan = SitePlan.objects.filter(enterprise=enterprise).first() or SitePlan(
            enterprise=enterprise
        )
        plan.image = image
        plan.uploaded_by = user
        plan.save()
        _event(enterprise, EventAction.PLAN_UPLOADED, user)
    return plan


def _percent(value: Any, label: str, field: str) -> Decimal:
    number = _factor(value)
    if number is None or not Decimal(0) <= number <= Decimal(100):
        raise RiskRefused(f"{label}应在 0 到 100 之间", field=field)
    return number.quantize(Decimal("0.01"))


def place_unit(user: Any, unit_id: Any, *, x: Any, y: Any) -> RiskUnit:
    """Mark a unit on its enterprise's site plan, at x, y per cent of the width and height."""
    _authorize(user)
    x = _percent(x, "横坐标", "x")
    y = _percent(y, "纵坐标", "y")
    with transaction.atomic():
        unit = _get(RiskUnit, user, unit_id, "风险单元", lock=True)
        if not SitePlan.objects.filter(enterprise_id=unit.enterprise_id).exists():
            raise RiskRefused("请先上传企业平面图", 409)
        unit.plan_x, unit.plan_y = x, y
        unit.save(update_fields=["plan_x", "plan_y"])
        _event(
            unit.enterprise,
            EventAction.PLACED,
            user,
            note=unit.name,
            payload={"x": str(x), "y": str(y)},
        )
    return unit


def available_actions(user: Any, enterprise: Enterprise) -> set[str]:
    """What the user may do to this enterprise's register (one they can see): "edit"."""
    try:
        _authorize(user)
    except RiskRefused:
        return set()
    return {"edit"}
