"""A report is verified when its hazard is confirmed, and closed unverified when it is
rejected. hazards is a lower floor and must not import this app, so this app listens: every
step of a hazard stores a HazardEvent (post_save), and the report follows in the same
transaction, so a confirmation and the reward it proposes commit (or roll back) together."""

from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender="hazards.HazardEvent", dispatch_uid="rewards_hazard_event")
def _hazard_event_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or not created or instance.action not in ("confirm", "reject", "judge_major"):
        return
    from rewards.services import on_hazard_event

    on_hazard_event(instance)
