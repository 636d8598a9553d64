"""Background work: matching the whole equipment register again when an entry of the catalogue
of obsolete processes and equipment is added or changed (projects.signals), and an hourly sweep
for entries whose matching never finished (the task died with its worker)."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from projects import matching
from projects.models import ObsoleteEntry


@db_task()
def rematch_entry(entry_id: int) -> int:
    entry = ObsoleteEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        return 0
    started = timezone.now()
    with transaction.atomic():
        made = matching.match_entry(entry)
        ObsoleteEntry.objects.filter(pk=entry_id).update(matched_at=started)
    return made


def unmatched():
    """Entries changed since their last matching began, or never matched."""
    return ObsoleteEntry.objects.filter(
        Q(matched_at__isnull=True) | Q(updated_at__gt=F("matched_at"))
    )


@db_periodic_task(crontab(minute="17"))
def rematch_unmatched() -> int:
    return sum(rematch_entry.call_local(pk) for pk in unmatched().values_list("pk", flat=True))
