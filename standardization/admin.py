from django.contrib import admin

from core.admin import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline
from standardization.models import Rating, RatingEvent, ValidityRule


class EventInline(ReadOnlyInline):
    model = RatingEvent
    readonly_fields = ["action", "actor", "at", "from_state", "to_state", "note", "payload"]
    fields = readonly_fields


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    """Read-only here: a rating moves through standardization.services, which keep its
    history and the enterprise's derived grade."""

    list_display = ["enterprise", "grade", "state", "certificate_no", "valid_until"]
    list_filter = ["grade", "state"]
    search_fields = ["enterprise__name", "certificate_no"]
    inlines = [EventInline]


@admin.register(ValidityRule)
class ValidityRuleAdmin(ModelAdmin):
    """The years a certificate of each grade is valid, with the source; correct a row once
    the official text is read (and clear 未核实原文)."""

    list_display = ["grade", "years", "source", "unconfirmed"]
