"""Pushing entries to the subscribers. Per subscriber: the entries after its delivered cursor,
in cursor order, in its scope and kinds, in batches of EXCHANGE_BATCH, each batch POSTed as
JSON with its HMAC-SHA256 signature; the cursor moves only on a 2xx, so a batch refused or
unanswered is sent again (same entry ids: the receiver drops what it has). A failure puts the
next attempt off by 30 s × 2^(failures-1), at most EXCHANGE_BACKOFF_MAX_MINUTES; after
EXCHANGE_ALERT_FAILURES in a row the county administrators are told, once per outage, and told
again by the first push that succeeds. Every attempt is a DeliveryAttempt row. The HTTP call
has short timeouts, follows no redirect and goes only to http/https URLs. The body is signed
with the subscriber's secret opened from its encrypted copy (exchange.sealing)."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core import notify
from core.scoping import ancestor_paths
from exchange import adapters, outbox, sealing
from exchange.models import DeliveryAttempt, ExchangeEntry, Subscriber

LEASE = timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 30
# Batches one subscriber gets per run at most (the next run carries on).
MAX_BATCHES = 20


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(failures: int) -> timedelta:
    cap = settings.EXCHANGE_BACKOFF_MAX_MINUTES * 60
    return timedelta(seconds=min(cap, BACKOFF_BASE_SECONDS * 2 ** max(0, failures - 1)))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is answered as it is: a failure, never followed


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the status code (a 4xx/5xx/3xx too), or an OSError when unanswered."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise OSError("只支持 http 或 https 地址")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=settings.EXCHANGE_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _scope(subscriber: Subscriber):
    entries = ExchangeEntry.objects.filter(scope_path__startswith=subscriber.jurisdiction.path)
    return entries


def _send_batch(subscriber: Subscriber, entries: list[ExchangeEntry]) -> tuple[bool, int | None]:
    delivery_id = uuid.uuid4().hex
    items = []
    for entry in entries:
        item = outbox.envelope(entry)
        item["document"] = adapters.apply(subscriber.adapter, entry.kind, entry.document)
        items.append(item)
    body = json.dumps(
        {
            "delivery": delivery_id,
            "entry_ids": [entry.pk for entry in entries],
            "entries": items,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    started = time.monotonic()
    status, error = None, ""
    try:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "anjian-exchange/1",
            "X-Anjian-Signature": signature(subscriber.signing_secret(), body),
            "X-Anjian-Delivery": delivery_id,
        }
        status = post(subscriber.url, body, headers)
    except sealing.SealError as exc:  # not sent: it could not be signed
        error = str(exc)
    except (OSError, ValueError) as exc:  # refused, timed out, unreachable, bad URL
        error = str(exc)[:500] or type(exc).__name__
    ok = status is not None and 200 <= status < 300
    if status is not None and not ok:
        error = f"HTTP {status}"
    DeliveryAttempt.objects.create(
        subscriber=subscriber,
        at=timezone.now(),
        delivery_id=delivery_id,
        first_seq=entries[0].seq,
        last_seq=entries[-1].seq,
        count=len(entries),
        status_code=status,
        duration_ms=int((time.monotonic() - started) * 1000),
        error=error,
        ok=ok,
    )
    return ok, status


def _claim(subscriber_id: int, now: datetime) -> bool:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Subscriber.objects.filter(due, pk=subscriber_id, active=True).update(
            next_attempt_at=now + LEASE
        )
    )


def deliver(subscriber_id: int, now: datetime | None = None) -> int:
    """Push what the subscriber has not had yet, if it is due; returns the entries delivered.
    Claimed by a lease first, so two workers never push to one subscriber at once."""
    now = now or timezone.now()
    if not _claim(subscriber_id, now):
        return 0
    subscriber = Subscriber.objects.select_related("jurisdiction").get(pk=subscriber_id)
    delivered = 0
    try:
        for _ in range(MAX_BATCHES):
            entries, resume = outbox.changes(
                _scope(subscriber), subscriber.cursor, settings.EXCHANGE_BATCH, subscriber.kinds
            )
            if not entries:
                _advance(subscriber, resume)
                break
            ok, _status = _send_batch(subscriber, entries)
            if not ok:
                subscriber.failures += 1
                subscriber.last_error = subscriber.attempts.values_list("error", flat=True)[0]
                subscriber.next_attempt_at = timezone.now() + backoff(subscriber.failures)
                subscriber.save(update_fields=["failures", "last_error", "next_attempt_at"])
                _alert_if_down(subscriber)
                return delivered
            delivered += len(entries)
            _advance(subscriber, resume)
            subscriber.failures = 0
            subscriber.last_error = ""
            subscriber.last_success_at = timezone.now()
            subscriber.save(update_fields=["failures", "last_error", "last_success_at"])
            _tell_if_recovered(subscriber)
    finally:
        # Released unless a failure set the back-off; a replay that moved the cursor back
        # meanwhile is kept (the cursor is only moved forward from the value read).
        Subscriber.objects.filter(pk=subscriber.pk, failures=0).update(next_attempt_at=None)
    return delivered


def _admins(subscriber: Subscriber):
    """The county administrators over the subscriber's scope (its node and those above)."""
    return User.objects.filter(
        is_active=True,
        role=Role.COUNTY_ADMIN,
        jurisdiction__path__in=ancestor_paths(subscriber.jurisdiction.path),
    )


