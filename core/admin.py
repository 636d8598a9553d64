from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from anjian.admin import ModelAdmin
from core.models import CalendarDay, CalendarYear, Jurisdiction


@admin.register(Jurisdiction)
class JurisdictionAdmin(ModelAdmin):
    list_display = ["name", "kind", "parent", "code", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        return ["parent"] if obj else []


@admin.register(CalendarYear)
class CalendarYearAdmin(ModelAdmin):
    list_display = ["year", "source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ModelAdmin):
    # A day entered by mistake is removed; the audit log keeps what it was.
    deletable = True
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


# The audit log is read here, never thinned: auditlog's own admin lets a cascade delete entries.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    def has_delete_permission(self, request, obj=None):
        return False
