"""Every change to accident warnings goes through here, and the figures are computed here:

- match: the enterprises an accident concerns (same industry, a shared key sector, a shared
  equipment/process kind), each with the reasons, in a fixed order;
- draft, add_recipient, remove_recipient, issue: the bureau drafts a warning (the matched
  enterprises proposed), adjusts the list, and issues it; each recipient is told;
- acknowledge: a recipient's principal or safety officer reads it (已阅) or reports it studied
  (已组织学习, with a note); when the last one does, the issuer is told;
- remind: the daily reminder to recipients that have not acknowledged (reference.REMIND_AFTER_DAYS);
- town_rates: per town the acknowledgement rate;
- campaign_prompt: why the accident calls for a campaign (较大及以上, or recurring), or None;
- start_campaign: the campaign the prompt calls for, a draft targeting the warning's recipients;
- issue_letter: a numbered 提醒函 to an enterprise;
- record_supervision: 约谈, 重点关注, 帮扶指导 of an enterprise (grading reads them).

Each change checks who may act (accounts.roles) and on what (the scope), validates, writes in a
transaction and stores a WarningEvent. A refusal raises WarningRefused with the reason in
Chinese, the HTTP status and, where one field is at fault, its name; nothing changes."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accident_warnings import reference
from accident_warnings.models import (
    AccidentWarning,
    EventAction,
    SupervisionRecord,
    WarningEvent,
    WarningLetter,
    WarningRecipient,
)
from accident_warnings.reference import AckState, MatchField, SupervisionKind, WarningState
from accidents.models import AccidentCase
from campaigns import services as campaign_services
from campaigns.models import Campaign
from core import documents, events
from core.errors import Refused
from core.gate import check
from core.inputs import date_problem, text_problem
from core.models import Jurisdiction
from enforcement.inspections import numbering
from enforcement.models import DocumentKind
from enterprises.choices import Industry, Status
from enterprises.models import Enterprise


class WarningRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


TEXT_LIMITS = {
    "title": 200,
    "text": 20_000,
    "lessons": 20_000,
    "note": 2_000,
    "content": 5_000,
    "follow_up": 5_000,
    "people": 200,
}
LABELS = {
    "title": "警示标题",
    "text": "警示内容",
    "lessons": "事故教训与防范要求",
    "note": "学习情况说明",
    "content": "内容",
    "follow_up": "后续跟进",
    "people": "参加人员",
}
MULTILINE = {"text", "lessons", "note", "content", "follow_up"}


def _text(value: Any, name: str, required: bool = True) -> str:
    label = LABELS[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise WarningRefused(f"{label}应为文字", field=name)
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise WarningRefused(f"请填写{label}", field=name)
    if len(value) > TEXT_LIMITS[name]:
        raise WarningRefused(f"{label}不能超过 {TEXT_LIMITS[name]} 字", field=name)
    if problem := text_problem(value, multiline=name in MULTILINE):
        raise WarningRefused(f"{label}{problem}", field=name)
    return value


def _id(value: Any) -> int:
    """An id as the database can hold it; anything else (text, a bool, beyond 64 bits) is 0,
    which no row has."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        return 0
    return value


# --- matching ----------------------------------------------------------------------------------


@dataclass
class Match:
    enterprise_id: int
    name: str
    jurisdiction_id: int
    reasons: list[dict] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "；".join(f"{r['label']}：{'、'.join(r['names'])}" for r in self.reasons)


def _reason(kind: MatchField, names: list[str]) -> dict:
    return {"field": kind.value, "label": kind.label, "names": names}


