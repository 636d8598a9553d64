from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self):
        from auditlog.registry import auditlog

        from core import signals  # noqa: F401
        from core.models import CalendarDay, CalendarYear, Jurisdiction

        # Changed in the admin (anjian/admin.py): every change on record.
        auditlog.register(Jurisdiction, exclude_fields=["path"])
        auditlog.register(CalendarYear)
        auditlog.register(CalendarDay)
