"""Every change to a construction project and to an equipment register goes through here. Each
checks who may act and on what (accounts.roles PERMISSIONS, the scope of
Enterprise.objects.for_user), validates its input, changes the rows inside a transaction and
stores a ProjectEvent (core.events) for each step of a project. A refusal raises
ProjectRefused with the reason in Chinese and the HTTP status (403 role, 404 not found or out
of scope, 409 state, 422 data) and, where one field is at fault, its name; nothing changes.

Projects: the enterprise's managers (and the bureau's or town's supervisors on its behalf)
register a project and record its milestones; the county bureau reviews a metal smelting
project's safety facility design; the bureau's inspectors and the town record construction
found started or built without that review (the flag for a penalty case and a design
diagnosis, seed task 2). The table of steps is projects/transitions.py.

Equipment: the enterprise's managers (or the bureau) keep its register; every saved item is
matched against the catalogue of obsolete processes and equipment (projects.matching)."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.roles import can
from core import documents, events
from core.errors import Refused
from core.gate import check
from core.inputs import date_problem, text_problem
from enterprises.models import Enterprise
from projects import matching
from projects.models import Equipment, EquipmentKind, Project, ProjectEvent
from projects.states import Action, ProjectKind, State
from projects.transitions import TRANSITIONS, refusal

TEXT_LIMITS = {
    "name": 200,
    "description": 5_000,
    "designer": 200,
    "reviewers": 200,
    "note": 2_000,
    "model": 100,
    "process": 200,
}
MULTILINE = {"description", "note"}
MAX_QUANTITY = 100_000
EARLIEST_YEAR = 1949


class ProjectRefused(Refused):
    """A refused change (core.errors.Refused); `field` names the input at fault, if one is."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


# --- validation --------------------------------------------------------------------------------


