"""Who is told what (the 通知规则 page): the RECIPIENTS and KINDS tables every app declares in
its `<app>/notifications.py` (core.events finds those modules the same way, by app), read
without core importing any domain app. Each audience there answers `level_label` and
`role_labels` (enterprises.people.Audience)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


def rules() -> list[dict]:
    """Per app that announces events: its name and, per kind of event, its Chinese label and
    the audiences told (level and role names, and the roles themselves)."""
    found = []
    for config in apps.get_app_configs():
        if find_spec(f"{config.name}.notifications") is None:
            continue
        module = import_module(f"{config.name}.notifications")
        table = getattr(module, "RECIPIENTS", None)
        if not table:
            continue
        labels = getattr(module, "KINDS", {})
        kinds = [
            {
                "kind": str(kind),
                "label": labels.get(kind, str(kind)),
                "audiences": [
                    {
                        "level": audience.level_label,
                        "roles": audience.role_labels,
                        "role_values": [str(role) for role in audience.roles],
                    }
                    for audience in audiences
                ],
            }
            for kind, audiences in table.items()
        ]
        found.append({"app": config.label, "name": str(config.verbose_name), "kinds": kinds})
    return found
