from django.contrib import admin

from enforcement.models import Conflict, Draw, Inspector, Penalty, PenaltyState


@admin.register(PenaltyState)
class PenaltyStateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order", "next_states", "is_final", "source"]


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ["user", "jurisdiction", "active", "note"]
    list_filter = ["active"]
    raw_id_fields = ["user"]


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ["inspector", "enterprise", "reason", "declared_at", "withdrawn_at"]
    raw_id_fields = ["inspector", "enterprise", "declared_by", "withdrawn_by"]


class ReadOnly(admin.ModelAdmin):
    """Changed only through enforcement.services (draws must stay verifiable)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Draw)
class DrawAdmin(ReadOnly):
    list_display = ["name", "jurisdiction", "enterprise_count", "pool_size", "drawn_at"]
    exclude = ["pool_ids"]


@admin.register(Penalty)
class PenaltyAdmin(ReadOnly):
    list_display = ["case_number", "enterprise", "amount", "state", "decided_on"]
    list_filter = ["state", "year"]
    search_fields = ["case_number", "enterprise__name"]
