from django.contrib import admin

from reporting.models import CommitmentBreach, CommitmentEvent, SafetyCommitment


class ReadOnly(admin.ModelAdmin):
    """Commitments and breaches change only through reporting.services (each change an event
    row; nothing is deleted: a commitment is withdrawn, a breach revoked)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = CommitmentEvent
    extra = 0
    fields = ["at", "action", "actor", "breach", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