def _alert_if_down(subscriber: Subscriber) -> None:
    """Past EXCHANGE_ALERT_FAILURES failures in a row, tell the administrators, once per
    outage (alerted_at claimed by a conditional update)."""
    threshold = settings.EXCHANGE_ALERT_FAILURES
    if not threshold or subscriber.failures < threshold or subscriber.alerted_at is not None:
        return
    now = timezone.now()
    if not Subscriber.objects.filter(pk=subscriber.pk, alerted_at__isnull=True).update(
        alerted_at=now
    ):
        return
    subscriber.alerted_at = now
    notify.send(
        _admins(subscriber),
        f"数据推送中断：{subscriber.name}",
        f"向“{subscriber.name}”推送已连续失败 {subscriber.failures} 次，"
        f"最近错误：{subscriber.last_error or '无'}。平台仍按退避间隔重试，变更不会丢失，"
        "恢复后将按顺序补送并再次通知。请核实对方接收地址、网络和签名密钥。",
        reverse("exchange:subscriber", args=[subscriber.pk]),
        kind="exchange",
    )


def _tell_if_recovered(subscriber: Subscriber) -> None:
    """A push succeeded after the administrators were told of the outage: tell them it is
    over (once: the conditional update empties alerted_at)."""
    if subscriber.alerted_at is None:
        return
    since = subscriber.alerted_at
    if not Subscriber.objects.filter(pk=subscriber.pk, alerted_at__isnull=False).update(
        alerted_at=None
    ):
        return
    subscriber.alerted_at = None
    notify.send(
        _admins(subscriber),
        f"数据推送已恢复：{subscriber.name}",
        f"向“{subscriber.name}”的推送已恢复（{timezone.localtime(since):%Y-%m-%d %H:%M} "
        "告警中断），积压的变更正在按顺序补送。",
        reverse("exchange:subscriber", args=[subscriber.pk]),
        kind="exchange",
    )


def _advance(subscriber: Subscriber, cursor: int) -> None:
    """Move the delivered cursor forward, unless the administrator set it back meanwhile."""
    moved = Subscriber.objects.filter(pk=subscriber.pk, cursor=subscriber.cursor).update(
        cursor=cursor
    )
    if moved:
        subscriber.cursor = cursor
    else:
        subscriber.refresh_from_db(fields=["cursor"])


def deliver_all(now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = Subscriber.objects.filter(active=True).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return sum(deliver(pk, now) for pk in due.values_list("pk", flat=True))
