"""An entry of the catalogue saved (in the admin, or by a migration's loader through the
model): the register is matched against it again once the change is committed."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from projects.models import ObsoleteEntry


@receiver(post_save, sender=ObsoleteEntry, dispatch_uid="projects.rematch_entry")
def rematch_on_change(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from projects import tasks

    pk = instance.pk
    transaction.on_commit(lambda: tasks.rematch_entry(pk), robust=True)
