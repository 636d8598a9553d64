"""Every change of a public tip: submission (without an account), the bureau's and the towns'
handling (accept or refuse, verify: a verified tip becomes a hazard through hazards.services),
the reply, the reward, the overdue reminders; and the two reads that need care: the public
status by tracking code and the tipster's contact (county administrator only, audited).

Tracking codes: 20 characters of Crockford's base 32 (100 bits from `secrets`), shown in five
groups of four for reading aloud; only their SHA-256 is stored. A code is normalised (case,
spaces, dashes, O→0, I/L→1) before hashing, and a malformed one is hashed and looked up like
any other, so an unknown and a malformed code are answered identically and in similar time."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from auditlog.models import LogEntry
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import workdays
from core.documents import problem as document_problem
from core.errors import Refused
from core.events import record
from core.gate import check
from core.inputs import text_problem
from core.models import Jurisdiction, JurisdictionKind
from enterprises.choices import Status
from enterprises.models import Enterprise
from hazards import services as hazard_services
from hazards.states import Source
from tips.models import EventAction, Reward, Tip, TipEvent, TipPhoto
from tips.reference import (
    ACCEPT,
    MAX_PHOTO_MEGABYTES,
    MAX_PHOTOS,
    REPLY,
    REWARD_RULES_BY_KEY,
)
from tips.states import AWAITING_REPLY, PUBLIC_LABELS, TRANSITIONS, RewardState, State

if TYPE_CHECKING:
    from accounts.models import User


class TipRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_LENGTH = 20  # 20 × 5 = 100 bits
GROUP = 4
TEXT_LIMITS = {"enterprise_text": 100, "what": 2000, "place": 200, "contact_name": 50}
PHONE = re.compile(r"^[0-9+\-\s]{7,20}$")
RATE_LIMITED = "提交过于频繁：同一网络每天最多提交 {limit} 条举报，请明天再试或拨打举报电话"
PHOTO_KINDS = {"jpg", "png"}
MIN_SEARCH = 2  # characters of an enterprise's name before the public search looks


# --- tracking codes ---------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS-TVWX: easier to read aloud and to copy."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalised(raw: Any) -> str:
    """The code a person typed, as stored: upper case, without spaces or dashes, the letters
    Crockford reads as digits mapped. Anything else yields a string that matches nothing."""
    text = str(raw or "")[:100].upper()
    text = re.sub(r"[\s\-_]", "", text)
    return text.translate(str.maketrans("OIL", "011"))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalised(code).encode("utf-8", "replace")).hexdigest()


def client_key(address: str | None) -> str:
    """A keyed hash of the client address: enough to count its tips, not to recover it."""
    key = hashlib.sha256(f"tips.client:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()


# --- submission -------------------------------------------------------------------------------


@dataclass
class Submission:
    tip: Tip
    code: str

    @property
    def grouped_code(self) -> str:
        return grouped(self.code)


def _line(value: Any, field: str, label: str, required: bool) -> str:
    text = str(value or "").strip()
    if not text:
        if required:
            raise TipRefused(f"请填写{label}", field=field)
        return ""
    limit = TEXT_LIMITS[field]
    if len(text) > limit:
        raise TipRefused(f"{label}不能超过 {limit} 个字", field=field)
    if problem := text_problem(text, multiline=field == "what"):
        raise TipRefused(f"{label}{problem}", field=field)
    return text


def check_photos(photos) -> list:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise TipRefused(f"照片最多 {MAX_PHOTOS} 张", field="photos")
    for photo in photos:
        if problem := document_problem(photo, kinds=PHOTO_KINDS, max_megabytes=MAX_PHOTO_MEGABYTES):
            name = str(getattr(photo, "name", "") or "")[:40]
            raise TipRefused(f"照片“{name}”：{problem}", field="photos")
    return photos


def county() -> Jurisdiction:
    """Where a tip goes without a known enterprise: the installation's first county (its only
    one, or the first of a city's or a province's tree)."""
    found = Jurisdiction.objects.filter(kind=JurisdictionKind.COUNTY).order_by("pk").first()
    if found is None:
        raise TipRefused("系统尚未设置区划，暂不能受理举报", 409)
    return found


def searchable_enterprises():
    """The enterprises the public may name: those still in business."""
    return Enterprise.objects.exclude(status=Status.CLOSED)


def search(term: str, limit: int = 10) -> list[dict]:
    """Names and ids only, of active enterprises whose name holds `term` (at least 2 chars)."""
    term = str(term or "").strip()[:50]
    if len(term) < MIN_SEARCH:
        return []
    rows = searchable_enterprises().filter(name__contains=term).order_by("name", "pk")
    return [{"id": pk, "name": name} for pk, name in rows.values_list("pk", "name")[:limit]]


def check_rate(key: str, today: date) -> None:
    limit = settings.TIPS_PER_ADDRESS_PER_DAY
    if limit and Tip.objects.filter(client_key=key, submitted_on=today).count() >= limit:
        raise TipRefused(RATE_LIMITED.format(limit=limit), 429)


def submit(
    *,
    address: str | None,
    what: Any,
    place: Any,
    enterprise_id: Any = None,
    enterprise_text: Any = "",
    anonymous: bool = True,
    contact_name: Any = "",
    contact_phone: Any = "",
    photos=(),
    today: date | None = None,
) -> Submission:
    """A tip from the public. Refused as a whole (TipRefused naming the field, nothing saved)
    for bad input; 429 past the day's limit for the address."""
    today = today or timezone.localdate()
    enterprise = None
    if enterprise_id not in (None, ""):
        try:
            pk = int(enterprise_id)
        except (TypeError, ValueError):
            pk = 0
        enterprise = searchable_enterprises().select_related("jurisdiction").filter(pk=pk).first()
        if enterprise is None:
            raise TipRefused("所选企业不存在，请重新搜索或直接填写单位名称", field="enterprise")
    enterprise_text = _line(enterprise_text, "enterprise_text", "被举报单位", False)
    what = _line(what, "what", "举报内容", True)
    place = _line(place, "place", "地点", True)
    name_text = contact_phone_text = ""
    if not anonymous:
        name_text = _line(contact_name, "contact_name", "姓名", False)
        contact_phone_text = str(contact_phone or "").strip()
        if not contact_phone_text:
            raise TipRefused("实名举报请填写联系电话，或选择匿名举报", field="contact_phone")
        if not PHONE.match(contact_phone_text):
            raise TipRefused("联系电话格式不正确", field="contact_phone")
    photos = check_photos(photos)
    key = client_key(address)
    check_rate(key, today)
    jurisdiction = enterprise.jurisdiction if enterprise is not None else county()
    code = new_code()
    with transaction.atomic():
        tip = Tip.objects.create(
            code_hash=code_hash(code),
            enterprise=enterprise,
            enterprise_text=enterprise_text,
            jurisdiction=jurisdiction,
            scope_path=enterprise.scope_path if enterprise is not None else jurisdiction.path,
            what=what,
            place=place,
            anonymous=not contact_phone_text,
            contact_name=name_text,
            contact_phone=contact_phone_text,
            submitted_on=today,
            accept_due=workdays.add_workdays(today, ACCEPT.workdays),
            reply_due=workdays.add_workdays(today, REPLY.workdays),
            client_key=key,
        )
        for photo in photos:
            photo.seek(0)
            TipPhoto.objects.create(tip=tip, image=photo)
        record(TipEvent, tip=tip, action=EventAction.SUBMITTED, to_state=State.SUBMITTED)
    return Submission(tip, code)


