"""Chinese messages for request bodies the API cannot parse (pydantic's errors are English)."""

_MESSAGES = {
    "missing": "缺少必填字段",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_too_long": "内容过长",
    "string_unicode": "含有无效字符（如单独的代理字符），请删除后重试",
    "extra_forbidden": "不支持该字段",
}


def _message(error: dict) -> str:
    ctx = error.get("ctx") or {}
    if "reason" in ctx:  # a check of ours (core.inputs) that says why in Chinese
        return str(ctx["reason"])
    if error.get("type") == "string_too_long" and "max_length" in ctx:
        return f"内容过长：最多 {ctx['max_length']} 个字符"
    return _MESSAGES.get(error.get("type", ""), "格式不正确")


def validation_message(errors: list[dict]) -> list[dict]:
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # ("body", "payload", "note") and a multipart ("form", "note") both name the field "note"
        # (and a field that is itself called "body" keeps its name).
        if loc[:1] in (["body"], ["form"]):
            loc = loc[1:]
        if loc[:1] == ["payload"]:
            loc = loc[1:]
        out.append({"field": ".".join(loc), "message": _message(error)})
    return out
