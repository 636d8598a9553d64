from django.contrib import admin

from core.admin import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline
from hazards.models import Extension, Hazard, HazardEvent, MajorHazardCriterion


@admin.register(MajorHazardCriterion)
class CriterionAdmin(ModelAdmin):
    list_display = ["label", "text", "scope", "industry", "sector_tag", "confirmed", "active"]
    list_filter = ["article", "scope", "confirmed", "active"]
    search_fields = ["text"]


class EventInline(ReadOnlyInline):
    model = HazardEvent
    readonly_fields = ["action", "from_state", "to_state", "actor", "note", "at"]
    fields = readonly_fields


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    """Read-only here: a hazard changes only through its transitions (hazards.services)."""

    list_display = ["enterprise", "description", "is_major", "state", "deadline"]
    list_filter = ["is_major", "state", "source"]
    search_fields = ["description", "enterprise__name"]
    inlines = [EventInline]


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    """Requested and decided through hazards.services, with an event on the hazard."""

    list_display = ["hazard", "old_deadline", "new_deadline", "approved"]
