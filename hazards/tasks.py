"""Background jobs of the hazard ledger, on huey (SQLite queue by default, Redis when
REDIS_URL is set: the same task code either way)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


# 08:00 in Asia/Shanghai (UTC+8 all year, no daylight saving) is 00:00 UTC. HUEY runs with
# "utc": True, so the scheduler matches crontab fields against UTC time.
@db_periodic_task(crontab(minute="0", hour="0"))
def deadline_reminders() -> dict:
    """Reminders before a rectification deadline and escalation after it (hazards.reminders)."""
    from hazards import reminders

    return reminders.run(timezone.localdate())
