from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from risks.models import Assessment, Measure, Risk, RiskEvent


class AssessmentInline(ReadOnlyInline):
    model = Assessment
    fk_name = "risk"
    readonly_fields = [
        "method",
        "l_value",
        "e_value",
        "c_value",
        "s_value",
        "score",
        "colour",
        "assessed_by",
        "assessed_at",
    ]
    fields = readonly_fields


class MeasureInline(ReadOnlyInline):
    model = Measure
    readonly_fields = ["kind", "description", "control_level", "owner_name", "withdrawn_at"]
    fields = readonly_fields


class EventInline(ReadOnlyInline):
    model = RiskEvent
    readonly_fields = ["action", "actor", "at", "from_state", "to_state", "note"]
    fields = readonly_fields


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdmin):
    """Read-only here: the register changes through risks.services, which keep its history."""

    list_display = ["description", "enterprise", "point", "accident_type", "colour"]
    list_filter = ["colour", "accident_type", "factor_kind"]
    search_fields = ["description", "enterprise__name"]
    inlines = [AssessmentInline, MeasureInline, EventInline]
