"""The Django admin: the platform's superuser keeps the rules and reference data every county
shares (criteria, calendar, grading factors, checklists); a county administrator, who is not a
superuser, manages only the accounts of their own county (accounts/admin.py, scoped by
`User.objects.managed_by`). Which admin permissions a county administrator holds is data in
accounts/roles.py (ADMIN_PERMISSIONS), granted by accounts.backends.AdminRoleBackend.

Nothing that carries history is deleted here: the base model admins every app builds on
(core/admin.py: ModelAdmin, ReadOnlyAdmin, ReadOnlyInline) refuse deletion unless a model admin
says `deletable = True`, and the bulk "delete selected" action is off for the whole site.
Every model that can be changed here is registered with django-auditlog (the test
accounts/tests/test_admin.py walks the registry to keep it so)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class AnjianAdminSite(admin.AdminSite):
    site_header = "安监平台 管理后台"
    site_title = "安监平台"
    index_title = "基础数据管理"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A bulk delete would skip the per-object refusal and take events with it.
        self.disable_action("delete_selected")

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or user.is_county_admin


class AnjianAdminConfig(AdminConfig):
    default_site = "anjian.admin.AnjianAdminSite"
