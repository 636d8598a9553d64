"""Background jobs of monitoring, on the same huey queue as the hazard ledger's."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core import events
from monitoring.models import AlarmEvent


@db_periodic_task(crontab(minute="*"))
def sweep() -> dict:
    """Every minute: offline points, unacknowledged alarms, devices out of order too long, and
    the notifications whose task was lost."""
    from monitoring import services

    delivered = events.sweep(AlarmEvent)
    return {
        "offline": services.sweep_offline(),
        "escalated": services.sweep_escalation(),
        "hazards": services.sweep_device_hazards(),
        "delivered": delivered,
    }


@db_periodic_task(crontab(minute="10"))
def power_analytics() -> int:
    """Hourly: the power findings (monitoring.power) for every enterprise with a power point.
    Each run looks at the last two hours, so consecutive windows overlap and no hour goes
    unexamined."""
    from monitoring import power

    return power.run(timezone.now())


@db_periodic_task(crontab(minute="0", hour="1"))
def make_partitions() -> None:
    """This month's and next month's readings partitions (PostgreSQL), ahead of the data."""
    from monitoring import partitions

    now = timezone.now()
    following = (now.replace(day=1) + timedelta(days=32)).replace(day=1)
    partitions.ensure({partitions.month_of(now), partitions.month_of(following)})


@db_periodic_task(crontab(minute="*/5"))
def roll_up() -> dict:
    """Every 5 minutes: the minute and hour rollups brought up to now (monitoring.rollups)."""
    from monitoring import rollups

    return rollups.run()


@db_periodic_task(crontab(minute="30", hour="2"))
def retention() -> dict:
    """Daily: raw readings past TELEMETRY_RAW_DAYS removed, their rollups and the readings
    alarms cite kept first; old minute rollups removed (monitoring.rollups.retention)."""
    from monitoring import rollups

    return rollups.retention()
