"""The base model admins of every app (the site itself is anjian/admin.py), and the admins of
core's models."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from core.models import CalendarDay, CalendarYear, Jurisdiction


class ModelAdmin(admin.ModelAdmin):
    """The base of every model admin of the project: no deletion unless the model admin says
    so (a record is deactivated, withdrawn or voided through its service instead)."""

    deletable = False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)


class ReadOnlyAdmin(ModelAdmin):
    """Shown, never changed here: the model changes only through its app's services, which
    keep its history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """A record's history (its event rows) under it: shown, never changed or deleted."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
