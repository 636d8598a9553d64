"""Every change to special-operation certificates and the operations an enterprise's work needs
goes through here. Each checks the role (accounts.roles PERMISSIONS) and the scope (the
enterprise among Enterprise.objects.for_user), validates its input and changes rows inside a
transaction, storing a CertificateEvent (core.events) that certificates.notifications
announces. A refusal raises CertificateRefused with the Chinese reason, the HTTP status and,
where one field is at fault, its name; nothing changes.

Also here: the dates of a certificate by the rules (certificates.reference), the reminders
before a review or an expiry (moved back to the working day before a day off), and the gap
between the operations an enterprise needs and its valid holders, which an inspector may
raise as a major hazard under 应急管理部令第10号 第三条（二）."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from certificates import reference
from certificates.models import (
    Action,
    Certificate,
    CertificateEvent,
    RequiredOperation,
    attention,
)
from core import documents, events, workdays
from core.errors import Refused
from core.gate import check
from core.inputs import date_problem, text_problem
from enterprises.models import Enterprise

TEXT_LIMITS = {"holder_name": 50, "number": 40, "authority": 100, "post": 100, "work": 200}
LABELS = {
    "holder_name": "姓名",
    "id_number": "身份证号",
    "operation": "作业类别及操作项目",
    "number": "证号",
    "issued_on": "初领日期",
    "review_due_on": "应复审日期",
    "expires_on": "有效期至",
    "authority": "发证机关",
    "post": "作业岗位",
    "work": "作业内容",
    "holders_needed": "需持证人数",
}
CERTIFICATE_FIELDS = tuple(k for k in LABELS if k not in ("work", "holders_needed"))
MAX_HOLDERS = 1_000
EVIDENCE_KINDS = ("pdf", "jpg", "png")


class CertificateRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


# --- validation --------------------------------------------------------------------------------


def _text(value: Any, name: str, required: bool = False) -> str:
    label = LABELS[name]
    value = "" if value is None else value
    if not isinstance(value, str):
        raise CertificateRefused(f"{label}应为文字", field=name)
    value = value.strip()
    if problem := text_problem(value, multiline=False):
        raise CertificateRefused(f"{label}{problem}", field=name)
    if required and not value:
        raise CertificateRefused(f"请填写{label}", field=name)
    if len(value) > TEXT_LIMITS[name]:
        raise CertificateRefused(f"{label}不能超过 {TEXT_LIMITS[name]} 字", field=name)
    return value


def _date(value: Any, name: str, required: bool = False) -> date | None:
    label = LABELS[name]
    if value in (None, ""):
        if required:
            raise CertificateRefused(f"请填写{label}", field=name)
        return None
    if not isinstance(value, date):
        raise CertificateRefused(f"{label}应为日期（如 2024-03-01）", field=name)
    if problem := date_problem(value):
        raise CertificateRefused(f"{label}{problem}", field=name)
    return value


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_problem(value: str) -> str | None:
    """Why `value` is not a resident identity number (GB 11643-1999: 17 digits and a check
    character), or None."""
    if (
        len(value) != 18
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        return "身份证号应为 18 位（最后一位可为 X）"
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        return "身份证号校验位不正确，请核对"
    return None


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_dates(issued_on: date) -> tuple[date, date]:
    """The review due date and the expiry date of a certificate issued on `issued_on`
    (reference.REVIEW_YEARS, reference.VALIDITY_YEARS)."""
    return (
        add_years(issued_on, reference.REVIEW_YEARS.value),
        add_years(issued_on, reference.VALIDITY_YEARS.value),
    )


def clean_certificate(values: dict) -> dict:
    """One certificate's values checked (the page, the API and each import row alike), without
    the enterprise. An empty review or expiry date is computed from the issue date."""
    operation = values.get("operation")
    if operation not in reference.BY_CODE:
        raise CertificateRefused("请选择作业类别及操作项目", field="operation")
    id_number = values.get("id_number")
    id_number = (id_number if isinstance(id_number, str) else "").strip().upper()
    if not id_number:
        raise CertificateRefused("请填写身份证号", field="id_number")
    if problem := id_number_problem(id_number):
        raise CertificateRefused(problem, field="id_number")
    issued_on = _date(values.get("issued_on"), "issued_on", required=True)
    assert issued_on is not None
    if issued_on > timezone.localdate():
        raise CertificateRefused("初领日期不能晚于今天", field="issued_on")
    review_default, expiry_default = default_dates(issued_on)
    expires_on = _date(values.get("expires_on"), "expires_on") or expiry_default
    review_due_on = _date(values.get("review_due_on"), "review_due_on")
    if "review_due_on" not in values or values.get("review_due_on") in (None, ""):
        review_due_on = review_default
    if expires_on <= issued_on:
        raise CertificateRefused("有效期至应晚于初领日期", field="expires_on")
    if expires_on > add_years(issued_on, reference.VALIDITY_YEARS.value):
        raise CertificateRefused(
            f"有效期不能超过 {reference.VALIDITY_YEARS.value} 年"
            f"（{reference.VALIDITY_YEARS.source}）",
            field="expires_on",
        )
    if review_due_on is not None and not issued_on < review_due_on:
        raise CertificateRefused("应复审日期应晚于初领日期", field="review_due_on")
    if review_due_on is not None and review_due_on >= expires_on:
        review_due_on = None  # the expiry comes first: 延期换证 then, not a review
    return {
        "holder_name": _text(values.get("holder_name"), "holder_name", required=True),
        "id_number": id_number,
        "operation": operation,
        "number": _text(values.get("number"), "number", required=True),
        "issued_on": issued_on,
        "review_due_on": review_due_on,
        "expires_on": expires_on,
        "authority": _text(values.get("authority"), "authority", required=True),
        "post": _text(values.get("post"), "post"),
    }


def _enterprise(user, enterprise_id: Any) -> Enterprise:
    if enterprise_id in (None, "") and user.enterprise_id:
        enterprise_id = user.enterprise_id
    if enterprise_id in (None, ""):
        raise CertificateRefused("请选择企业", field="enterprise")
    if isinstance(enterprise_id, bool) or not isinstance(enterprise_id, int):
        raise CertificateRefused("企业应以编号表示", field="enterprise")
    enterprise = (
        Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
        if 0 < enterprise_id < 2**63
        else None
    )
    if enterprise is None:
        raise CertificateRefused("企业不存在", 404, field="enterprise")
    return enterprise


def _duplicate(number: str, operation: str, exclude: int | None = None) -> bool:
    found = Certificate.objects.filter(number=number, operation=operation)
    if exclude:
        found = found.exclude(pk=exclude)
    return found.exists()


def _event(action, actor, enterprise, certificate=None, note="", data=None):
    return events.record(
        CertificateEvent,
        enterprise=enterprise,
        certificate=certificate,
        action=action,
        actor=actor,
        note=note,
        payload=data or {},
    )


# --- certificates ------------------------------------------------------------------------------


def record(user, data: dict, evidence=None) -> Certificate:
    """Register a certificate held at an enterprise in the user's scope."""
    check(user, "certificate.record", "登记特种作业操作证", CertificateRefused)
    unknown = set(data) - set(CERTIFICATE_FIELDS) - {"enterprise_id"}
    if unknown:
        raise TypeError(f"unknown certificate fields: {sorted(unknown)}")
    enterprise = _enterprise(user, data.get("enterprise_id"))
    values = clean_certificate(data)
    if evidence is not None and (
        problem := documents.problem(evidence, kinds=EVIDENCE_KINDS, max_megabytes=10)
    ):
        raise CertificateRefused(problem, field="evidence")
    with transaction.atomic():
        if _duplicate(values["number"], values["operation"]):
            raise CertificateRefused("该作业项目的证号已登记", 409, field="number")
        certificate = Certificate(
            enterprise=enterprise, scope_path=enterprise.scope_path, recorded_by=user, **values
        )
        if evidence is not None:
            certificate.evidence = evidence
            certificate.evidence_name = (getattr(evidence, "name", "") or "")[:200]
        certificate.save()
        _event(Action.RECORD, user, enterprise, certificate)
    return certificate


