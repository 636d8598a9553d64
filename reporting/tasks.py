"""Background jobs of safety commitments, on huey."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


# 00:15 in Asia/Shanghai (UTC+8 all year) is 16:15 UTC the day before; HUEY runs with
# "utc": True, so the crontab is in UTC. Just after midnight: a hazard due yesterday and still
# open is overdue today (hazards.models.HazardQuerySet.overdue).
@db_periodic_task(crontab(minute="15", hour="16"))
def detect_breaches() -> int:
    """The 动态清零 commitments broken by an overdue major hazard (reporting.services)."""
    from reporting import services

    return services.detect_breaches()
