from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = "三同时与淘汰落后"

    def ready(self):
        from auditlog.registry import auditlog

        from projects import signals  # noqa: F401  (the catalogue's change hook)
        from projects.models import Equipment, ObsoleteEntry, Project

        # The catalogue, corrected in the admin, and the registers: every change on record.
        auditlog.register(ObsoleteEntry)
        auditlog.register(Project)
        auditlog.register(Equipment)