def match(accident: AccidentCase, enterprises) -> list[Match]:
    """The enterprises of `enterprises` (a queryset: the issuer's scope) that the accident
    concerns, each with its reasons in a fixed order (industry, key sectors, equipment and
    process kinds, names in their reference order). Closed enterprises and the accident's own
    enterprise are left out. Ordered by the number of reasons (most first), then name and id:
    the same data gives the same list. One query for the enterprises and one per shared field
    for its pairs, whatever the number of enterprises (bench_accident_warnings: 100,000)."""
    pool = enterprises.exclude(status=Status.CLOSED)
    if accident.enterprise_id:
        pool = pool.exclude(pk=accident.enterprise_id)
    tags = list(accident.sector_tags.order_by("sort_order", "code").values_list("code", "name"))
    kinds = list(accident.process_kinds.order_by("sort_order", "code").values_list("code", "name"))
    tag_names, kind_names = dict(tags), dict(kinds)
    tag_order = {code: i for i, (code, _n) in enumerate(tags)}
    kind_order = {code: i for i, (code, _n) in enumerate(kinds)}

    # The pairs (enterprise, shared tag or kind) by the accident's codes alone, over the
    # indexed through tables; the pool (scope, not closed) is applied once, to the enterprises.
    tag_through = Enterprise.sector_tags.through.objects.filter(sectortag_id__in=tag_names)
    kind_through = Enterprise.process_kinds.through.objects.filter(processkind_id__in=kind_names)
    wanted = Q(industry=accident.industry)
    if tags:
        wanted |= Q(pk__in=tag_through.values("enterprise_id"))
    if kinds:
        wanted |= Q(pk__in=kind_through.values("enterprise_id"))
    rows = list(
        pool.filter(wanted).order_by().values_list("pk", "name", "jurisdiction_id", "industry")
    )
    by_tag: dict[int, list[str]] = defaultdict(list)
    if tags:
        pairs = tag_through.order_by().values_list("enterprise_id", "sectortag_id")
        for enterprise_id, code in pairs:
            by_tag[enterprise_id].append(code)
    by_kind: dict[int, list[str]] = defaultdict(list)
    if kinds:
        kind_pairs = kind_through.order_by().values_list("enterprise_id", "processkind_id")
        for enterprise_id, code in kind_pairs:
            by_kind[enterprise_id].append(code)

    industry_label = Industry(accident.industry).label if accident.industry else ""
    same_industry = _reason(MatchField.INDUSTRY, [industry_label])
    # One reason per combination of shared codes (few), shared by the rows that have it.
    tag_reasons: dict[tuple, dict] = {}
    kind_reasons: dict[tuple, dict] = {}

    def shared(codes, order, names, kind, cache) -> dict:
        key = tuple(sorted(codes, key=order.__getitem__))
        if key not in cache:
            cache[key] = _reason(kind, [names[code] for code in key])
        return cache[key]

    matches = []
    industry = accident.industry
    for pk, name, jurisdiction_id, their_industry in rows:
        reasons = [same_industry] if their_industry == industry else []
        if pk in by_tag:
            reasons.append(
                shared(by_tag[pk], tag_order, tag_names, MatchField.SECTOR_TAG, tag_reasons)
            )
        if pk in by_kind:
            reasons.append(
                shared(by_kind[pk], kind_order, kind_names, MatchField.PROCESS_KIND, kind_reasons)
            )
        matches.append(Match(pk, name, jurisdiction_id, reasons))
    matches.sort(key=lambda m: (-len(m.reasons), m.name, m.enterprise_id))
    return matches


# --- drafting, adjusting, issuing --------------------------------------------------------------


def attachment_problem(upload) -> str | None:
    """Why the attachment is not a video (MP4) or a document (PDF, Word, picture) the platform
    keeps, by what the file is and its size; None when it is."""
    name = (getattr(upload, "name", "") or "").lower()
    if name.endswith(".mp4"):
        size = getattr(upload, "size", 0) or 0
        if size == 0:
            return "文件是空的"
        if size > reference.ATTACHMENT_MAX_MB * 1024 * 1024:
            return f"文件过大：不能超过 {reference.ATTACHMENT_MAX_MB} MB"
        upload.seek(0)
        head = upload.read(12)
        upload.seek(0)
        # An MP4 (ISO base media file) opens with a box whose type is "ftyp".
        if head[4:8] != b"ftyp":
            return "文件内容不是有效的 MP4 视频"
        return None
    reason = documents.problem(
        upload, kinds=reference.ATTACHMENT_DOCUMENT_KINDS, max_megabytes=reference.ATTACHMENT_MAX_MB
    )
    if reason and reason.startswith("文件格式不支持"):
        return reason.replace("只接受 ", "只接受 MP4 视频、")
    return reason


