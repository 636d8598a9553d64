from django.contrib import admin

from core.admin import ModelAdmin, ReadOnlyAdmin
from enforcement.models import (
    ChecklistItem,
    ChecklistTemplate,
    Conflict,
    DocumentNumber,
    Draw,
    Inspection,
    InspectionDocument,
    Inspector,
    Penalty,
    PenaltyState,
)


@admin.register(PenaltyState)
class PenaltyStateAdmin(ModelAdmin):
    list_display = ["code", "name", "sort_order", "next_states", "is_final", "source"]


@admin.register(Inspector)
class InspectorAdmin(ModelAdmin):
    list_display = ["user", "jurisdiction", "active", "note"]
    list_filter = ["active"]
    raw_id_fields = ["user"]


@admin.register(Conflict)
class ConflictAdmin(ModelAdmin):
    list_display = ["inspector", "enterprise", "reason", "declared_at", "withdrawn_at"]
    raw_id_fields = ["inspector", "enterprise", "declared_by", "withdrawn_by"]


class ReadOnly(ReadOnlyAdmin):
    """Changed only through enforcement.plans.services (draws must stay verifiable)."""


@admin.register(Draw)
class DrawAdmin(ReadOnly):
    list_display = ["name", "jurisdiction", "enterprise_count", "pool_size", "drawn_at"]
    exclude = ["pool_ids"]


@admin.register(Penalty)
class PenaltyAdmin(ReadOnly):
    list_display = ["case_number", "enterprise", "amount", "state", "decided_on"]
    list_filter = ["state", "year"]
    search_fields = ["case_number", "enterprise__name"]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0

    def has_delete_permission(self, request, obj=None):
        # An item is switched off (active), not deleted: past inspections answered it.
        return False

    fields = ["order", "code", "text", "legal_basis", "criterion", "active"]
    raw_id_fields = ["criterion"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ModelAdmin):
    """Checklists are data the bureau may correct (wording, legal basis, order, switching an
    item off); `manage.py build_checklists` brings them in line with the criteria library."""

    list_display = ["name", "code", "industry", "sector_tag", "active", "sort_order"]
    list_filter = ["active"]
    inlines = [ChecklistItemInline]


@admin.register(Inspection)
class InspectionAdmin(ReadOnly):
    list_display = ["enterprise", "kind", "state", "inspected_on", "jurisdiction"]
    list_filter = ["state", "kind"]
    search_fields = ["enterprise__name"]


@admin.register(InspectionDocument)
class InspectionDocumentAdmin(ReadOnly):
    list_display = ["number", "kind", "inspection", "issued_at"]
    list_filter = ["kind", "year"]
    search_fields = ["number"]


@admin.register(DocumentNumber)
class DocumentNumberAdmin(ReadOnly):
    list_display = ["jurisdiction", "kind", "year", "last"]
