from collections.abc import Iterable

from core.models import Notification


def send(recipients: Iterable, title: str, body: str = "", link: str = "", kind: str = "") -> int:
    """Create one notification per distinct active recipient; returns how many. `kind` is the
    label of the app whose event it announces (Notification.kind)."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    Notification.objects.bulk_create(
        [
            Notification(recipient=u, title=title[:100], body=body, link=link, kind=kind)
            for u in unique.values()
        ]
    )
    return len(unique)