def _issuer_area(user) -> Jurisdiction:
    if not user.jurisdiction_id:
        raise WarningRefused("您的账号没有所属区划，不能发布警示", 403)
    return user.jurisdiction


def draft(
    user, *, accident_id: int, title: Any, text: Any, lessons: Any = "", attachment=None
) -> AccidentWarning:
    """A draft warning from an accident the user sees, the matched enterprises in the user's
    scope proposed as its recipients (rows with their reasons)."""
    check(user, "accident_warning.issue", "发布事故警示", WarningRefused)
    accident = (
        AccidentCase.objects.for_user(user, "accident.view")
        .counted()
        .filter(pk=_id(accident_id))
        .first()
    )
    if accident is None:
        raise WarningRefused("事故案例不存在或已作废", 404, field="accident")
    values = {
        "title": _text(title, "title"),
        "text": _text(text, "text"),
        "lessons": _text(lessons, "lessons", required=False),
    }
    if attachment and (reason := attachment_problem(attachment)):
        raise WarningRefused(f"附件：{reason}", field="attachment")
    area = _issuer_area(user)
    matches = match(accident, Enterprise.objects.for_user(user))
    with transaction.atomic():
        warning = AccidentWarning(accident=accident, jurisdiction=area, created_by=user, **values)
        if attachment:
            warning.attachment = attachment
        warning.save()
        WarningRecipient.objects.bulk_create(
            [
                WarningRecipient(warning=warning, enterprise_id=m.enterprise_id, reasons=m.reasons)
                for m in matches
            ],
            batch_size=5000,
        )
        events.record(
            WarningEvent,
            actor=user,
            warning=warning,
            action=EventAction.DRAFTED,
            to_state=WarningState.DRAFT,
            note=f"系统匹配 {len(matches)} 家企业",
        )
    return warning


def _draft_for_change(user, warning_id: int) -> AccidentWarning:
    check(user, "accident_warning.issue", "调整事故警示", WarningRefused)
    warning = (
        AccidentWarning.objects.for_user(user, "accident_warning.view")
        .select_for_update()
        .filter(pk=_id(warning_id))
        .first()
    )
    if warning is None:
        raise WarningRefused("事故警示不存在", 404)
    if warning.state != WarningState.DRAFT:
        raise WarningRefused("警示已下发，接收企业不能再调整", 409)
    return warning


def add_recipient(user, warning_id: int, enterprise_id: Any) -> WarningRecipient:
    """Add any enterprise of the user's scope; its reasons, if it matches at all, are kept."""
    with transaction.atomic():
        warning = _draft_for_change(user, warning_id)
        enterprise = Enterprise.objects.for_user(user).filter(pk=_id(enterprise_id)).first()
        if enterprise is None:
            raise WarningRefused("企业不存在或不在您的管辖范围内", 404, field="enterprise")
        if warning.recipients.filter(enterprise=enterprise).exists():
            raise WarningRefused(f"{enterprise.name}已在接收企业名单中", 409, field="enterprise")
        found = match(warning.accident, Enterprise.objects.filter(pk=enterprise.pk))
        recipient = WarningRecipient.objects.create(
            warning=warning,
            enterprise=enterprise,
            reasons=found[0].reasons if found else [],
            proposed=False,
        )
        events.record(
            WarningEvent,
            actor=user,
            warning=warning,
            enterprise=enterprise,
            action=EventAction.RECIPIENT_ADDED,
        )
    return recipient


def remove_recipient(user, warning_id: int, enterprise_id: Any) -> None:
    with transaction.atomic():
        warning = _draft_for_change(user, warning_id)
        recipient = (
            warning.recipients.filter(enterprise_id=_id(enterprise_id))
            .select_related("enterprise")
            .first()
        )
        if recipient is None:
            raise WarningRefused("该企业不在接收企业名单中", 404, field="enterprise")
        events.record(
            WarningEvent,
            actor=user,
            warning=warning,
            enterprise=recipient.enterprise,
            action=EventAction.RECIPIENT_REMOVED,
            payload={"reasons": recipient.reasons, "proposed": recipient.proposed},
        )
        recipient.delete()


