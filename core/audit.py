"""Reading the audit log (django-auditlog) for people: Chinese action names, field labels and
choice labels, and many-to-many changes, which auditlog's own display does not render."""

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist

ACTIONS = {
    LogEntry.Action.CREATE: "新增",
    LogEntry.Action.UPDATE: "修改",
    LogEntry.Action.DELETE: "删除",
    LogEntry.Action.ACCESS: "查看",
}
M2M_OPERATIONS = {"add": "增加", "delete": "移除", "clear": "清空"}


@dataclass
class HistoryRow:
    timestamp: object
    actor: str
    action: str
    changes: list[tuple[str, str]]


def _value(field, raw) -> str:
    if raw in (None, "", "None"):
        return "空"
    choices = dict(field.choices) if getattr(field, "choices", None) else None
    if choices is not None:
        return str(choices.get(raw, raw))
    if getattr(field, "is_relation", False) and field.many_to_one:
        obj = field.related_model._default_manager.filter(pk=raw).first()
        return str(obj) if obj else str(raw)
    if raw in ("True", "False"):
        return "是" if raw == "True" else "否"
    return str(raw)


def describe(entry: LogEntry, model) -> HistoryRow:
    changes = []
    for name, values in (entry.changes_dict or {}).items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is not None and field.auto_created and not field.concrete:
            # A reverse relation (auditlog records e.g. "users" on create) has no verbose_name
            # and is not a fact of this object.
            continue
        label = str(field.verbose_name) if field is not None else name
        if isinstance(values, dict) and values.get("type") == "m2m":
            operation = M2M_OPERATIONS.get(values.get("operation"), values.get("operation"))
            changes.append((label, f"{operation}：{'、'.join(values.get('objects', []))}"))
        elif field is not None and isinstance(values, list | tuple) and len(values) == 2:
            changes.append((label, f"{_value(field, values[0])} → {_value(field, values[1])}"))
        else:
            changes.append((label, str(values)))
    return HistoryRow(
        timestamp=entry.timestamp,
        actor=str(entry.actor) if entry.actor else "系统",
        action=ACTIONS.get(entry.action, str(entry.action)),
        changes=changes,
    )


def history(obj, limit: int = 20) -> list[HistoryRow]:
    entries = LogEntry.objects.get_for_object(obj).select_related("actor")[:limit]
    return [describe(entry, type(obj)) for entry in entries]
