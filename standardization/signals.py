"""A major hazard confirmed during a rating's validity opens a review of that rating (seed task
12, 一票否决). hazards is a lower floor and must not import this app, so this app listens: every
transition of a hazard saves it (post_save, as grading/signals.py listens), and once the
transaction commits, services.open_review_for_hazard opens the review if the hazard is major
and confirmed (past 待确认, not closed) and the enterprise's rating is valid. It is idempotent
(once per hazard), so a hazard saved again changes nothing."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender="hazards.Hazard", dispatch_uid="standardization_major_hazard")
def _hazard_saved(sender, instance, raw=False, **kwargs):
    if raw or not instance.is_major or instance.state in ("reported", "rejected", "closed"):
        return
    from standardization.services import open_review_for_hazard

    pk = instance.pk
    transaction.on_commit(lambda: open_review_for_hazard(pk), robust=True)