def issue(user, warning_id: int) -> AccidentWarning:
    """Issue the draft: every recipient's principal and safety officers are told."""
    with transaction.atomic():
        warning = _draft_for_change(user, warning_id)
        recipients = list(warning.recipients.values_list("enterprise_id", flat=True))
        if not recipients:
            raise WarningRefused("接收企业名单为空，请先添加企业", 409)
        now = timezone.now()
        warning.state, warning.issued_by, warning.issued_at = WarningState.ISSUED, user, now
        warning.save(update_fields=["state", "issued_by", "issued_at"])
        events.record(
            WarningEvent,
            actor=user,
            warning=warning,
            action=EventAction.ISSUED,
            from_state=WarningState.DRAFT,
            to_state=WarningState.ISSUED,
            note=f"下发至 {len(recipients)} 家企业",
        )
        events.record_many(
            WarningEvent,
            [
                WarningEvent(
                    actor=user,
                    at=now,
                    warning=warning,
                    enterprise_id=enterprise_id,
                    action=EventAction.SENT,
                )
                for enterprise_id in recipients
            ],
            batch_size=5000,
        )
    return warning


# --- acknowledging and reminding ---------------------------------------------------------------


def acknowledge(user, warning_id: Any, state: Any, note: Any = "") -> WarningRecipient:
    """The user's enterprise acknowledges an issued warning it is a recipient of (any other
    enterprise: 404). 已阅 once; 已组织学习 (with a note) also after 已阅."""
    check(user, "accident_warning.acknowledge", "阅知事故警示", WarningRefused)
    with transaction.atomic():
        recipient = (
            WarningRecipient.objects.for_user(user, "accident_warning.acknowledge")
            .issued()
            .select_for_update()
            .filter(
                warning_id=_id(warning_id),
                enterprise_id=user.enterprise_id,
            )
            .first()
        )
        if recipient is None:
            raise WarningRefused("事故警示不存在", 404)
        # Asked after the scope: a warning that is not the enterprise's is a 404 whatever the body.
        if state not in (AckState.READ, AckState.STUDIED):
            raise WarningRefused("请选择“已阅”或“已组织学习”", field="state")
        note = _text(note, "note", required=state == AckState.STUDIED)
        if recipient.state == AckState.STUDIED or recipient.state == state:
            raise WarningRefused(f"本企业已{recipient.get_state_display()}", 409)
        was_pending = recipient.state == AckState.PENDING
        before = recipient.state
        recipient.state, recipient.note = state, note
        recipient.acknowledged_at, recipient.acknowledged_by = timezone.now(), user
        recipient.save(update_fields=["state", "note", "acknowledged_at", "acknowledged_by"])
        events.record(
            WarningEvent,
            actor=user,
            warning_id=recipient.warning_id,
            enterprise_id=recipient.enterprise_id,
            action=EventAction.ACKNOWLEDGED,
            from_state=before,
            to_state=state,
            note=note,
        )
        if was_pending:
            warning = AccidentWarning.objects.select_for_update().get(pk=recipient.warning_id)
            left = warning.recipients.filter(state=AckState.PENDING).exists()
            if not left and warning.all_acknowledged_at is None:
                warning.all_acknowledged_at = timezone.now()
                warning.save(update_fields=["all_acknowledged_at"])
                events.record(WarningEvent, warning=warning, action=EventAction.ALL_ACKNOWLEDGED)
    return recipient


def remind(now: datetime | None = None) -> int:
    """Remind each recipient of an issued warning that has not acknowledged it
    REMIND_AFTER_DAYS after issue, and again every as many days (a REMINDED event its
    managers hear of). Returns how many."""
    now = now or timezone.now()
    every = timedelta(days=reference.REMIND_AFTER_DAYS.value)
    due = (
        WarningRecipient.objects.issued()
        .filter(state=AckState.PENDING, warning__issued_at__lte=now - every)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - every))
    )
    with transaction.atomic():
        rows = list(
            due.select_for_update(of=("self",)).values_list("pk", "warning_id", "enterprise_id")
        )
        if not rows:
            return 0
        WarningRecipient.objects.filter(pk__in=[pk for pk, _w, _e in rows]).update(
            reminded_at=now, reminders=F("reminders") + 1
        )
        events.record_many(
            WarningEvent,
            [
                WarningEvent(
                    at=now,
                    warning_id=warning_id,
                    enterprise_id=enterprise_id,
                    action=EventAction.REMINDED,
                )
                for _pk, warning_id, enterprise_id in rows
            ],
            batch_size=5000,
        )
    return len(rows)


