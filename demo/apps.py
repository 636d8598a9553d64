from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and the benchmarks: `load_demo`, the monitoring simulator and the `bench*`
    commands. The top floor: it imports every domain app, and nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "演示与基准"
