from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        from auditlog.registry import auditlog

        from accounts.models import ApiToken, User

        auditlog.register(User, exclude_fields=["password", "last_login"])
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
