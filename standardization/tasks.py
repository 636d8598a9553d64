"""The daily expiry: a rating whose certificate term has ended is marked expired and the
enterprise's registry field derived again (services.expire_due)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from standardization.services import expire_due


# "utc": True, so 16:10 UTC is 00:10 in China: the day after the last valid one.
@db_periodic_task(crontab(minute="10", hour="16"))
def expire_ratings():
    return expire_due()
