"""Every change to an accident record goes through here: record, correct, void. Each checks who
may act and on what, validates the figures, changes the record and stores an AccidentEvent (who,
when, what changed, why). A refusal raises AccidentRefused with the reason in Chinese, the HTTP
status (403 role, 404 not found, 409 voided, 422 data) and, where one field is at fault, its
name; nothing changes.

Who records what ("accident.record" in accounts.roles): the county's administrator and
supervisors record any accident of the county and the typical cases reported elsewhere; a town
supervisor records the accidents of the enterprises in the town. A record entered in error is
voided with a reason, never deleted, and a voided record is not changed again."""

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.db import models, transaction
from django.utils import timezone

from accidents.models import AccidentCase, AccidentEvent, AccidentSource, EventAction
from accidents.reference import CATEGORY_SERIAL
from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from core.inputs import DATE_WINDOW, text_problem
from enterprises.choices import Industry
from enterprises.models import Enterprise, ProcessKind, SectorTag


class AccidentRefused(Refused):
    """A refused change of an accident record (core.errors.Refused); `field` names the input at
    fault, if one is, so a form can show the message beside it."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


# What `data` may hold, for record() and correct(): the model's fields, the enterprise by id
# and the sector tags by code. A correction passes only what it changes.
FIELDS = (
    "source",
    "enterprise_id",
    "title",
    "occurred_at",
    "location",
    "industry",
    "sector_tags",
    "process_kinds",
    "category",
    "deaths",
    "serious_injuries",
    "minor_injuries",
    "direct_loss",
    "is_near_miss",
    "summary",
    "cause",
    "lessons",
)
TEXT_LIMITS = {
    "title": 200,
    "location": 200,
    "summary": 20_000,
    "cause": 20_000,
    "lessons": 20_000,
    "note": 2_000,
    "reason": 2_000,
}
MULTILINE = {"summary", "cause", "lessons", "reason"}
MAX_PEOPLE = 100_000
MAX_LOSS = Decimal("9999999999.99")  # the column: numeric(12, 2), 万元
EARLIEST = DATE_WINDOW["earliest"]
COUNT_LABELS = {"deaths": "死亡人数", "serious_injuries": "重伤人数", "minor_injuries": "轻伤人数"}


# --- who may act -------------------------------------------------------------------------------


def available_actions(user, accident: AccidentCase) -> set[str]:
    """What the user may do to this record (one they can see) now: "correct" and "void", the
    pages' buttons. Both take the same rule (authorize_change)."""
    try:
        authorize_change(user, accident)
    except AccidentRefused:
        return set()
    return {"correct", "void"}


def _authorize_record(user) -> None:
    check(user, "accident.record", "登记事故", AccidentRefused)


def authorize_change(user, accident: AccidentCase) -> None:
    check(user, "accident.record", "更正或作废事故记录", AccidentRefused)
    if accident.is_voided:
        raise AccidentRefused("该事故记录已作废，不能再更正或作废", 409)
    if accident.source == AccidentSource.EXTERNAL and not can(user, "accident.record_external"):
        raise AccidentRefused("外地典型事故只能由县局更正或作废", 403)
    if (
        accident.source == AccidentSource.LOCAL
        and not Enterprise.objects.for_user(user).filter(pk=accident.enterprise_id).exists()
    ):
        raise AccidentRefused("事故记录不存在", 404)


# --- validation --------------------------------------------------------------------------------


def _text(values: dict, name: str, label: str, required: bool = False) -> str:
    value = values.get(name)
    value = "" if value is None else value
    if not isinstance(value, str):
        raise AccidentRefused(f"{label}应为文字", field=name)
    value = value.replace("\r\n", "\n").strip()  # a browser's textarea sends CRLF
    if problem := text_problem(value, multiline=name in MULTILINE):
        raise AccidentRefused(f"{label}{problem}", field=name)
    if required and not value:
        raise AccidentRefused(f"请填写{label}", field=name)
    if len(value) > TEXT_LIMITS[name]:
        raise AccidentRefused(f"{label}不能超过 {TEXT_LIMITS[name]} 字", field=name)
    return value


