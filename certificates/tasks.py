"""The daily reminders before a certificate's review and expiry (certificates.services), at
07:30 so that they reach the enterprise in the working morning."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from certificates import services


@db_periodic_task(crontab(hour="7", minute="30"))
def send_certificate_reminders():
    return services.send_reminders(timezone.localdate())
