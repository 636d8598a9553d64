"""Background work: matching the whole equipment register again when an entry of the catalogue
of obsolete processes and equipment is added or changed (projects.signals)."""

from django.db import transaction
from huey.contrib.djhuey import db_task

from projects import matching
from projects.models import ObsoleteEntry


@db_task()
def rematch_entry(entry_id: int) -> int:
    entry = ObsoleteEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        return 0
    with transaction.atomic():
        return matching.match_entry(entry)
