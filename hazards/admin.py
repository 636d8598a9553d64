from django.contrib import admin

from hazards.models import Extension, Hazard, HazardEvent, MajorHazardCriterion


@admin.register(MajorHazardCriterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["label", "text", "scope", "industry", "sector_tag", "confirmed", "active"]
    list_filter = ["article", "scope", "confirmed", "active"]
    search_fields = ["text"]


class EventInline(admin.TabularInline):
    model = HazardEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_state", "to_state", "actor", "note", "at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Hazard)
class HazardAdmin(admin.ModelAdmin):
    """Read-only here: a hazard changes only through its transitions (hazards.services)."""

    list_display = ["enterprise", "description", "is_major", "state", "deadline"]
    list_filter = ["is_major", "state", "source"]
    search_fields = ["description", "enterprise__name"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["hazard", "old_deadline", "new_deadline", "approved"]

    def has_change_permission(self, request, obj=None):
        return False