def _text(value: Any, name: str, label: str, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        raise ProjectRefused(f"{label}应为文字", field=name)
    value = value.replace("\r\n", "\n").strip()
    if problem := text_problem(value, multiline=name in MULTILINE):
        raise ProjectRefused(f"{label}{problem}", field=name)
    if required and not value:
        raise ProjectRefused(f"请填写{label}", field=name)
    if len(value) > TEXT_LIMITS[name]:
        raise ProjectRefused(f"{label}不能超过 {TEXT_LIMITS[name]} 字", field=name)
    return value


def _date(value: Any, name: str, label: str, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise ProjectRefused(f"请填写{label}", field=name)
        return None
    if not isinstance(value, date):
        raise ProjectRefused(f"{label}应为日期", field=name)
    if problem := date_problem(value):
        raise ProjectRefused(f"{label}{problem}", field=name)
    return value


def _past(value: date, name: str, label: str) -> date:
    if value > timezone.localdate():
        raise ProjectRefused(f"{label}不能晚于今天", field=name)
    return value


def _enterprise(user, enterprise_id: Any) -> Enterprise:
    if enterprise_id in (None, "") and user.enterprise_id:
        enterprise_id = user.enterprise_id
    if enterprise_id in (None, ""):
        raise ProjectRefused("请选择企业", field="enterprise")
    if isinstance(enterprise_id, bool) or not isinstance(enterprise_id, int):
        raise ProjectRefused("企业应以编号表示", field="enterprise")
    if not 0 < enterprise_id < 2**63:
        raise ProjectRefused("企业不存在", 404, field="enterprise")
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise ProjectRefused("企业不存在", 404, field="enterprise")
    return enterprise


# What a step's document may be: a PDF, a Word file or a picture of the paper, up to 20 MB.
DOCUMENT_KINDS = ("pdf", "docx", "jpg", "png")


def _document(upload, required: bool, label: str):
    if upload is None:
        if required:
            raise ProjectRefused(f"请上传{label}", field="document")
        return None
    if problem := documents.problem(upload, kinds=DOCUMENT_KINDS, max_megabytes=20):
        raise ProjectRefused(problem, field="document")
    return upload


# --- projects ----------------------------------------------------------------------------------

PROJECT_FIELDS = (
    "enterprise_id",
    "name",
    "kind",
    "is_metal_smelting",
    "description",
    "planned_start",
    "planned_completion",
)


def register(user, data: dict) -> Project:
    """Register a construction project of an enterprise in the user's scope (an enterprise's
    managers: their own)."""
    check(user, "project.record", "登记建设项目", ProjectRefused)
    unknown = set(data) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    enterprise = _enterprise(user, data.get("enterprise_id"))
    kind = data.get("kind")
    if kind not in ProjectKind.values:
        raise ProjectRefused("请选择建设性质：新建、改建或扩建", field="kind")
    metal = data.get("is_metal_smelting", False)
    if not isinstance(metal, bool):
        raise ProjectRefused("金属冶炼建设项目应为是或否", field="is_metal_smelting")
    start = _date(data.get("planned_start"), "planned_start", "计划开工日期")
    completion = _date(data.get("planned_completion"), "planned_completion", "计划竣工日期")
    if start and completion and completion < start:
        raise ProjectRefused("计划竣工日期不能早于计划开工日期", field="planned_completion")
    values = {
        "name": _text(data.get("name"), "name", "项目名称", required=True),
        "description": _text(data.get("description"), "description", "建设内容"),
    }
    with transaction.atomic():
        project = Project.objects.create(
            enterprise=enterprise,
            kind=kind,
            is_metal_smelting=metal,
            planned_start=start,
            planned_completion=completion,
            recorded_by=user,
            **values,
        )
        _event(project, Action.REGISTER, user, "", data={"metal_smelting": metal})
    return project


def _event(project, action, actor, from_state, note="", on=None, document=None, data=None):
    fields: dict[str, Any] = {}
    if document is not None:
        fields["document"] = document
        fields["document_name"] = (getattr(document, "name", "") or "")[:200]
    return events.record(
        ProjectEvent,
        project=project,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=project.state,
        note=note,
        on=on,
        payload=data or {},
        **fields,
    )


def available_actions(user, project: Project) -> list[str]:
    """The steps this user may take on this project (one they can see) now: the pages'
    buttons."""
    return [
        name
        for name, transition in TRANSITIONS.items()
        if can(user, transition.permission) and refusal(name, project) is None
    ]


def _locked(user, project_id) -> Project:
    project = (
        Project.objects.for_user(user)
        .select_for_update(of=("self",))
        .filter(pk=getattr(project_id, "pk", project_id))
        .first()
    )
    if project is None:
        raise ProjectRefused("建设项目不存在", 404)
    return project


def act(
    user,
    project_id,
    name: str,
    *,
    on: date | None = None,
    document=None,
    designer: str = "",
    reviewers: str = "",
    note: str = "",
    built: bool = False,
) -> Project:
    """Take one step of the transition table on a project: `on` the day it took place,
    `document` its file (required where the table says), `designer` for the design, `reviewers`
    for an approved review, `note` (required for a refused review and for construction without
    review), `built` for construction found already completed."""
    if name not in TRANSITIONS:
        raise ProjectRefused("未知的操作", 404)
    transition = TRANSITIONS[name]
    with transaction.atomic():
        project = _locked(user, project_id)
        check(user, transition.permission, transition.label, ProjectRefused)
        if reason := refusal(name, project):
            raise ProjectRefused(reason, 409)
        day = _past(_date(on, "on", "日期", required=True), "on", "日期")  # type: ignore[arg-type]
        note = _text(note, "note", "说明")
        document = _document(document, transition.document, "相关文件")
        previous = project.state
        data: dict[str, Any] = {}
        if name == "design":
            project.designer = _text(designer, "designer", "设计单位", required=True)
            project.designed_on = day
            data["designer"] = project.designer
        elif name == "submit_review":
            project.review_submitted_on = day
        elif name == "approve_review":
            project.reviewers = _text(reviewers, "reviewers", "审查人员", required=True)
            project.reviewed_on = day
            data["reviewers"] = project.reviewers
        elif name == "reject_review":
            if not note:
                raise ProjectRefused("设计审查不通过须写明理由", field="note")
        elif name == "start_construction":
            project.construction_started_on = day
        elif name == "commission":
            if project.construction_started_on and day < project.construction_started_on:
                raise ProjectRefused("竣工验收日期不能早于开工日期", field="on")
            project.commissioned_on = day
        elif name == "report_unreviewed":
            if not note:
                raise ProjectRefused("请写明发现的情况（开工或建成的时间、部位）", field="note")
            if not isinstance(built, bool):
                raise ProjectRefused("是否已建成应为是或否", field="built")
            project.unreviewed_construction = True
            project.flagged_at = timezone.now()
            project.construction_started_on = project.construction_started_on or day
            if built:
                project.commissioned_on = project.commissioned_on or day
            data["built"] = built
        elif name == "diagnose":
            project.diagnosed_on = day
        if name == "report_unreviewed":
            project.state = State.COMMISSIONED if built else State.CONSTRUCTING
        elif transition.target is not None:
            project.state = transition.target
        project.save()
        _event(project, name, user, previous, note=note, on=day, document=document, data=data)
    return project


# --- equipment ---------------------------------------------------------------------------------

EQUIPMENT_FIELDS = (
    "enterprise_id",
    "name",
    "model",
    "kind",
    "quantity",
    "year",
    "process",
    "in_use",
)


def clean_equipment(values: dict) -> dict:
    """One item's values checked (the page, the API and each row of an import alike), without
    the enterprise."""
    kind = values.get("kind")
    if kind not in EquipmentKind.values:
        raise ProjectRefused("请选择类别：生产设备、特种设备、安全设施或生产工艺", field="kind")
    quantity = values.get("quantity", 1)
    if quantity in (None, ""):
        quantity = 1
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ProjectRefused("数量应为整数", field="quantity")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ProjectRefused(f"数量应在 1 到 {MAX_QUANTITY} 之间", field="quantity")
    year = values.get("year")
    if year in ("",):
        year = None
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int):
            raise ProjectRefused("投用年份应为四位数年份", field="year")
        if not EARLIEST_YEAR <= year <= timezone.localdate().year:
            raise ProjectRefused(f"投用年份应在 {EARLIEST_YEAR} 年到今年之间", field="year")
    in_use = values.get("in_use", True)
    if not isinstance(in_use, bool):
        raise ProjectRefused("是否在用应为是或否", field="in_use")
    return {
        "name": _text(values.get("name"), "name", "设备（工艺）名称", required=True),
        "model": _text(values.get("model"), "model", "规格型号"),
        "kind": kind,
        "quantity": quantity,
        "year": year,
        "process": _text(values.get("process"), "process", "所属工艺"),
        "in_use": in_use,
    }


def record_equipment(user, data: dict) -> Equipment:
    """Add an item to an enterprise's register and match it against the catalogue: a match
    raises a hazard (projects.matching)."""
    check(user, "equipment.record", "登记设备", ProjectRefused)
    unknown = set(data) - set(EQUIPMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown equipment fields: {sorted(unknown)}")
    enterprise = _enterprise(user, data.get("enterprise_id"))
    values = clean_equipment(data)
    with transaction.atomic():
        item = Equipment.objects.create(enterprise=enterprise, recorded_by=user, **values)
        matching.match_items([item])
    return item


def update_equipment(user, item_id, data: dict) -> Equipment:
    """Change an item of the register (all its fields but the enterprise) and match it again."""
    check(user, "equipment.record", "修改设备台账", ProjectRefused)
    unknown = set(data) - set(EQUIPMENT_FIELDS) - {"enterprise_id"}
    if unknown:
        raise TypeError(f"unknown equipment fields: {sorted(unknown)}")
    with transaction.atomic():
        item = (
            Equipment.objects.for_user(user)
            .select_for_update(of=("self",))
            .filter(pk=getattr(item_id, "pk", item_id))
            .first()
        )
        if item is None:
            raise ProjectRefused("设备不存在", 404)
        current = {
            name: getattr(item, name) for name in EQUIPMENT_FIELDS if name != "enterprise_id"
        }
        current.update({k: v for k, v in data.items() if k != "enterprise_id"})
        for name, value in clean_equipment(current).items():
            setattr(item, name, value)
        item.save()
        matching.match_items([item])
    return item


def import_equipment(user, enterprise_id, rows: list[dict]) -> list[Equipment]:
    """Add checked rows (projects.spreadsheet) to an enterprise's register in one transaction,
    and match them (bulk_create returns the keys on PostgreSQL and SQLite 3.35+)."""
    check(user, "equipment.record", "导入设备台账", ProjectRefused)
    enterprise = _enterprise(user, enterprise_id)
    with transaction.atomic():
        items = Equipment.objects.bulk_create(
            [Equipment(enterprise=enterprise, recorded_by=user, **row) for row in rows]
        )
        matching.match_items(items)
    return items
