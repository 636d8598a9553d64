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
    "extra_forbidden": "不支持该字段",
}


def validation_message(errors: list[dict]) -> list[dict]:
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        out.append(
            {
                "field": ".".join(loc),
                "message": _MESSAGES.get(error.get("type", ""), "格式不正确"),
            }
        )
    return out
