from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exchange"
    verbose_name = "数据交换"

    def ready(self):
        from exchange import signals

        signals.connect()
