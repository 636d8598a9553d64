from django.contrib import admin

from accidents.models import AccidentCase, AccidentEvent


class EventInline(admin.TabularInline):
    model = AccidentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "note", "data"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AccidentCase)
class AccidentCaseAdmin(admin.ModelAdmin):
    """Read-only here: a record is recorded, corrected and voided through accidents.services,
    which keep its history; nothing is deleted."""

    list_display = [
        "occurred_at",
        "title",
        "source",
        "enterprise",
        "category",
        "level",
        "voided_at",
    ]
    list_filter = ["source", "level", "category", "industry", "is_near_miss"]
    search_fields = ["title", "location", "enterprise__name"]
    date_hierarchy = "occurred_at"
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
