"""The daily sweep of remote inspections past their explanation deadline
(enforcement.remote.services.flag_overdue), at 07:20."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from enforcement.remote import services


@db_periodic_task(crontab(hour="7", minute="20"))
def flag_overdue_remote_inspections():
    return services.flag_overdue(timezone.localdate())
