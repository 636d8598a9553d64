"""A subscriber's adapter: how its documents are shaped for a particular interface (a
province's), configured as data on the subscriber, not coded. Per kind, applied in order:

    {"hazard": {"select": ["id", "credit_code", "state", "is_major"],
                "codes": {"state": {"closed": "04", "confirmed": "02"}},
                "rename": {"id": "yhid", "credit_code": "tyshxydm", "state": "zt"}},
     "version": "..."}

`select` keeps only the named fields (all when absent), `codes` maps a field's values (a value
not listed passes unchanged), `rename` gives fields their interface's names. A kind the adapter
does not name is sent as the platform's own document (the default adapter: `{}`)."""

from typing import Any

from exchange.documents import KINDS

OPERATIONS = ("select", "codes", "rename")


class AdapterError(ValueError):
    pass


def validate(adapter: Any) -> dict[str, Any]:
    """The adapter if it is well formed, else AdapterError with the Chinese reason."""
    if not isinstance(adapter, dict):
        raise AdapterError("字段映射须为 JSON 对象")
    for kind, rules in adapter.items():
        if kind not in KINDS:
            raise AdapterError(f"字段映射中的类别“{kind}”不存在")
        if not isinstance(rules, dict) or set(rules) - set(OPERATIONS):
            raise AdapterError(f"类别“{kind}”的映射只能包含 select、codes、rename")
        fields = set(KINDS[kind].schema.model_fields)
        select = rules.get("select", [])
        if not isinstance(select, list) or not all(isinstance(f, str) for f in select):
            raise AdapterError(f"类别“{kind}”的 select 须为字段名列表")
        codes = rules.get("codes", {})
        rename = rules.get("rename", {})
        if not isinstance(codes, dict) or not all(isinstance(m, dict) for m in codes.values()):
            raise AdapterError(f"类别“{kind}”的 codes 须为“字段: {{原值: 新值}}”")
        if not isinstance(rename, dict) or not all(isinstance(n, str) for n in rename.values()):
            raise AdapterError(f"类别“{kind}”的 rename 须为“字段: 新字段名”")
        unknown = (set(select) | set(codes) | set(rename)) - fields
        if unknown:
            raise AdapterError(f"类别“{kind}”没有字段：{'、'.join(sorted(unknown))}")
    return adapter


def apply(adapter: dict[str, Any], kind: str, document: dict[str, Any]) -> dict[str, Any]:
    rules = adapter.get(kind) if adapter else None
    if not rules:
        return document
    select = rules.get("select")
    shaped = {k: v for k, v in document.items() if not select or k in select}
    for field, mapping in rules.get("codes", {}).items():
        if field in shaped and isinstance(shaped[field], str | int | bool):
            shaped[field] = mapping.get(str(shaped[field]), shaped[field])
    rename = rules.get("rename", {})
    return {rename.get(k, k): v for k, v in shaped.items()}
