"""The daily generation of routine check tasks (risks.checks), at 00:20 for the new day."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from risks import checks


@db_periodic_task(crontab(hour="0", minute="20"))
def generate_check_tasks():
    return checks.generate(timezone.localdate())
