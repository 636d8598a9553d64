"""Certificates in the admin: a wrong one is corrected here by the platform superuser (its
status dates follow on save), never deleted (core.admin.ModelAdmin)."""

from django.contrib import admin

from certificates.models import Certificate, RequiredOperation
from core.admin import ModelAdmin


@admin.register(Certificate)
class CertificateAdmin(ModelAdmin):
    list_display = (
        "holder_name",
        "operation",
        "number",
        "enterprise",
        "review_due_on",
        "expires_on",
    )
    list_filter = ("operation",)
    search_fields = ("holder_name", "number")
    raw_id_fields = ("enterprise", "recorded_by")


@admin.register(RequiredOperation)
class RequiredOperationAdmin(ModelAdmin):
    list_display = ("enterprise", "operation", "holders_needed")
    raw_id_fields = ("enterprise", "hazard")
