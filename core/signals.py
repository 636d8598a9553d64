from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core import workdays
from core.models import CalendarDay, CalendarYear


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def _calendar_changed(**kwargs):
    workdays.clear_cache()
