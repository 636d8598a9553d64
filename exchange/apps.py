from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exchange"
    verbose_name = "数据交换"

    def ready(self):
        from auditlog.registry import auditlog

        from exchange import signals
        from exchange.models import InboundPlatform, Subscriber

        signals.connect()
        # Who configured what, audited; never the secret (even encrypted) nor the token's
        # hash: a regenerated secret shows as its new secret_changed_at. Nor the delivery
        # state the pushes move every minute (cursor, failures, back-off, alert).
        auditlog.register(
            Subscriber,
            exclude_fields=[
                "secret",
                "cursor",
                "failures",
                "next_attempt_at",
                "last_error",
                "last_success_at",
                "alerted_at",
            ],
        )
        auditlog.register(InboundPlatform, exclude_fields=["token_hash"])
