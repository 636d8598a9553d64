"""Recompute a grade when one of its facts changes. An enterprise saved (or its sector tags
changed), a hazard saved (every transition of its life saves it), an accident recorded,
corrected (to another enterprise: both) or voided, a breach of a safety commitment recorded
or revoked, and a risk of the register assessed or a control measure added or withdrawn mark
the enterprise; once the transaction commits, one task regrades all
the enterprises it marked. A rule changed (a factor or a band) regrades everyone.

Alarms and power warnings are picked up by the ten-minute sweep (tasks.regrade_recent: rows
new or changed since the last run): ingestion inserts them in bulk, with no signal at all. The
nightly run catches what no row records (a deadline passing at midnight)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from enterprises.models import Enterprise
from grading.models import GradeBand, GradingFactor


class _Batch:
    """The enterprises one transaction marked, regraded by one task once it commits. Each mark
    registers the batch's flush on the transaction; the first to run takes every id, the rest
    find nothing. The batch is found through those callbacks, so a rollback, which drops them,
    drops it and what it marked (a thread-wide set kept those, and on a long-lived connection
    grew with every rolled-back transaction)."""

    def __init__(self):
        self.ids = set()

    def flush(self):
        if not self.ids:
            return
        batch = sorted(self.ids)
        self.ids.clear()
        from grading.tasks import regrade

        regrade(batch, "企业信息或隐患、报警等因素变化")


def _open_batch(connection) -> _Batch:
    if connection.in_atomic_block:
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(getattr(callback, "__self__", None), _Batch):
                return callback.__self__
    return _Batch()


def touch(enterprise_id):
    """Regrade this enterprise after the current transaction commits (outside one: at once)."""
    if enterprise_id is None:
        return
    batch = _open_batch(transaction.get_connection())
    batch.ids.add(enterprise_id)
    transaction.on_commit(batch.flush, robust=True)


@receiver(post_save, sender=Enterprise, dispatch_uid="grading_enterprise")
def _enterprise_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        touch(instance.pk)


@receiver(m2m_changed, sender=Enterprise.sector_tags.through, dispatch_uid="grading_tags")
def _tags_changed(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # a tag's enterprises changed
        for pk in pk_set or ():
            touch(pk)
    else:
        touch(instance.pk)


@receiver(post_save, sender="hazards.Hazard", dispatch_uid="grading_hazard")
@receiver(post_save, sender="accidents.AccidentCase", dispatch_uid="grading_accident")
@receiver(post_save, sender="reporting.CommitmentBreach", dispatch_uid="grading_breach")
@receiver(post_save, sender="risks.Risk", dispatch_uid="grading_risk")
@receiver(post_save, sender="risks.Measure", dispatch_uid="grading_risk_measure")
def _fact_recorded(sender, instance, raw=False, **kwargs):
    if not raw:
        touch(instance.enterprise_id)


@receiver(pre_save, sender="accidents.AccidentCase", dispatch_uid="grading_accident_moved")
def _accident_moving(sender, instance, raw=False, **kwargs):
    """An accident corrected to another enterprise: the one it leaves is regraded too."""
    if raw or instance.pk is None:
        return
    was = sender.objects.filter(pk=instance.pk).values_list("enterprise_id", flat=True).first()
    if was != instance.enterprise_id:
        touch(was)


@receiver(post_save, sender=GradingFactor, dispatch_uid="grading_factor_saved")
@receiver(post_delete, sender=GradingFactor, dispatch_uid="grading_factor_deleted")
@receiver(post_save, sender=GradeBand, dispatch_uid="grading_band_saved")
@receiver(post_delete, sender=GradeBand, dispatch_uid="grading_band_deleted")
def _rule_changed(sender, raw=False, **kwargs):
    if raw:
        return

    def enqueue():
        from grading.tasks import regrade

        regrade(None, "分级规则调整")

    transaction.on_commit(enqueue, robust=True)