def import_certificates(user, enterprise_id, rows: list[dict]) -> list[Certificate]:
    """Add checked rows (certificates.spreadsheet) in one transaction: all or nothing."""
    check(user, "certificate.record", "导入特种作业操作证", CertificateRefused)
    enterprise = _enterprise(user, enterprise_id)
    with transaction.atomic():
        taken = set(
            Certificate.objects.filter(number__in=[row["number"] for row in rows]).values_list(
                "number", "operation"
            )
        )
        for number, row in enumerate(rows, start=1):
            if (row["number"], row["operation"]) in taken:
                raise CertificateRefused(f"第 {number} 条：该作业项目的证号已登记", 409)
        items = Certificate.objects.bulk_create(
            [
                Certificate(
                    enterprise=enterprise,
                    scope_path=enterprise.scope_path,
                    recorded_by=user,
                    attention_on=attention(row["review_due_on"], row["expires_on"]),
                    **row,
                )
                for row in rows
            ]
        )
        _event(Action.IMPORT, user, enterprise, data={"count": len(items)})
    return items


def review(user, certificate_id, on: Any) -> Certificate:
    """Record a passed 复审 on `on`: the next review is REVIEW_YEARS later, or none when the
    expiry comes first."""
    check(user, "certificate.record", "登记复审", CertificateRefused)
    if on in (None, ""):
        raise CertificateRefused("请填写复审日期", field="on")
    if not isinstance(on, date) or date_problem(on):
        raise CertificateRefused("复审日期应为合理的日期", field="on")
    if on > timezone.localdate():
        raise CertificateRefused("复审日期不能晚于今天", field="on")
    with transaction.atomic():
        certificate = (
            Certificate.objects.for_user(user)
            .select_for_update(of=("self",))
            .filter(pk=getattr(certificate_id, "pk", certificate_id))
            .first()
        )
        if certificate is None:
            raise CertificateRefused("操作证不存在", 404)
        if certificate.review_due_on is None:
            raise CertificateRefused("该证无待复审日期：有效期届满前应申请延期换证", 409)
        if certificate.expires_on < on:
            raise CertificateRefused("该证已过有效期，不能复审", 409)
        if on < certificate.issued_on:
            raise CertificateRefused("复审日期不能早于初领日期", field="on")
        following = add_years(certificate.review_due_on, reference.REVIEW_YEARS.value)
        certificate.last_reviewed_on = on
        certificate.review_due_on = following if following < certificate.expires_on else None
        certificate.save()
        _event(
            Action.REVIEW, user, certificate.enterprise, certificate, data={"on": on.isoformat()}
        )
    return certificate