# --- the public status ------------------------------------------------------------------------


def public_status(code: Any) -> dict | None:
    """What the tipster may read (progress and outcome, never names or other tips), or None
    for an unknown or malformed code alike."""
    tip = (
        Tip.objects.filter(code_hash=code_hash(str(code or "")))
        .select_related("reward")
        .only(
            "state",
            "submitted_on",
            "accepted_on",
            "not_accepted_reason",
            "reply",
            "replied_on",
            "accept_due",
            "reply_due",
            "reward__state",
        )
        .first()
    )
    if tip is None:
        return None
    outcome = ""
    if tip.state == State.NOT_ACCEPTED:
        outcome = tip.not_accepted_reason
    elif tip.state == State.REPLIED:
        outcome = tip.reply
    reward = getattr(tip, "reward", None)
    return {
        "state": tip.state,
        "state_label": PUBLIC_LABELS[State(tip.state)],
        "submitted_on": tip.submitted_on,
        "accepted_on": tip.accepted_on,
        "replied_on": tip.replied_on,
        "reply_due": tip.reply_due,
        "outcome": outcome,
        "reward": RewardState(reward.state).label if reward is not None else "",
    }


# --- the bureau's handling --------------------------------------------------------------------


def _tip(user: "User", tip_id: int, action: str = "tip.view") -> Tip:
    tip = Tip.objects.for_user(user, "tip.view").select_for_update().filter(pk=tip_id).first()
    if tip is None:
        raise TipRefused("举报不存在", 404)
    check(user, action, "办理举报", TipRefused)
    return tip


def actions_for(user: "User", tip: Tip) -> list[tuple[str, str]]:
    """The steps the user may take on the tip now: (action, label)."""
    from accounts.roles import can

    if not can(user, "tip.handle"):
        return []
    return [
        (name, label)
        for name, (sources, _target, label) in TRANSITIONS.items()
        if tip.state in sources
    ]


