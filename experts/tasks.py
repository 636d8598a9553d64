"""The daily sweep closing the reported visits whose hazards are all closed, at 07:20."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from experts import services


@db_periodic_task(crontab(hour="7", minute="20"))
def close_settled_visits():
    return services.close_settled()
