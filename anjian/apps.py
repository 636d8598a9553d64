"""The third-party apps the Django admin shows, under Chinese names (their models' names are
translated in locale/zh_Hans/LC_MESSAGES/django.po, which settings.LOCALE_PATHS reads, so that
no migration of theirs changes)."""

from auditlog.apps import AuditlogConfig as BaseAuditlogConfig
from axes.apps import AppConfig as BaseAxesConfig


class AxesConfig(BaseAxesConfig):
    verbose_name = "登录锁定"


class AuditlogConfig(BaseAuditlogConfig):
    verbose_name = "审计日志"
