from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from reporting.models import CommitmentBreach, CommitmentEvent, SafetyCommitment


class ReadOnly(ReadOnlyAdmin):
    """Commitments and breaches change only through reporting.services (each change an event
    row; nothing is deleted: a commitment is withdrawn, a breach revoked)."""


class EventInline(ReadOnlyInline):
    model = CommitmentEvent
    fields = ["at", "action", "actor", "breach", "note"]
    readonly_fields = fields


@admin.register(SafetyCommitment)
class SafetyCommitmentAdmin(ReadOnly):
    list_display = [
        "enterprise", "kind", "work_type", "committer_name", "period_start", "period_end",
        "withdrawn_at",
    ]  # fmt: skip
    list_filter = ["kind", "work_type"]
    search_fields = ["enterprise__name", "committer_name"]
    list_select_related = ["enterprise"]
    inlines = [EventInline]


@admin.register(CommitmentBreach)
class CommitmentBreachAdmin(ReadOnly):
    list_display = ["enterprise", "found_on", "cause", "hazard", "revoked_at"]
    list_filter = ["cause"]
    search_fields = ["enterprise__name", "description"]
    list_select_related = ["enterprise", "hazard"]
