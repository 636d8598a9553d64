"""A certificate carries its enterprise's scope path (the county's list reads one table): when
an enterprise moves to another town or grid, its certificates follow."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from certificates.models import Certificate
from enterprises.models import Enterprise


@receiver(post_save, sender=Enterprise, dispatch_uid="certificates_scope_path")
def follow_scope_path(sender, instance, **kwargs):
    Certificate.objects.filter(enterprise=instance).exclude(scope_path=instance.scope_path).update(
        scope_path=instance.scope_path
    )