# --- figures -----------------------------------------------------------------------------------


@dataclass
class TownRate:
    town: Jurisdiction
    total: int
    read: int
    studied: int

    @property
    def acknowledged(self) -> int:
        return self.read + self.studied

    @property
    def pending(self) -> int:
        return self.total - self.acknowledged

    @property
    def rate(self) -> float | None:
        return round(100 * self.acknowledged / self.total, 1) if self.total else None


def town_rates(user, warning: AccidentWarning | None = None) -> list[TownRate]:
    """Per town, the recipients (of one warning, or of every issued warning) in the user's
    scope, how many read and studied it, and the rate (acknowledged / recipients, %)."""
    rows = WarningRecipient.objects.for_user(user, "accident_warning.view").issued()
    if warning is not None:
        rows = rows.filter(warning=warning)
    counts = (
        rows.order_by()
        .values("enterprise__jurisdiction_id")
        .annotate(
            total=Count("pk"),
            read=Count("pk", filter=Q(state=AckState.READ)),
            studied=Count("pk", filter=Q(state=AckState.STUDIED)),
        )
    )
    by_town = {row["enterprise__jurisdiction_id"]: row for row in counts}
    towns = Jurisdiction.objects.filter(pk__in=by_town).order_by("path")
    return [
        TownRate(
            town, by_town[town.pk]["total"], by_town[town.pk]["read"], by_town[town.pk]["studied"]
        )
        for town in towns
    ]


def campaign_prompt(warning: AccidentWarning) -> str | None:
    """Why the warning's accident calls for a campaign on the matched enterprises, in Chinese:
    a 较大及以上 accident (the level accidents.reference computes), or its category recurring
    RECURRENCE_THRESHOLD times in the 12 months up to it (voided records not counted); None
    when neither holds."""
    accident = warning.accident
    if accident.level in reference.CAMPAIGN_LEVELS:
        return (
            f"该事故为{accident.get_level_display()}（较大及以上），建议对匹配企业开展专项整治"
            f"（{reference.CAMPAIGN_LEVELS_SOURCE}）"
        )
    since = accident.occurred_at - timedelta(days=reference.RECURRENCE_WINDOW_DAYS)
    recurring = (
        AccidentCase.objects.counted()
        .filter(
            category=accident.category, occurred_at__gt=since, occurred_at__lte=accident.occurred_at
        )
        .count()
    )
    threshold = reference.RECURRENCE_THRESHOLD.value
    if recurring >= threshold:
        return (
            f"近12个月{accident.get_category_display()}事故已发生 {recurring} 起"
            f"（达到 {threshold} 起），建议对匹配企业开展专项整治"
            f"（{reference.RECURRENCE_THRESHOLD.source}）"
        )
    return None


