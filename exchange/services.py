"""Every change of the exchange's own records goes through here: subscribers (created with a
secret shown once and kept encrypted, edited, their secret regenerated, replayed from a
cursor), the platforms above that push tasks down
(registered with a token shown once, switched off), and the tasks they push (receive: checked,
all or nothing, once per external id, made into a campaign draft through
campaigns.services and told to the county's supervisors). A refusal raises ExchangeRefused with
the reason in Chinese and its HTTP status; nothing changes."""

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User, hash_token
from accounts.roles import Role
from campaigns import services as campaign_services
from campaigns.models import Campaign
from core import notify
from core.errors import Refused
from core.gate import check
from core.models import Jurisdiction
from enterprises.models import Enterprise
from exchange import adapters
from exchange.models import InboundPlatform, InboundTask, Kind, Subscriber, TaskKind


class ExchangeRefused(Refused):
    def __init__(
        self, message: str, status: int = 422, field: str | None = None, errors: Any = None
    ):
        super().__init__(message, status)
        self.field = field
        self.errors = errors


MAX_ENTERPRISES = 5000


def _manager(user: User) -> None:
    check(user, "exchange.manage", "管理数据交换", ExchangeRefused)
    if user.jurisdiction_id is None:
        raise ExchangeRefused("您的账号未归属行政区划", 403)


def _jurisdiction(user: User, jurisdiction_id: int | None) -> Jurisdiction:
    """The user's node or one below it (default: the user's own)."""
    own = user.jurisdiction
    assert own is not None  # _manager() checked it
    found = Jurisdiction.objects.filter(
        pk=jurisdiction_id or own.pk, path__startswith=own.path
    ).first()
    if found is None:
        raise ExchangeRefused("所选范围不在您的管辖范围内", field="jurisdiction")
    return found


def _url(url: Any) -> str:
    url = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExchangeRefused("接收地址须为 http 或 https 地址", field="url")
    return url


def _kinds(kinds: Any) -> list[str]:
    kinds = [k for k in (kinds or []) if isinstance(k, str)]
    if not kinds or set(kinds) - set(Kind.values):
        raise ExchangeRefused("请选择推送类别", field="kinds")
    return [k for k in Kind.values if k in kinds]


def _name(name: Any) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 60:
        raise ExchangeRefused("请填写名称（不超过60字）", field="name")
    return name


def _adapter(adapter: Any) -> dict[str, Any]:
    try:
        return adapters.validate(adapter if adapter is not None else {})
    except adapters.AdapterError as exc:
        raise ExchangeRefused(str(exc), field="adapter") from exc


def create_subscriber(
    user: User,
    *,
    name: Any,
    url: Any,
    kinds: Any,
    adapter: Any = None,
    jurisdiction_id: int | None = None,
) -> tuple[Subscriber, str]:
    """A new subscriber and its signing secret (shown once; kept to sign each push)."""
    _manager(user)
    secret = secrets.token_hex(32)
    subscriber = Subscriber(
        name=_name(name),
        url=_url(url),
        kinds=_kinds(kinds),
        adapter=_adapter(adapter),
        jurisdiction=_jurisdiction(user, jurisdiction_id),
        created_by=user,
    )
    subscriber.set_secret(secret)  # kept encrypted (exchange.sealing)
    subscriber.save()
    return subscriber, secret


def _subscriber(user: User, subscriber_id: int) -> Subscriber:
    _manager(user)
    found = Subscriber.objects.for_user(user, "exchange.manage").filter(pk=subscriber_id).first()
    if found is None:
        raise ExchangeRefused("订阅方不存在", 404)
    return found


def edit_subscriber(
    user: User, subscriber_id: int, *, name: Any, url: Any, kinds: Any, adapter: Any, active: bool
) -> Subscriber:
    subscriber = _subscriber(user, subscriber_id)
    subscriber.name = _name(name)
    subscriber.url = _url(url)
    subscriber.kinds = _kinds(kinds)
    subscriber.adapter = _adapter(adapter)
    subscriber.active = bool(active)
    if subscriber.active:
        subscriber.failures, subscriber.next_attempt_at = 0, None
    subscriber.save()
    return subscriber


def regenerate_secret(user: User, subscriber_id: int) -> tuple[Subscriber, str]:
    """A new signing secret (shown once): the pushes from now on are signed with it, the old
    one no longer verifies. For a secret that leaked, or one that no longer opens after the
    key setting changed."""
    subscriber = _subscriber(user, subscriber_id)
    secret = secrets.token_hex(32)
    subscriber.set_secret(secret)
    subscriber.save(update_fields=["secret", "secret_changed_at"])
    return subscriber, secret


def replay(user: User, subscriber_id: int, cursor: Any) -> Subscriber:
    """Send again from `cursor` (the entries after it): the cursor set back, the back-off
    ended."""
    subscriber = _subscriber(user, subscriber_id)
    if not isinstance(cursor, int) or cursor < 0 or cursor > subscriber.cursor:
        raise ExchangeRefused("重放游标须为不大于已送达游标的非负整数", field="cursor")
    Subscriber.objects.filter(pk=subscriber.pk).update(
        cursor=cursor, failures=0, next_attempt_at=None, last_error=""
    )
    subscriber.refresh_from_db()
    return subscriber


