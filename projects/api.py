"""/api/v1/projects: construction projects (三同时) listed and read in the user's scope,
registered, and moved step by step (one operation per step of projects.transitions, with its
document as multipart/form-data); /api/v1/projects/equipment: the equipment register, listed and
added to (each item matched against the catalogue of obsolete processes and equipment). The same
services and scoping as the pages: a role without the action gets a 403; a project, an item or
an enterprise out of scope is a 404; a refusal answers its status (403, 404, 409, 422) with the
Chinese reason and, where one field is at fault, `errors` naming it."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import require
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDate, Text, column_line
from projects import services
from projects.forms import ProjectFilterForm
from projects.models import Equipment, Project
from projects.services import MAX_QUANTITY, TEXT_LIMITS, ProjectRefused
from projects.transitions import TRANSITIONS

router = Router(tags=["三同时与淘汰落后"])

MAX_ID = 2**63 - 1


class ProjectEventOut(Schema):
    action: str
    action_label: str
    actor: str | None = Field(None, alias="actor.display_name")
    at: datetime
    on: date | None
    note: str
    from_state: str
    to_state: str
    document: str | None = Field(None, description="文件下载地址")

    @staticmethod
    def resolve_action_label(obj):
        return obj.get_action_display()

    @staticmethod
    def resolve_document(obj):
        return f"/projects/documents/{obj.pk}/" if obj.document else None


class ProjectOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    name: str
    kind: str = Field(description="new 新建 / rebuild 改建 / expand 扩建")
    is_metal_smelting: bool
    description: str
    planned_start: date | None
    planned_completion: date | None
    state: str
    state_label: str
    designed_on: date | None
    designer: str
    review_submitted_on: date | None
    reviewed_on: date | None
    reviewers: str
    construction_started_on: date | None
    commissioned_on: date | None
    unreviewed_construction: bool = Field(description="未经审查擅自建设（立案处罚、设计诊断）")
    flagged_at: datetime | None
    diagnosed_on: date | None
    created_at: datetime

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()


class ProjectDetailOut(ProjectOut):
    events: list[ProjectEventOut]
    actions: list[str] = Field(description="当前用户现在可进行的步骤")

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_actions(obj, context):
        return services.available_actions(context["request"].user, obj)


class ProjectFilters(Schema):
    q: str | None = Field(None, description="项目或企业名称")
    state: str | None = None
    metal: bool | None = None
    flagged: bool | None = None
    enterprise: Int64 | None = None


class ProjectIn(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业用户可不填")
    name: Line(TEXT_LIMITS["name"])
    kind: column_line(Project, "kind")
    is_metal_smelting: bool = False
    description: Text(TEXT_LIMITS["description"]) = ""
    planned_start: PlausibleDate | None = None
    planned_completion: PlausibleDate | None = None


class StepIn(Schema):
    on: PlausibleDate | None = Field(None, description="日期（必填，不晚于今天）")
    designer: Line(TEXT_LIMITS["designer"]) = ""
    reviewers: Line(TEXT_LIMITS["reviewers"]) = ""
    note: Text(TEXT_LIMITS["note"]) = ""
    built: bool = False


class EquipmentOut(Schema):
    id: int
    enterprise_id: int
    name: str
    model: str
    kind: str
    quantity: int
    year: int | None
    process: str
    in_use: bool
    obsolete: list[dict] = Field(description="匹配的淘汰落后工艺设备目录条目及所登记的隐患")

    @staticmethod
    def resolve_obsolete(obj):
        return [
            {
                "entry": m.entry.code,
                "name": m.entry.name,
                "source": m.entry.citation,
                "unconfirmed": m.entry.unconfirmed,
                "hazard_id": m.hazard_id,
            }
            for m in obj.matches.all()
        ]


class EquipmentIn(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业用户可不填")
    name: Line(TEXT_LIMITS["name"])
    model: Line(TEXT_LIMITS["model"]) = ""
    kind: column_line(Equipment, "kind")
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)
    year: int | None = Field(None, ge=1949, le=9999)
    process: Line(TEXT_LIMITS["process"]) = ""
    in_use: bool = True


class EquipmentFilters(Schema):
    enterprise: Int64 | None = None


class _Refused(HttpError):
    def __init__(self, exc: ProjectRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            name = "enterprise_id" if exc.field == "enterprise" else exc.field
            self.errors = {name: [str(exc)]}


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ProjectRefused as exc:
        raise _Refused(exc) from None


def _projects(request):
    return Project.objects.for_user(request.user).select_related("enterprise")


def _equipment(request):
    return Equipment.objects.for_user(request.user).prefetch_related("matches__entry")


@router.get("", response=list[ProjectOut], summary="建设项目列表")
@paginate(Pagination)
def list_projects(request, filters: Query[ProjectFilters]):
    require(request.user, "project.view", "查看建设项目")
    data = {
        k: ("on" if v is True else v)
        for k, v in filters.dict(exclude_none=True).items()
        if v is not False
    }
    form = ProjectFilterForm(data)
    return form.apply(_projects(request)).order_by("-created_at", "-id")


@router.get("/equipment", response=list[EquipmentOut], summary="设备台账")
@paginate(Pagination)
def list_equipment(request, filters: Query[EquipmentFilters]):
    require(request.user, "equipment.view", "查看设备台账")
    items = _equipment(request)
    if filters.enterprise is not None:
        items = items.filter(enterprise_id=filters.enterprise)
    return items.order_by("enterprise_id", "name", "id")


@router.post("/equipment", response={201: EquipmentOut}, summary="登记设备（与淘汰落后目录比对）")
def create_equipment(request, payload: EquipmentIn):
    require(request.user, "equipment.view", "查看设备台账")
    item = _call(services.record_equipment, request.user, payload.dict())
    return Status(201, _equipment(request).get(pk=item.pk))


@router.get("/{project_id}", response={200: ProjectDetailOut}, summary="建设项目详情")
def get_project(request, project_id: int):
    require(request.user, "project.view", "查看建设项目")
    return get_object_or_404(_projects(request), pk=project_id)


@router.post("", response={201: ProjectDetailOut}, summary="登记建设项目")
def create_project(request, payload: ProjectIn):
    require(request.user, "project.view", "查看建设项目")
    project = _call(services.register, request.user, payload.dict())
    return Status(201, _projects(request).get(pk=project.pk))


def path_of(name: str) -> str:
    """A step's name as its operation's path: start_construction → start-construction."""
    return name.replace("_", "-")


def _step_operation(name: str):
    transition = TRANSITIONS[name]

    def step(request, project_id: int, payload: Form[StepIn], document: File[UploadedFile] = None):
        require(request.user, "project.view", "查看建设项目")
        get_object_or_404(_projects(request), pk=project_id)
        _call(
            services.act,
            request.user,
            project_id,
            name,
            on=payload.on,
            document=document,
            designer=payload.designer,
            reviewers=payload.reviewers,
            note=payload.note,
            built=payload.built,
        )
        return _projects(request).get(pk=project_id)

    step.__name__ = f"project_{name}"
    needs = "（须上传 document）" if transition.document else ""
    router.post(
        f"/{{project_id}}/{path_of(name)}",
        response={200: ProjectDetailOut},
        summary=transition.label,
        description=f"multipart/form-data：on（日期）、note，可选 document 文件{needs}。",
        operation_id=f"projects_{name}",
    )(step)


for _name in TRANSITIONS:
    _step_operation(_name)
