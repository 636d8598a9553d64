from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class AnjianAdminSite(admin.AdminSite):
    """The Django admin, open to county administrators only."""

    site_header = "安监平台 管理后台"
    site_title = "安监平台"
    index_title = "基础数据管理"

    def has_permission(self, request):
        user = request.user
        return bool(
            user.is_active and user.is_staff and (user.is_superuser or user.is_county_admin)
        )


class AnjianAdminConfig(AdminConfig):
    default_site = "anjian.admin.AnjianAdminSite"
