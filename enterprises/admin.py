from django.contrib import admin

from core.admin import ModelAdmin
from enterprises.models import Enterprise, ProcessKind, SectorTag


@admin.register(SectorTag)
class SectorTagAdmin(ModelAdmin):
    list_display = ["name", "code", "source", "sort_order"]


@admin.register(ProcessKind)
class ProcessKindAdmin(ModelAdmin):
    list_display = ["name", "code", "group", "source", "sort_order"]
    list_filter = ["group"]


@admin.register(Enterprise)
class EnterpriseAdmin(ModelAdmin):
    list_display = ["name", "credit_code", "jurisdiction", "industry", "status", "is_demo"]
    list_filter = ["industry", "status", "standardization", "is_demo"]
    search_fields = ["name", "credit_code", "name_initials"]
    autocomplete_fields = ["jurisdiction", "grid"]
    filter_horizontal = ["sector_tags", "process_kinds"]
