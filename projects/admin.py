from django.contrib import admin

from core.admin import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline
from projects.models import Equipment, ObsoleteEntry, Project, ProjectEvent


@admin.register(ObsoleteEntry)
class ObsoleteEntryAdmin(ModelAdmin):
    """The catalogue is data the platform superuser keeps: check an entry against the official
    text and clear `unconfirmed`, correct it, add one, or switch it off (never delete: matches
    name it). Saving an entry matches every register against it again (projects.signals)."""

    list_display = ["code", "name", "kind", "source", "unconfirmed", "deadline_days", "active"]
    list_filter = ["kind", "unconfirmed", "active"]
    search_fields = ["code", "name", "keywords", "source"]


class EventInline(ReadOnlyInline):
    model = ProjectEvent
    readonly_fields = ["action", "actor", "at", "on", "note", "document", "from_state", "to_state"]
    fields = readonly_fields


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "enterprise",
        "kind",
        "is_metal_smelting",
        "state",
        "unreviewed_construction",
    ]
    list_filter = ["kind", "is_metal_smelting", "state", "unreviewed_construction"]
    search_fields = ["name", "enterprise__name"]
    inlines = [EventInline]


@admin.register(Equipment)
class EquipmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "model", "kind", "enterprise", "quantity", "year", "in_use"]
    list_filter = ["kind", "in_use"]
    search_fields = ["name", "model", "enterprise__name"]
