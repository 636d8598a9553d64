"""Copies of notifications by the channels users chose (core.channels), beside the in-app one.

plan() writes a Delivery row per notification and chosen channel in the transaction that wrote
the notifications, and hands them to a task once it commits. attempt() claims a due delivery
for a few minutes (a lease: a worker that dies mid-send leaves it to the next sweep), sends
outside any transaction, and records the answer: sent, or the error and the next try
(NOTIFY_RETRY_MINUTES), or failed after the last. Users who take a daily digest have their
non-urgent copies held and sent as one message a day (send_digests); quiet hours put off the
non-urgent ones until they end. Urgent notifications (alarms) go at once, whatever the user's
digest or quiet hours."""

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core import channels
from core.models import Delivery, DeliveryState, Notification, NotificationPreference

logger = logging.getLogger("anjian.notify")

LEASE = timedelta(minutes=3)
DIGEST_LINES = 20


def quiet_until(preference: NotificationPreference, now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in (local time), or None outside them."""
    start, end = preference.quiet_start, preference.quiet_end
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    clock = local.time()
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return until if until > local else until + timedelta(days=1)


def plan(notifications: list[Notification]) -> list[Delivery]:
    """The deliveries of freshly written notifications, by each recipient's chosen channels."""
    offered = {channel.name: channel for channel in channels.enabled()}
    if not offered or not notifications:
        return []
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(
            user__in=[n.recipient_id for n in notifications]
        ).select_related("user")
    }
    now = timezone.now()
    rows = []
    for notification in notifications:
        preference = preferences.get(notification.recipient_id)
        if preference is None:
            continue
        held = preference.digest and not notification.urgent
        later = None if notification.urgent else quiet_until(preference, now)
        for name in preference.channels:
            channel = offered.get(name)
            if channel is None or not channel.address(preference.user):
                continue
            rows.append(
                Delivery(
                    notification=notification,
                    channel=name,
                    state=DeliveryState.HELD if held else DeliveryState.PENDING,
                    next_attempt_at=later or now,
                )
            )
    Delivery.objects.bulk_create(rows)
    due = [
        row.pk for row in rows if row.state == DeliveryState.PENDING and row.next_attempt_at <= now
    ]
    if due:
        transaction.on_commit(lambda: send_deliveries(due), robust=True)
    return rows


def _text(notification: Notification) -> str:
    parts = [notification.body.strip()]
    if notification.link.startswith("/"):
        parts.append(f"{settings.SITE_URL.rstrip('/')}{notification.link}")
    return "\n".join(part for part in parts if part)


def attempt(delivery_id: int, now: datetime | None = None) -> bool:
    """Claim one due delivery and send it; True if it went out."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    notification = delivery.notification
    try:
        channels.send(
            delivery.channel, notification.recipient, notification.title, _text(notification)
        )
    except channels.ChannelError as exc:
        _failed(delivery, str(exc), now)
        return False
    Delivery.objects.filter(pk=delivery_id).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def _failed(delivery: Delivery, error: str, now: datetime) -> None:
    retries = settings.NOTIFY_RETRY_MINUTES
    tried = delivery.attempts  # this attempt included
    logger.warning(
        "delivery %s by %s failed (try %s): %s", delivery.pk, delivery.channel, tried, error
    )
    if tried > len(retries):
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, last_error=error[:2000]
        )
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            last_error=error[:2000], next_attempt_at=now + timedelta(minutes=retries[tried - 1])
        )


def retry_due(now: datetime | None = None, limit: int = 500) -> int:
    """Send the pending deliveries whose time has come (retries, quiet hours over, lost tasks)."""
    now = now or timezone.now()
    due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
    return sum(attempt(pk, now) for pk in list(due.values_list("pk", flat=True)[:limit]))


def send_digests(now: datetime | None = None) -> int:
    """One message per user and channel with what was held for the digest; returns how many
    messages went out. A digest that fails keeps its rows held for the next day's."""
    now = now or timezone.now()
    held = (
        Delivery.objects.filter(state=DeliveryState.HELD)
        .select_related("notification__recipient")
        .order_by("notification__created_at", "pk")
    )
    groups: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
    for delivery in held:
        groups[(delivery.notification.recipient_id, delivery.channel)].append(delivery)
    sent = 0
    for (_, name), rows in groups.items():
        user = rows[0].notification.recipient
        titles = [f"· {row.notification.title}" for row in rows[:DIGEST_LINES]]
        if len(rows) > DIGEST_LINES:
            titles.append(f"……另有 {len(rows) - DIGEST_LINES} 条")
        title = f"安监平台每日通知汇总（{len(rows)} 条）"
        text = "\n".join([*titles, f"{settings.SITE_URL.rstrip('/')}/inbox/"])
        ids = [row.pk for row in rows]
        try:
            channels.send(name, user, title, text)
        except channels.ChannelError as exc:
            Delivery.objects.filter(pk__in=ids).update(
                attempts=F("attempts") + 1, last_error=str(exc)[:2000]
            )
            continue
        Delivery.objects.filter(pk__in=ids).update(
            state=DeliveryState.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
        )
        sent += 1
    return sent


# --- the tasks (registered with huey through core.tasks) ----------------------------------------


@db_task()
def send_deliveries(delivery_ids: list[int]) -> int:
    return sum(attempt(pk) for pk in delivery_ids)


@db_periodic_task(crontab(minute="*"))
def retry_deliveries() -> int:
    return retry_due()


# 08:00 in Asia/Shanghai is 00:00 UTC (HUEY runs with "utc": True).
@db_periodic_task(crontab(minute="0", hour="0"))
def daily_digest() -> int:
    return send_digests()
