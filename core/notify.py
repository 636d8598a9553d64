from collections.abc import Iterable

from core import delivery
from core.models import Notification


def send(
    recipients: Iterable,
    title: str,
    body: str = "",
    link: str = "",
    kind: str = "",
    urgent: bool = False,
) -> int:
    """Create one notification per distinct active recipient, and its copies by the channels
    each recipient chose (core.delivery); returns how many. `kind` is the label of the app
    whose event it announces (Notification.kind); `urgent` ones (alarms) ignore digests and
    quiet hours."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=u, title=title[:100], body=body, link=link, kind=kind, urgent=urgent
            )
            for u in unique.values()
        ]
    )
    delivery.plan(created)
    return len(unique)
