"""The daily reminder of accident warnings not acknowledged (services.remind), at 08:20."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accident_warnings import services


@db_periodic_task(crontab(hour="8", minute="20"))
def remind_unacknowledged_warnings():
    return services.remind()