def register_platform(
    user: User, *, name: Any, jurisdiction_id: int | None = None
) -> tuple[InboundPlatform, str]:
    """A platform above that may push tasks to `jurisdiction`, and its token (shown once)."""
    _manager(user)
    raw = InboundPlatform.PREFIX + secrets.token_urlsafe(32)
    platform = InboundPlatform.objects.create(
        name=_name(name),
        jurisdiction=_jurisdiction(user, jurisdiction_id),
        token_hash=hash_token(raw),
        hint=raw[-4:],
        created_by=user,
    )
    return platform, raw


def set_platform_active(user: User, platform_id: int, active: bool) -> InboundPlatform:
    _manager(user)
    platform = (
        InboundPlatform.objects.for_user(user, "exchange.manage").filter(pk=platform_id).first()
    )
    if platform is None:
        raise ExchangeRefused("上级平台不存在", 404)
    platform.active = active
    platform.save(update_fields=["active"])
    return platform


def platform_for_token(raw: str) -> InboundPlatform | None:
    if not raw or not raw.startswith(InboundPlatform.PREFIX):
        return None
    platform = (
        InboundPlatform.objects.select_related("jurisdiction", "created_by")
        .filter(token_hash=hash_token(raw), active=True)
        .first()
    )
    if platform is None or not platform.created_by.is_active:
        return None
    return platform


@dataclass
class TaskIn:
    external_id: str
    kind: str
    name: str
    basis: str
    starts_on: Any
    ends_on: Any
    template_code: str | None = None
    note: str = ""
    enterprises: list[str] | None = None  # credit codes


def _enterprise_ids(platform: InboundPlatform, codes: list[str]) -> list[int]:
    """The enterprises named by credit code, all inside the platform's jurisdiction; else a
    422 naming each row that is not."""
    if len(codes) > MAX_ENTERPRISES:
        raise ExchangeRefused(f"企业名单不能超过 {MAX_ENTERPRISES} 家", field="enterprises")
    found = dict(
        Enterprise.objects.filter(
            credit_code__in=codes, scope_path__startswith=platform.jurisdiction.path
        ).values_list("credit_code", "pk")
    )
    errors, seen = [], set()
    for row, code in enumerate(codes):
        if code in seen:
            errors.append({"row": row, "credit_code": code, "reason": "企业重复"})
        elif code not in found:
            errors.append({"row": row, "credit_code": code, "reason": "企业不存在或不在下发范围内"})
        seen.add(code)
    if errors:
        raise ExchangeRefused(f"企业名单中有 {len(errors)} 行无法接收，任务未接收", errors=errors)
    return [found[code] for code in codes]


def receive(platform: InboundPlatform, task: TaskIn, payload: dict) -> tuple[InboundTask, bool]:
    """The task pushed by `platform`: a campaign draft of the county (kind campaign; the
    enterprises, when named, its targets) or a campaign draft targeting exactly the
    enterprises to check (check_list). Once per external id: sent again with the same content
    it is the task already received (False); with other content a 409."""
    if not task.external_id.strip():
        raise ExchangeRefused("请提供上级平台的任务编号", field="external_id")
    existing = InboundTask.objects.filter(platform=platform, external_id=task.external_id).first()
    if existing is not None:
        if existing.payload != payload:
            raise ExchangeRefused("该任务编号已接收过不同的内容", 409, field="external_id")
        return existing, False
    codes = task.enterprises or []
    if task.kind == TaskKind.CHECK_LIST and not codes:
        raise ExchangeRefused("企业检查名单至少需要一家企业", field="enterprises")
    ids = _enterprise_ids(platform, codes) if codes else None
    actor = platform.created_by
    note = f"{platform.name}下发，任务编号 {task.external_id}"
    if task.note:
        note = f"{note}：{task.note}"[:500]
    try:
        with transaction.atomic():
            campaign = campaign_services.create_campaign(
                actor,
                name=task.name,
                basis=task.basis,
                starts_on=task.starts_on,
                ends_on=task.ends_on,
                template_code=task.template_code,
                enterprise_ids=ids,
                note=note,
            )
            inbound = InboundTask.objects.create(
                platform=platform,
                external_id=task.external_id,
                kind=task.kind,
                payload=payload,
                campaign=campaign,
            )
            transaction.on_commit(lambda: _tell(inbound, campaign), robust=True)
    except campaign_services.CampaignRefused as exc:
        status = exc.status if exc.status in (409, 422) else 422
        raise ExchangeRefused(str(exc), status, field=exc.field) from exc
    except IntegrityError:  # the same task received at the same moment by another request
        existing = InboundTask.objects.filter(
            platform=platform, external_id=task.external_id
        ).first()
        if existing is None or existing.payload != payload:
            raise ExchangeRefused("该任务编号已接收过不同的内容", 409) from None
        return existing, False
    return inbound, True


def _tell(task: InboundTask, campaign: Campaign) -> None:
    """The county's supervisors and administrators of the campaign's jurisdiction."""
    recipients = User.objects.filter(
        is_active=True,
        jurisdiction_id=campaign.jurisdiction_id,
        role__in=[Role.SUPERVISOR, Role.COUNTY_ADMIN],
    )
    label = TaskKind(task.kind).label
    notify.send(
        recipients,
        f"上级平台下发{label}：{campaign.name}",
        f"{task.platform.name}下发（任务编号 {task.external_id}），"
        "已生成专项整治草稿，请完善后启动。",
        reverse("campaigns:detail", args=[campaign.pk]),
        kind="exchange",
    )
