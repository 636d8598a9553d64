"""The daily reminder of tips past their acceptance or reply deadline (tips.services), at 08:10."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tips import services


@db_periodic_task(crontab(hour="8", minute="10"))
def remind_overdue_tips():
    return services.remind_overdue(timezone.localdate())