# --- required operations and the gap -----------------------------------------------------------


def declare(
    user, enterprise_id, operation: Any, holders_needed: Any, work: Any = ""
) -> RequiredOperation:
    """Declare (or change) an operation the enterprise's work needs; 0 holders removes it."""
    check(user, "certificate.record", "申报需持证作业", CertificateRefused)
    enterprise = _enterprise(user, enterprise_id)
    if operation not in reference.BY_CODE:
        raise CertificateRefused("请选择作业类别及操作项目", field="operation")
    if isinstance(holders_needed, bool) or not isinstance(holders_needed, int):
        raise CertificateRefused("需持证人数应为整数", field="holders_needed")
    if not 0 <= holders_needed <= MAX_HOLDERS:
        raise CertificateRefused(f"需持证人数应在 0 到 {MAX_HOLDERS} 之间", field="holders_needed")
    work = _text(work, "work")
    with transaction.atomic():
        if holders_needed == 0:
            RequiredOperation.objects.filter(enterprise=enterprise, operation=operation).delete()
            return RequiredOperation(enterprise=enterprise, operation=operation, holders_needed=0)
        item, _ = RequiredOperation.objects.update_or_create(
            enterprise=enterprise,
            operation=operation,
            defaults={"holders_needed": holders_needed, "work": work},
        )
    return item


def suggested_operations(enterprise) -> list[str]:
    """The operations its key sectors suggest (reference.SECTOR_DEFAULTS), in catalogue order."""
    tags = set(enterprise.sector_tags.values_list("code", flat=True))
    wanted = {code for tag in tags for code in reference.SECTOR_DEFAULTS.get(tag, ())}
    return [op.code for op in reference.OPERATIONS if op.code in wanted]


@dataclass
class Gap:
    required: RequiredOperation
    valid: int
    holders: list[Certificate] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.required.holders_needed - self.valid)

    @property
    def operation_label(self) -> str:
        return self.required.operation_label


def work_items(enterprise, today: date | None = None) -> list[Gap]:
    """Each declared operation with its holders (expired ones included, shown red) and how
    many hold a valid certificate."""
    today = today or timezone.localdate()
    certificates = list(
        Certificate.objects.filter(enterprise=enterprise).order_by("holder_name", "id")
    )
    items = []
    for required in RequiredOperation.objects.filter(enterprise=enterprise).select_related(
        "hazard"
    ):
        holders = [c for c in certificates if c.operation == required.operation]
        valid = sum(1 for c in holders if c.status_on(today) != "expired")
        items.append(Gap(required, valid, holders))
    return items


def gaps(enterprise, today: date | None = None) -> list[Gap]:
    return [item for item in work_items(enterprise, today) if item.missing]


def enterprises_with_gap(queryset, today: date):
    """The required operations (of a RequiredOperation queryset) without enough valid holders:
    one query."""
    return queryset.annotate(
        valid=Count(
            "enterprise__certificates",
            filter=Q(enterprise__certificates__operation=F("operation"))
            & Q(enterprise__certificates__expires_on__gte=today)
            & (
                Q(enterprise__certificates__review_due_on__isnull=True)
                | Q(enterprise__certificates__review_due_on__gte=today)
            ),
        )
    ).filter(valid__lt=F("holders_needed"))


