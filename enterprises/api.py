from datetime import datetime
from decimal import Decimal

from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import ENTERPRISE_SELF_EDITABLE_FIELDS, can, require
from core.api_schemas import Int64, Pagination
from core.gate import get_for_user
from core.inputs import column_line
from enterprises import services
from enterprises.forms import EnterpriseFilterForm, EnterpriseForm
from enterprises.models import Enterprise, ProcessKind, SectorTag

router = Router(tags=["企业"])


class EnterpriseOut(Schema):
    id: int
    credit_code: str = Field(description="统一社会信用代码")
    name: str = Field(description="企业名称")
    address: str
    jurisdiction_id: int = Field(description="所属镇街ID")
    jurisdiction_name: str = Field(alias="jurisdiction.name")
    grid_id: int | None = Field(description="所属网格ID")
    industry: str = Field(description="行业代码")
    sector_tags: list[str] = Field(description="重点行业领域代码")
    process_kinds: list[str] = Field(description="设备工艺画像（设备设施、工艺、有限空间类型代码）")
    dust_class: str
    dust_workers: int | None
    employee_count: int
    above_scale: bool
    small_micro: bool
    principal_name: str
    principal_phone: str
    safety_officer_name: str
    safety_officer_phone: str
    standardization: str
    status: str
    longitude: Decimal | None
    latitude: Decimal | None
    updated_at: datetime

    @staticmethod
    def resolve_sector_tags(obj):
        return [tag.code for tag in obj.sector_tags.all()]

    @staticmethod
    def resolve_process_kinds(obj):
        return [kind.code for kind in obj.process_kinds.all()]


class EnterprisePatch(Schema):
    """Fields to change; any field left out keeps its value."""

    credit_code: column_line(Enterprise, "credit_code") | None = None
    name: column_line(Enterprise, "name") | None = None
    address: column_line(Enterprise, "address") | None = None
    jurisdiction_id: int | None = None
    grid_id: int | None = None
    industry: column_line(Enterprise, "industry") | None = None
    sector_tags: list[column_line(SectorTag, "code")] | None = None
    process_kinds: list[column_line(ProcessKind, "code")] | None = None
    dust_class: column_line(Enterprise, "dust_class") | None = None
    dust_workers: int | None = None
    employee_count: int | None = None
    above_scale: bool | None = None
    small_micro: bool | None = None
    principal_name: column_line(Enterprise, "principal_name") | None = None
    principal_phone: column_line(Enterprise, "principal_phone") | None = None
    safety_officer_name: column_line(Enterprise, "safety_officer_name") | None = None
    safety_officer_phone: column_line(Enterprise, "safety_officer_phone") | None = None
    status: column_line(Enterprise, "status") | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None


class EnterpriseIn(EnterprisePatch):
    credit_code: column_line(Enterprise, "credit_code")
    name: column_line(Enterprise, "name")
    jurisdiction_id: int
    industry: column_line(Enterprise, "industry")
    employee_count: int
    principal_name: column_line(Enterprise, "principal_name")
    principal_phone: column_line(Enterprise, "principal_phone")


class EnterpriseFilters(FilterSchema):
    q: str | None = Field(None, description="名称、信用代码或拼音首字母")
    town: Int64 | None = Field(None, description="镇街或网格ID")
    industry: str | None = None
    tag: str | None = Field(None, description="重点行业领域代码")
    status: str | None = None
    standardization: str | None = None
    dust_class: str | None = None


def _queryset(request):
    return (
        Enterprise.objects.for_user(request.user)
        .select_related("jurisdiction")
        .prefetch_related("sector_tags", "process_kinds")
    )


def _form_data(payload: dict, instance: Enterprise | None) -> dict:
    # A field the client leaves out keeps its value (PATCH) or takes the model's default (POST:
    # status, ... are optional in EnterpriseIn but required by the form).
    base = instance if instance is not None else Enterprise()
    data = model_to_dict(base, fields=EnterpriseForm.Meta.fields)
    data["sector_tags"] = [tag.pk for tag in data.get("sector_tags", [])]
    data["process_kinds"] = [kind.pk for kind in data.get("process_kinds", [])]
    for key, value in payload.items():
        data[key.removesuffix("_id")] = value
    return {k: ("" if v is None else v) for k, v in data.items()}


def _save(request, payload: dict, instance=None):
    form = EnterpriseForm(request.user, data=_form_data(payload, instance), instance=instance)
    if not form.is_valid():
        errors = {
            (f"{name}_id" if name in ("jurisdiction", "grid") else name): [str(m) for m in msgs]
            for name, msgs in form.errors.items()
        }
        raise _FormInvalid(errors)
    return services.save_enterprise(request.user, form)


class _FormInvalid(HttpError):
    def __init__(self, errors):
        super().__init__(422, "企业信息有误")
        self.errors = errors


@router.get("", response=list[EnterpriseOut], summary="企业列表")
@paginate(Pagination)
def list_enterprises(request, filters: Query[EnterpriseFilters]):
    require(request.user, "enterprise.list", "查看企业列表")
    form = EnterpriseFilterForm(request.user, filters.dict(exclude_none=True))
    return form.apply(_queryset(request))


@router.get("/{enterprise_id}", response=EnterpriseOut, summary="企业详情")
def get_enterprise(request, enterprise_id: int):
    return get_object_or_404(_queryset(request), pk=enterprise_id)


@router.post("", response={201: EnterpriseOut}, summary="新增企业")
def create_enterprise(request, payload: EnterpriseIn):
    require(request.user, "enterprise.create", "新增企业")
    enterprise = _save(request, payload.dict(exclude_unset=True))
    return Status(201, _queryset(request).get(pk=enterprise.pk))


@router.patch("/{enterprise_id}", response={200: EnterpriseOut}, summary="修改企业")
def update_enterprise(request, enterprise_id: int, payload: EnterprisePatch):
    instance = get_for_user(
        Enterprise.objects.all(), request.user, "enterprise.edit", "修改企业信息", pk=enterprise_id
    )
    changes = payload.dict(exclude_unset=True)
    if not can(request.user, "enterprise.edit_all"):
        locked = sorted(set(changes) - ENTERPRISE_SELF_EDITABLE_FIELDS)
        if locked:
            raise HttpError(403, "企业用户不能修改以下字段：" + "、".join(locked))
    enterprise = _save(request, changes, instance)
    return _queryset(request).get(pk=enterprise.pk)
