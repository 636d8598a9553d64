"""The nightly figures (targets.services.nightly) at 01:30: the month just ended frozen (and the
year on 1 January), then the live figures refreshed."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from targets import services


@db_periodic_task(crontab(hour="1", minute="30"))
def nightly_targets():
    return [run.pk for run in services.nightly(timezone.localdate())]