def raise_gap(user, required_id, today: date | None = None):
    """Raise an operation without enough valid holders as a major hazard (应急管理部令第10号
    第三条（二）), through hazards.services.report with that criterion; once while its hazard
    is open."""
    from hazards import services as hazard_services
    from hazards.models import MajorHazardCriterion
    from hazards.states import Source

    check(user, "certificate.raise_gap", "将持证缺口登记为重大事故隐患", CertificateRefused)
    today = today or timezone.localdate()
    with transaction.atomic():
        required = (
            RequiredOperation.objects.for_user(user)
            .select_for_update(of=("self",))
            .select_related("enterprise", "hazard")
            .filter(pk=getattr(required_id, "pk", required_id))
            .first()
        )
        if required is None:
            raise CertificateRefused("需持证作业不存在", 404)
        if required.hazard is not None and required.hazard.is_open:
            raise CertificateRefused("该持证缺口已登记为隐患，尚未销号", 409)
        gap = next(
            (g for g in gaps(required.enterprise, today) if g.required.pk == required.pk), None
        )
        if gap is None:
            raise CertificateRefused("该作业的有效持证人数已满足需要，没有缺口", 409)
        article, item = reference.GAP_CRITERION
        criterion = MajorHazardCriterion.objects.filter(article=article, item=item).first()
        if criterion is None:
            raise CertificateRefused("重大事故隐患判定标准中未找到第三条（二），请联系管理员", 409)
        description = (
            f"特种作业人员未按照规定取得相应资格上岗作业：{required.operation_label}"
            f"需持证 {required.holders_needed} 人，有效持证 {gap.valid} 人，缺 {gap.missing} 人"
            + (f"（{required.work}）" if required.work else "")
        )
        hazard = hazard_services.report(
            user,
            required.enterprise.pk,
            source=Source.ENFORCEMENT,
            description=description,
            found_on=today,
            criterion_id=criterion.pk,
        )
        required.hazard = hazard
        required.save(update_fields=["hazard", "updated_at"])
        _event(
            Action.RAISE_GAP,
            user,
            required.enterprise,
            note=description,
            data={"operation": required.operation, "hazard": hazard.pk},
        )
    return hazard


# --- reminders ---------------------------------------------------------------------------------


def on_or_before_workday(day: date) -> date:
    while not workdays.is_workday(day):
        day -= timedelta(days=1)
    return day


def reminder_dates(due: date) -> list[date]:
    """When to remind of a review or an expiry on `due`: each of reference.REMINDER_SCHEDULE
    days before it, on the working day before when that is a day off."""
    return [on_or_before_workday(due - timedelta(days=n)) for n in reference.REMINDER_SCHEDULE]


def _dues_reminded_on(today: date) -> dict[date, int]:
    """The due dates whose reminder (of how many days) falls on `today`: for each schedule
    entry, the due dates whose reminder day is today or a day off right after today."""
    dues: dict[date, int] = {}
    if not workdays.is_workday(today):
        return dues
    following = [today]
    day = today + timedelta(days=1)
    while not workdays.is_workday(day):
        following.append(day)
        day += timedelta(days=1)
    for n in reference.REMINDER_SCHEDULE:
        for day in following:
            dues[day + timedelta(days=n)] = n
    return dues


def send_reminders(today: date | None = None) -> int:
    """Record a reminder event for each certificate whose review or expiry reminder falls on
    `today` (the daily task); once per certificate, kind and due date. Returns how many."""
    today = today or timezone.localdate()
    dues = _dues_reminded_on(today)
    if not dues:
        return 0
    sent = 0
    for column, action in (
        ("review_due_on", Action.REVIEW_REMINDER),
        ("expires_on", Action.EXPIRY_REMINDER),
    ):
        found = Certificate.objects.filter(**{f"{column}__in": list(dues)}).select_related(
            "enterprise"
        )
        for certificate in found.iterator(chunk_size=1000):
            due = getattr(certificate, column)
            days = dues[due]
            if CertificateEvent.objects.filter(
                certificate=certificate,
                action=action,
                payload__due=due.isoformat(),
                payload__days=days,
            ).exists():
                continue
            with transaction.atomic():
                _event(
                    action,
                    None,
                    certificate.enterprise,
                    certificate,
                    data={"due": due.isoformat(), "days": days},
                )
            sent += 1
    return sent
