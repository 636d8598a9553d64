from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        from auditlog.registry import auditlog

        from accounts.models import User

        auditlog.register(User, exclude_fields=["password", "last_login"])
