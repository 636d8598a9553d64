"""The inbox (站内通知): each user's notifications, read and marked read only by that user.
Pages (core.views) and /api/v1/notifications (core.api) go through these functions."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.models import Notification, kind_label


def notifications(user, kind: str = "", unread: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.for_user(user)
    if kind:
        rows = rows.filter(kind=kind)
    if unread:
        rows = rows.unread()
    return rows.prefetch_related("deliveries").order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def kinds(user) -> list[dict]:
    """The kinds the user has notifications of, with how many and how many unread."""
    rows = (
        Notification.objects.for_user(user)
        .values("kind")
        .annotate(total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))
        .order_by("kind")
    )
    return [{**row, "label": kind_label(row["kind"])} for row in rows]


def mark_read(user, pk: int) -> Notification:
    """One of the user's notifications, marked read (again: a no-op); another's is a 404."""
    notification = Notification.objects.for_user(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user, kind: str = "") -> int:
    return notifications(user, kind, unread=True).update(read_at=timezone.now())


def safe_link(link: str) -> str:
    """Where a notification leads: a path of this site, never another host (a link is written
    by the platform, but a link is followed blindly: it is checked where it is followed)."""
    if link and link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return ""