def _count(values: dict, name: str) -> int:
    value = values.get(name, 0)
    label = COUNT_LABELS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise AccidentRefused(f"{label}应为整数", field=name)
    if value < 0:
        raise AccidentRefused(f"{label}不能为负数", field=name)
    if value > MAX_PEOPLE:
        raise AccidentRefused(f"{label}不能超过 {MAX_PEOPLE}", field=name)
    return value


def _loss(value) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise AccidentRefused("直接经济损失应为数字（万元）", field="direct_loss")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AccidentRefused("直接经济损失应为数字（万元）", field="direct_loss") from None
    if not amount.is_finite():
        raise AccidentRefused("直接经济损失应为数字（万元）", field="direct_loss")
    if amount < 0:
        raise AccidentRefused("直接经济损失不能为负数", field="direct_loss")
    if amount > MAX_LOSS:
        raise AccidentRefused("直接经济损失超出可登记的范围", field="direct_loss")
    return amount.quantize(Decimal("0.01"))


def _moment(value) -> datetime:
    if not isinstance(value, datetime):
        raise AccidentRefused("请填写事故发生时间", field="occurred_at")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now():
        raise AccidentRefused("事故发生时间不能晚于当前时间", field="occurred_at")
    # Compared, not converted: a time in year 1 with an offset would not convert to local time.
    if value < datetime.combine(EARLIEST, time.min, tzinfo=timezone.get_default_timezone()):
        raise AccidentRefused("事故发生时间不能早于 1949 年 10 月 1 日", field="occurred_at")
    return value


