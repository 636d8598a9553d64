from django.contrib import admin

from core.admin import ModelAdmin
from core.admin import ReadOnlyAdmin as BaseReadOnlyAdmin
from grading.models import (
    EnterpriseGrade,
    FrequencyReduction,
    GradeBand,
    GradeChange,
    GradeOverride,
    GradingFactor,
    GradingRun,
    SupervisionFrequency,
)


@admin.register(GradingFactor)
class GradingFactorAdmin(ModelAdmin):
    """County administrators edit the rules; saving one regrades every enterprise
    (grading.signals)."""

    list_display = [
        "label", "group", "measure", "argument", "points_per_unit", "cap", "weight",
        "min_level", "active", "sort_order",
    ]  # fmt: skip
    list_editable = ["active", "sort_order"]
    list_filter = ["group", "active", "measure"]
    search_fields = ["code", "label", "source"]


@admin.register(GradeBand)
class GradeBandAdmin(ModelAdmin):
    list_display = ["level", "min_score", "source"]


@admin.register(SupervisionFrequency)
class SupervisionFrequencyAdmin(ModelAdmin):
    list_display = ["level", "per_year", "label", "source"]


@admin.register(FrequencyReduction)
class FrequencyReductionAdmin(ModelAdmin):
    list_display = ["standardization", "multiplier", "source"]


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    """Grades, their history and overrides change only through grading.services."""


@admin.register(EnterpriseGrade)
class EnterpriseGradeAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "level", "computed_level", "score", "scored_at"]
    list_filter = ["level"]
    search_fields = ["enterprise__name"]
    list_select_related = ["enterprise"]


@admin.register(GradeChange)
class GradeChangeAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "kind", "from_state", "to_state", "at"]
    list_filter = ["kind"]
    list_select_related = ["enterprise"]


@admin.register(GradeOverride)
class GradeOverrideAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "level", "state", "requested_by", "decided_by", "expires_on"]
    list_filter = ["state"]


@admin.register(GradingRun)
class GradingRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "kind", "trigger", "enterprises", "written", "seconds"]