def act(user: "User", tip_id: int, action: str, note: Any = "") -> Tip:
    """accept, refuse (with a reason), start, dismiss (with the finding), reply (with the
    answer the tipster reads). `verify` is verify(): it records a hazard."""
    if action not in TRANSITIONS or action == "verify":
        raise TipRefused("未知的办理操作")
    sources, target, label = TRANSITIONS[action]
    note = str(note or "").strip()
    if problem := text_problem(note, multiline=True):
        raise TipRefused(f"说明{problem}", field="note")
    if len(note) > 2000:
        raise TipRefused("说明不能超过 2000 个字", field="note")
    if action == "refuse" and not note:
        raise TipRefused("不予受理须填写理由（将告知举报人）", field="note")
    if action == "dismiss" and not note:
        raise TipRefused("核查不属实须填写核查情况", field="note")
    if action == "reply" and not note:
        raise TipRefused("请填写答复内容（举报人凭查询码可见）", field="note")
    with transaction.atomic():
        tip = _tip(user, tip_id, "tip.handle")
        if tip.state not in sources:
            raise TipRefused(f"当前状态为“{tip.get_state_display()}”，不能{label}", 409)
        before = tip.state
        today = timezone.localdate()
        tip.state = target
        if action == "accept":
            tip.accepted_on = today
        elif action == "refuse":
            tip.not_accepted_reason = note[:500]
        elif action == "dismiss":
            tip.finding = note
        elif action == "reply":
            tip.reply, tip.replied_on = note, today
        tip.save()
        record(
            TipEvent,
            tip=tip,
            action=action,
            actor=user,
            from_state=before,
            to_state=target,
            note=note,
        )
    return tip


def verify(user: "User", tip_id: int, finding: Any, description: Any = "") -> Tip:
    """The tip is true: a hazard (source public tip) is recorded for its enterprise through
    hazards.services.report, with the tip's photos, and waits there for confirmation."""
    finding = str(finding or "").strip()
    if not finding:
        raise TipRefused("请填写核查情况", field="finding")
    if problem := text_problem(finding, multiline=True):
        raise TipRefused(f"核查情况{problem}", field="finding")
    with transaction.atomic():
        tip = _tip(user, tip_id, "tip.handle")
        if tip.state != State.VERIFYING:
            raise TipRefused(f"当前状态为“{tip.get_state_display()}”，不能核查属实", 409)
        if tip.enterprise_id is None:
            raise TipRefused(
                "举报未关联平台内企业，不能形成隐患：请先关联企业", 409, field="enterprise"
            )
        text = str(description or "").strip() or f"群众举报：{tip.what}"
        try:
            hazard = hazard_services.report(
                user,
                tip.enterprise_id,
                source=Source.PUBLIC_TIP,
                description=text[:2000],
                place=tip.place,
                found_on=timezone.localdate(),
                found_by="群众举报",
                photos=[photo.image.name for photo in tip.photos.all()],
            )
        except Refused as exc:
            raise TipRefused(str(exc), exc.status) from exc
        except Enterprise.DoesNotExist:
            raise TipRefused("被举报企业不在您的辖区内", 403) from None
        before = tip.state
        tip.state, tip.finding, tip.hazard = State.VERIFIED, finding, hazard
        tip.save()
        record(
            TipEvent,
            tip=tip,
            action=EventAction.VERIFY,
            actor=user,
            from_state=before,
            to_state=tip.state,
            note=finding,
            payload={"hazard": hazard.pk},
        )
    return tip


def link_enterprise(user: "User", tip_id: int, enterprise_id: Any) -> Tip:
    """A tip named in free text turns out to be about an enterprise of the county: linked, and
    routed to that enterprise's town."""
    with transaction.atomic():
        tip = _tip(user, tip_id, "tip.handle")
        if tip.state in (State.VERIFIED, State.NOT_VERIFIED, State.REPLIED, State.NOT_ACCEPTED):
            raise TipRefused("举报已核查或办结，不能再关联企业", 409)
        try:
            pk = int(enterprise_id)
        except (TypeError, ValueError):
            pk = 0
        enterprise = Enterprise.objects.for_user(user).filter(pk=pk).first()
        if enterprise is None:
            raise TipRefused("所选企业不存在或不在您的辖区内", field="enterprise")
        tip.enterprise = enterprise
        tip.jurisdiction_id = enterprise.jurisdiction_id
        tip.scope_path = enterprise.scope_path
        tip.save()
        record(
            TipEvent,
            tip=tip,
            action=EventAction.LINKED,
            actor=user,
            note=f"关联企业：{enterprise.name}，转交所在镇街办理",
            payload={"linked": enterprise.pk},
        )
    return tip


# --- the tipster's identity -------------------------------------------------------------------


@dataclass
class Contact:
    anonymous: bool
    name: str
    phone: str


