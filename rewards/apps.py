from django.apps import AppConfig


class RewardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rewards"
    verbose_name = "员工隐患报告奖励"

    def ready(self):
        from rewards import signals  # noqa: F401
