from django.contrib import admin

from accidents.models import AccidentCase, AccidentEvent
from core.admin import ReadOnlyAdmin, ReadOnlyInline


class EventInline(ReadOnlyInline):
    model = AccidentEvent
    readonly_fields = ["action", "actor", "at", "note", "payload"]
    fields = readonly_fields


@admin.register(AccidentCase)
class AccidentCaseAdmin(ReadOnlyAdmin):
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