def contact_of(user: "User", tip: Tip) -> Contact:
    """The tipster's contact, for a county administrator only (tip.contact); every read is an
    audit log entry (django-auditlog, action 查看) naming the reader."""
    check(user, "tip.contact", "查看举报人信息", TipRefused)
    LogEntry.objects.log_create(
        tip,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes={"contact": ["", "查看举报人身份"]},
        actor=user,
    )
    return Contact(tip.anonymous, tip.contact_name, tip.contact_phone)


# --- rewards ----------------------------------------------------------------------------------


def decide_reward(
    user: "User", tip_id: int, rule: str, amount: Any = None, note: Any = ""
) -> Reward:
    """A verified tip's reward under 鲁应急发〔2021〕3号: its rule (reference.REWARD_RULES) and
    amount (the rule's standard one unless given, never above the rule's maximum)."""
    found = REWARD_RULES_BY_KEY.get(str(rule or ""))
    if found is None:
        raise TipRefused("请选择奖励情形", field="rule")
    if amount in (None, ""):
        value = found.amount
    else:
        try:
            value = Decimal(str(amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise TipRefused("奖励金额应为数字", field="amount") from None
        if not value.is_finite() or value <= 0 or value > found.maximum:
            raise TipRefused(f"奖励金额应大于 0 且不超过 {found.maximum} 元", field="amount")
    note = str(note or "").strip()[:500]
    with transaction.atomic():
        tip = _tip(user, tip_id, "tip.reward_decide")
        if tip.state not in (State.VERIFIED, State.REPLIED) or tip.hazard_id is None:
            raise TipRefused("只有核查属实的举报才能核定奖励", 409)
        if Reward.objects.filter(tip=tip).exists():
            raise TipRefused("该举报已核定奖励", 409)
        reward = Reward.objects.create(
            tip=tip,
            rule=found.key,
            amount=value,
            source=found.source,
            state=RewardState.DECIDED,
            decided_by=user,
            decided_at=timezone.now(),
            note=note,
        )
        record(
            TipEvent,
            tip=tip,
            action=EventAction.REWARD_DECIDED,
            actor=user,
            to_state=RewardState.DECIDED,
            note=f"{found.label}，{value} 元",
        )
    return reward


def advance_reward(user: "User", tip_id: int, step: str) -> Reward:
    """approve (by someone other than who decided) or pay (once approved)."""
    steps = {
        "approve": ("tip.reward_approve", RewardState.DECIDED, RewardState.APPROVED),
        "pay": ("tip.reward_pay", RewardState.APPROVED, RewardState.PAID),
    }
    if step not in steps:
        raise TipRefused("未知的奖励操作")
    permission, source, target = steps[step]
    with transaction.atomic():
        tip = _tip(user, tip_id, permission)
        reward = Reward.objects.select_for_update().filter(tip=tip).first()
        if reward is None:
            raise TipRefused("该举报尚未核定奖励", 409)
        if reward.state != source:
            raise TipRefused(f"奖励当前为“{reward.get_state_display()}”，不能进行此操作", 409)
        now = timezone.now()
        if step == "approve":
            if reward.decided_by_id == user.pk:
                raise TipRefused("奖励须由核定人以外的人员审批", 409)
            reward.approved_by, reward.approved_at = user, now
            action = EventAction.REWARD_APPROVED
        else:
            reward.paid_by, reward.paid_at = user, now
            action = EventAction.REWARD_PAID
        reward.state = target
        reward.save()
        record(TipEvent, tip=tip, action=action, actor=user, from_state=source, to_state=target)
    return reward


# --- deadlines --------------------------------------------------------------------------------


def accept_overdue_condition(today: date) -> Q:
    return Q(state=State.SUBMITTED, accept_due__lt=today)


def reply_overdue_condition(today: date) -> Q:
    return Q(state__in=AWAITING_REPLY, reply_due__lt=today)


def overdue_acceptance(queryset, today: date):
    return queryset.filter(accept_overdue_condition(today))


def overdue_reply(queryset, today: date):
    return queryset.filter(reply_overdue_condition(today))


def remind_overdue(today: date | None = None) -> int:
    """Once per tip and deadline: a reminder event (announced to the town's supervisors) for a
    tip not accepted, or not answered, by its deadline. Returns how many were recorded."""
    today = today or timezone.localdate()
    count = 0
    for kind, queryset in (
        ("accept", overdue_acceptance(Tip.objects.all(), today)),
        ("reply", overdue_reply(Tip.objects.all(), today)),
    ):
        reminded = TipEvent.objects.filter(action=EventAction.REMIND, payload__kind=kind)
        for tip in queryset.exclude(pk__in=reminded.values("tip_id")):
            label = ACCEPT.label if kind == "accept" else REPLY.label
            record(
                TipEvent,
                tip=tip,
                action=EventAction.REMIND,
                note=f"已超过{label}",
                payload={"kind": kind},
            )
            count += 1
    return count