def start_campaign(user, warning_id: int) -> Campaign:
    """The campaign a prompted warning calls for (seed task 21): a draft of the user's
    jurisdiction targeting the warning's recipients in the user's scope, with the checklist
    template fitting the accident's category, the accident as its source and the prompt as its
    note; the organiser adjusts and starts it on the campaign's page. Refused when the warning
    prompts no campaign."""
    check(user, "accident_warning.view", "查看事故警示", WarningRefused)
    warning = (
        AccidentWarning.objects.for_user(user, "accident_warning.view")
        .select_related("accident")
        .filter(pk=warning_id)
        .first()
    )
    if warning is None:
        raise WarningRefused("事故警示不存在", 404)
    prompt = campaign_prompt(warning)
    if prompt is None:
        raise WarningRefused("该事故未达到提示开展专项整治的条件（较大及以上或同类事故多发）", 409)
    targets = list(
        Enterprise.objects.for_user(user)
        .filter(pk__in=warning.recipients.values("enterprise_id"))
        .values_list("pk", flat=True)
    )
    if not targets:
        raise WarningRefused("该警示在您辖区内没有接收企业，无法据此开展专项整治", 409)
    accident = warning.accident
    today = timezone.localdate()
    try:
        return campaign_services.create_campaign(
            user,
            name=f"{accident.title[:80]}警示专项整治",
            basis=reference.CAMPAIGN_LEVELS_SOURCE,
            starts_on=today,
            ends_on=today + timedelta(days=reference.CAMPAIGN_DAYS.value),
            template_code=reference.CAMPAIGN_TEMPLATE_FOR_CATEGORY.get(accident.category),
            enterprise_ids=targets,
            source_accident_id=accident.pk,
            note=prompt[:500],
        )
    except campaign_services.CampaignRefused as exc:
        raise WarningRefused(str(exc), exc.status) from exc


# --- 提醒函 -------------------------------------------------------------------------------------


def issue_letter(
    user, *, enterprise_id: Any, content: Any, warning_id: int | None = None
) -> WarningLetter:
    """A 提醒函 to an enterprise of the user's scope, numbered by the user's jurisdiction for
    this year (enforcement.inspections.numbering, DocumentKind.WARNING_LETTER)."""
    check(user, "accident_warning.letter", "发出提醒函", WarningRefused)
    enterprise = Enterprise.objects.for_user(user).filter(pk=_id(enterprise_id)).first()
    if enterprise is None:
        raise WarningRefused("企业不存在或不在您的管辖范围内", 404, field="enterprise")
    warning = None
    if warning_id is not None:
        warning = (
            AccidentWarning.objects.for_user(user, "accident_warning.view")
            .filter(pk=_id(warning_id))
            .first()
        )
        if warning is None:
            raise WarningRefused("事故警示不存在", 404, field="warning")
    content = _text(content, "content")
    area = _issuer_area(user)
    year = timezone.localdate().year
    with transaction.atomic():
        serial, number = numbering.allocate(area, DocumentKind.WARNING_LETTER, year)
        letter = WarningLetter.objects.create(
            warning=warning,
            enterprise=enterprise,
            jurisdiction=area,
            number=number,
            year=year,
            serial=serial,
            content=content,
            issued_by=user,
        )
        events.record(
            WarningEvent,
            actor=user,
            warning=warning,
            enterprise=enterprise,
            action=EventAction.LETTER,
            note=number,
        )
    return letter


# --- supervision records -----------------------------------------------------------------------


def record_supervision(
    user,
    *,
    enterprise_id: Any,
    kind: Any,
    held_on: Any,
    people: Any,
    content: Any,
    follow_up: Any = "",
    today: date | None = None,
) -> SupervisionRecord:
    check(user, "supervision.record", "登记约谈、重点关注或帮扶指导", WarningRefused)
    today = today or timezone.localdate()
    enterprise = Enterprise.objects.for_user(user).filter(pk=_id(enterprise_id)).first()
    if enterprise is None:
        raise WarningRefused("企业不存在或不在您的管辖范围内", 404, field="enterprise")
    if kind not in SupervisionKind.values:
        raise WarningRefused("请选择类型：约谈、重点关注或帮扶指导", field="kind")
    if not isinstance(held_on, date) or isinstance(held_on, datetime):
        raise WarningRefused("请填写日期", field="held_on")
    if problem := date_problem(held_on):
        raise WarningRefused(problem, field="held_on")
    if held_on > today:
        raise WarningRefused("日期不能晚于今天", field="held_on")
    values = {
        "people": _text(people, "people"),
        "content": _text(content, "content"),
        "follow_up": _text(follow_up, "follow_up", required=False),
    }
    with transaction.atomic():
        record = SupervisionRecord.objects.create(
            enterprise=enterprise, kind=kind, held_on=held_on, created_by=user, **values
        )
        events.record(
            WarningEvent,
            actor=user,
            enterprise=enterprise,
            action=EventAction.SUPERVISION,
            to_state=kind,
            note=values["content"][:200],
        )
    return record
