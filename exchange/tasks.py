from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from exchange import delivery, outbox


@db_periodic_task(crontab(minute="*"))
def push_to_subscribers():
    """Every minute: number the committed entries, then push each due subscriber its own."""
    outbox.sequence()
    return delivery.deliver_all()
