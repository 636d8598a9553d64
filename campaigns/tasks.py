from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from campaigns import services


@db_periodic_task(crontab(hour="8", minute="20"))
def remind_overdue_self_checks():
    """Each morning: the self-checks past their deadline, told once."""
    return services.remind_overdue()
