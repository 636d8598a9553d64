"""/api/v1/certificates: special-operation certificates listed (filters: enterprise, expiring or
due within N days, category) and read in the user's scope, registered, and their 复审 recorded;
/api/v1/certificates/enterprises/{id}/gaps: the operations an enterprise needs without enough
valid holders. The same services and scoping as the pages: a role without the action gets a
403; a certificate or an enterprise out of scope is a 404; a refusal answers its status with
the Chinese reason and, where one field is at fault, `errors` naming it. The ID number is
masked for the roles that may not read it (accounts.roles: certificate.id_number)."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import can, require
from certificates import reference, services
from certificates.models import Certificate
from certificates.services import TEXT_LIMITS, CertificateRefused
from core.api_schemas import Int64, Pagination
from core.inputs import Line, PlausibleDate
from enterprises.models import Enterprise

router = Router(tags=["特种作业操作证"])

MAX_ID = 2**63 - 1


class CertificateOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    holder_name: str
    id_number: str = Field(description="身份证号；无权查看的角色得到脱敏值")
    operation: str = Field(description="特种作业目录编号，如 1.2")
    operation_label: str
    category: str
    number: str
    issued_on: date
    review_due_on: date | None
    expires_on: date
    last_reviewed_on: date | None
    authority: str
    post: str
    status: str = Field(description="valid 有效 / due 待复审或即将到期 / expired 已过期或失效")

    @staticmethod
    def resolve_id_number(obj, context):
        user = context["request"].user
        return obj.id_number if can(user, "certificate.id_number") else obj.masked_id


class CertificateFilters(Schema):
    enterprise: Int64 | None = None
    within: int | None = Field(
        None, ge=0, le=3650, description="只列已过期、逾期未复审及该天数内应复审或到期的"
    )
    category: str | None = Field(
        None, description="作业类别编号：" + "、".join(reference.CATEGORIES)
    )


class CertificateIn(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业用户可不填")
    holder_name: Line(TEXT_LIMITS["holder_name"])
    id_number: Line(18)
    operation: Line(10) = Field(description="特种作业目录编号：" + "、".join(reference.BY_CODE))
    number: Line(TEXT_LIMITS["number"])
    issued_on: PlausibleDate
    review_due_on: PlausibleDate | None = Field(None, description="空则按初领日期后 3 年")
    expires_on: PlausibleDate | None = Field(None, description="空则按初领日期后 6 年")
    authority: Line(TEXT_LIMITS["authority"])
    post: Line(TEXT_LIMITS["post"]) = ""


class CertificateReviewIn(Schema):
    on: PlausibleDate


class GapOut(Schema):
    required_id: int
    enterprise_id: int
    operation: str
    operation_label: str
    holders_needed: int
    valid_holders: int
    missing: int
    hazard_id: int | None


class _Refused(HttpError):
    def __init__(self, exc: CertificateRefused):
        super().__init__(exc.status, str(exc))
        if exc.field:
            name = "enterprise_id" if exc.field == "enterprise" else exc.field
            self.errors = {name: [str(exc)]}


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except CertificateRefused as exc:
        raise _Refused(exc) from None


def _certificates(request):
    return Certificate.objects.for_user(request.user).select_related("enterprise")


@router.get("", response=list[CertificateOut], summary="特种作业操作证列表")
@paginate(Pagination)
def list_certificates(request, filters: Query[CertificateFilters]):
    require(request.user, "certificate.view", "查看特种作业操作证")
    items = _certificates(request)
    if filters.enterprise is not None:
        items = items.filter(enterprise_id=filters.enterprise)
    if filters.within is not None:
        items = items.attention_within(timezone.localdate(), filters.within)
    if filters.category:
        items = items.filter(
            operation__in=[
                op.code for op in reference.OPERATIONS if op.category == filters.category
            ]
        )
    return items.order_by("attention_on", "id")


@router.get(
    "/enterprises/{enterprise_id}/gaps",
    response=list[GapOut],
    summary="企业持证缺口（需持证作业缺少有效持证人）",
)
def list_gaps(request, enterprise_id: Int64):
    require(request.user, "certificate.view", "查看特种作业操作证")
    found = get_object_or_404(Enterprise.objects.for_user(request.user), pk=enterprise_id)
    return [
        {
            "required_id": gap.required.pk,
            "enterprise_id": found.pk,
            "operation": gap.required.operation,
            "operation_label": gap.operation_label,
            "holders_needed": gap.required.holders_needed,
            "valid_holders": gap.valid,
            "missing": gap.missing,
            "hazard_id": gap.required.hazard_id,
        }
        for gap in services.gaps(found)
    ]


@router.get("/{certificate_id}", response={200: CertificateOut}, summary="特种作业操作证详情")
def get_certificate(request, certificate_id: Int64):
    require(request.user, "certificate.view", "查看特种作业操作证")
    return get_object_or_404(_certificates(request), pk=certificate_id)


@router.post("", response={201: CertificateOut}, summary="登记特种作业操作证")
def create_certificate(request, payload: CertificateIn):
    require(request.user, "certificate.view", "查看特种作业操作证")
    certificate = _call(services.record, request.user, payload.dict())
    return Status(201, _certificates(request).get(pk=certificate.pk))


@router.post("/{certificate_id}/review", response={200: CertificateOut}, summary="登记复审")
def review_certificate(request, certificate_id: Int64, payload: CertificateReviewIn):
    require(request.user, "certificate.view", "查看特种作业操作证")
    get_object_or_404(_certificates(request), pk=certificate_id)
    _call(services.review, request.user, certificate_id, payload.on)
    return _certificates(request).get(pk=certificate_id)
