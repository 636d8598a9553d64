"""The daily reminder of drills falling due (training.services.remind_due), at 07:10."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from training import services


@db_periodic_task(crontab(hour="7", minute="10"))
def remind_due_drills():
    return services.remind_due(timezone.localdate())