def _tags(codes) -> list[SectorTag]:
    if isinstance(codes, str) or not isinstance(codes, list | tuple | set):
        raise AccidentRefused("重点行业领域应为代码列表", field="sector_tags")
    codes = [getattr(code, "pk", code) for code in codes]
    if not all(isinstance(code, str) for code in codes):
        raise AccidentRefused("重点行业领域应为代码列表", field="sector_tags")
    # A code with a NUL character is unknown, not a database error (PostgreSQL cannot hold it).
    wanted = [code for code in codes if "\x00" not in code]
    found = {tag.code: tag for tag in SectorTag.objects.filter(code__in=wanted)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise AccidentRefused(
            "重点行业领域代码无效：" + "、".join(unknown[:5]), field="sector_tags"
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _kinds(codes) -> list[ProcessKind]:
    """Equipment and process kinds by code (enterprises.ProcessKind), as _tags reads tags."""
    if isinstance(codes, str) or not isinstance(codes, list | tuple | set):
        raise AccidentRefused("涉及设备工艺应为代码列表", field="process_kinds")
    codes = [getattr(code, "pk", code) for code in codes]
    if not all(isinstance(code, str) for code in codes):
        raise AccidentRefused("涉及设备工艺应为代码列表", field="process_kinds")
    wanted = [code for code in codes if "\x00" not in code]
    found = {kind.code: kind for kind in ProcessKind.objects.filter(code__in=wanted)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise AccidentRefused(
            "涉及设备工艺代码无效：" + "、".join(unknown[:5]), field="process_kinds"
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _clean(user, data: dict, accident: AccidentCase | None) -> dict:
    """The record's values after `data` is applied (over `accident`'s when correcting), checked
    as a whole; the enterprise as an object and the tags as a list of SectorTag."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown accident fields: {sorted(unknown)}")
    if accident is None:
        values = {}
    else:
        values = {
            name: getattr(accident, name)
            for name in FIELDS
            if name not in ("sector_tags", "process_kinds")
        }
    values.update(data)

    source = values.get("source")
    if source not in AccidentSource.values:
        raise AccidentRefused("请选择事故来源：本县企业或外地通报", field="source")
    if accident is not None and source != accident.source:
        raise AccidentRefused("事故来源不能更改；如登记有误，请作废后重新登记", field="source")
    if source == AccidentSource.EXTERNAL and not can(user, "accident.record_external"):
        raise AccidentRefused("外地典型事故只能由县局登记", 403, field="source")
    cleaned = {
        "source": source,
        "title": _text(values, "title", "事故名称", required=True),
        "occurred_at": _moment(values.get("occurred_at")),
        "location": _text(values, "location", "发生地点"),
        "deaths": _count(values, "deaths"),
        "serious_injuries": _count(values, "serious_injuries"),
        "minor_injuries": _count(values, "minor_injuries"),
        "direct_loss": _loss(values.get("direct_loss")),
        "summary": _text(values, "summary", "事故经过", required=True),
        "cause": _text(values, "cause", "原因分析"),
        "lessons": _text(values, "lessons", "防范措施与教训"),
    }
    category = values.get("category")
    if not isinstance(category, str) or category not in CATEGORY_SERIAL:
        raise AccidentRefused("请选择事故类别（GB 6441-1986）", field="category")
    cleaned["category"] = category
    near_miss = values.get("is_near_miss") or False
    if not isinstance(near_miss, bool):
        raise AccidentRefused("涉险事故应为是或否", field="is_near_miss")
    casualties = cleaned["deaths"] + cleaned["serious_injuries"] + cleaned["minor_injuries"]
    if near_miss and casualties:
        raise AccidentRefused(
            "涉险事故是未造成人员伤亡的事故，不能填写伤亡人数", field="is_near_miss"
        )
    cleaned["is_near_miss"] = near_miss

    tags = data.get("sector_tags")
    kinds = data.get("process_kinds")
    if source == AccidentSource.LOCAL:
        enterprise = _local_enterprise(user, values.get("enterprise_id"))
        cleaned["enterprise"] = enterprise
        moved = accident is None or enterprise.pk != accident.enterprise_id
        # The enterprise's facts at the time: its industry, and its sector tags unless the
        # recorder names others (the equipment or process involved).
        cleaned["industry"] = (
            accident.industry if accident is not None and not moved else enterprise.industry
        )
        if tags is None and moved:
            cleaned["sector_tags"] = list(enterprise.sector_tags.all())
        if kinds is None and moved:
            cleaned["process_kinds"] = list(enterprise.process_kinds.all())
    else:
        if values.get("enterprise_id") is not None:
            raise AccidentRefused("外地通报的事故不关联本县企业", field="enterprise")
        cleaned["enterprise"] = None
        if not cleaned["location"]:
            raise AccidentRefused("外地事故请填写发生地点（省、市、县）", field="location")
        industry = values.get("industry")
        if industry not in Industry.values:
            raise AccidentRefused("外地事故请选择行业", field="industry")
        cleaned["industry"] = industry
        if tags is None and accident is None:
            cleaned["sector_tags"] = []
        if kinds is None and accident is None:
            cleaned["process_kinds"] = []
    if tags is not None:
        cleaned["sector_tags"] = _tags(tags)
    if kinds is not None:
        cleaned["process_kinds"] = _kinds(kinds)
    return cleaned


def _local_enterprise(user, enterprise_id) -> Enterprise:
    if enterprise_id in (None, ""):
        raise AccidentRefused("本县企业事故请选择发生事故的企业", field="enterprise")
    if isinstance(enterprise_id, bool) or not isinstance(enterprise_id, int):
        raise AccidentRefused("企业应以编号表示", field="enterprise")
    if not 0 < enterprise_id < 2**63:
        raise AccidentRefused("企业不存在", 404, field="enterprise")
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise AccidentRefused("企业不存在", 404, field="enterprise")
    return enterprise


# --- changes -----------------------------------------------------------------------------------


def _event(accident, action, actor, note="", data=None) -> AccidentEvent:
    return events.record(
        AccidentEvent, accident=accident, action=action, actor=actor, note=note, payload=data or {}
    )


def _locked(user, accident) -> AccidentCase:
    """The record, locked for this transaction, if the user may see it."""
    found = (
        AccidentCase.objects.for_user(user)
        .select_for_update(of=("self",))
        .filter(pk=getattr(accident, "pk", accident))
        .first()
    )
    if found is None:
        raise AccidentRefused("事故记录不存在", 404)
    return found


def record(user, data: dict) -> AccidentCase:
    """Record an accident: at an enterprise of the user's area (`source` "local",
    `enterprise_id`), or a typical case reported elsewhere (`source` "external", by the county's
    people only). The level follows the figures (reference.level_for)."""
    _authorize_record(user)
    values = _clean(user, data, None)
    tags = values.pop("sector_tags")
    kinds = values.pop("process_kinds")
    with transaction.atomic():
        accident = AccidentCase(**values, recorded_by=user)
        accident.save()
        accident.sector_tags.set(tags)
        accident.process_kinds.set(kinds)
        _event(accident, EventAction.RECORDED, user, data={"level": accident.level})
    return accident


def _display(accident, name):
    """A field's value as the event keeps it: what a reader of the record sees."""
    if name == "sector_tags":
        return "、".join(tag.name for tag in accident.sector_tags.all()) or "无"
    if name == "process_kinds":
        return "、".join(kind.name for kind in accident.process_kinds.all()) or "无"
    if name == "enterprise":
        return accident.enterprise.name if accident.enterprise_id else ""
    value = getattr(accident, name)
    display = getattr(accident, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    return str(value)


def _label(name: str) -> str:
    field = AccidentCase._meta.get_field(name)
    return str(field.verbose_name if isinstance(field, models.Field) else name)


def correct(user, accident, data: dict, note: str = "") -> AccidentCase:
    """Correct a record: `data` holds the fields to change. The event keeps each changed field's
    old and new value; a correction that changes nothing records nothing."""
    with transaction.atomic():
        accident = _locked(user, accident)
        authorize_change(user, accident)
        values = _clean(user, data, accident)
        note = _text({"note": note}, "note", "更正说明") if note else ""
        tags = values.pop("sector_tags", None)
        kinds = values.pop("process_kinds", None)
        old_tags = {tag.code for tag in accident.sector_tags.all()}
        old_kinds = {kind.code for kind in accident.process_kinds.all()}
        changed = [name for name, value in values.items() if getattr(accident, name) != value]
        if tags is not None and {tag.code for tag in tags} != old_tags:
            changed.append("sector_tags")
        if kinds is not None and {kind.code for kind in kinds} != old_kinds:
            changed.append("process_kinds")
        if not changed:
            return accident
        before = {name: _display(accident, name) for name in [*changed, "level"]}
        old_level = accident.level
        for name, value in values.items():
            setattr(accident, name, value)
        accident.save()
        if tags is not None:
            accident.sector_tags.set(tags)
        if kinds is not None:
            accident.process_kinds.set(kinds)
        if accident.level != old_level:
            changed.append("level")
        fields = {
            name: {"label": _label(name), "from": before[name], "to": _display(accident, name)}
            for name in changed
        }
        _event(accident, EventAction.CORRECTED, user, note=note, data={"fields": fields})
    return accident


def void(user, accident, reason: str) -> AccidentCase:
    """Void a record entered in error, with the reason. It stays readable with its history but
    no longer counts (grading reads only records that stand)."""
    with transaction.atomic():
        accident = _locked(user, accident)
        authorize_change(user, accident)
        reason = _text({"reason": reason}, "reason", "作废原因", required=True)
        accident.voided_at = timezone.now()
        accident.voided_by = user
        accident.void_reason = reason
        accident.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
        _event(accident, EventAction.VOIDED, user, note=reason)
    return accident
