from django.apps import AppConfig


class AccidentWarningsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accident_warnings"
    verbose_name = "事故警示"

    def ready(self):
        import accident_warnings.grading_measures  # noqa: F401  (its measure joins grading's registry)
