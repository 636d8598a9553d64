"""Admin permissions by role (accounts.roles.ADMIN_PERMISSIONS) instead of Permission rows kept
per user: a county administrator holds exactly what the table says, and loses it with the role."""

from django.contrib.auth.backends import BaseBackend

from accounts.roles import ADMIN_PERMISSIONS


def _granted(user) -> frozenset[str]:
    if not (user.is_active and user.is_staff):
        return frozenset()
    return ADMIN_PERMISSIONS.get(user.role, frozenset())


class AdminRoleBackend(BaseBackend):
    def has_perm(self, user_obj, perm, obj=None):
        return perm in _granted(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return any(perm.startswith(f"{app_label}.") for perm in _granted(user_obj))
