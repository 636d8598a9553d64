from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = "企业"

    def ready(self):
        from auditlog.registry import auditlog

        from enterprises.models import Enterprise, ProcessKind, SectorTag

        auditlog.register(
            Enterprise,
            exclude_fields=["name_initials", "scope_path", "updated_at"],
            m2m_fields={"sector_tags", "process_kinds"},
        )
        auditlog.register(SectorTag)
        auditlog.register(ProcessKind)
