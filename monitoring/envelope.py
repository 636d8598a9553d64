"""The telemetry envelope, parsed in one place for both ways in: the HTTP endpoint
(monitoring/api.py, POST /api/v1/telemetry, the gateway's token in the Authorization header) and
the MQTT worker (monitoring/mqtt.py, the token in the message itself):

    {"token": "gw_…" (MQTT only), "readings": [{"point": …, "ts": …, "value": …}, …]}

At most TELEMETRY_MAX_BYTES of JSON, an object, a `readings` array of at most
TELEMETRY_MAX_READINGS items; what each reading must be is the ingestion service's
(monitoring.ingest). A refusal carries the HTTP status the request has (or would have had) and
its Chinese reason, worded for the channel ("请求体" over HTTP, "消息" over MQTT)."""

import json
from dataclasses import dataclass

from django.conf import settings

from monitoring import services
from monitoring.models import Gateway


@dataclass(frozen=True)
class Channel:
    noun: str  # what one envelope is called
    holds: str  # what the object holds
    per: str  # "at most N readings" per what


HTTP = Channel("请求体", "readings", "每次请求")
MQTT = Channel("消息", "token 和 readings", "每条消息")


class Refused(Exception):
    """An envelope that can never be stored: its status, Chinese reason and a short English
    code (the MQTT worker logs and answers both)."""

    def __init__(self, status: int, reason: str, code: str):
        super().__init__(reason)
        self.status, self.reason, self.code = status, reason, code


def check_size(length: int, channel: Channel) -> None:
    """413 past TELEMETRY_MAX_BYTES (the HTTP endpoint asks before reading a declared length)."""
    limit = settings.TELEMETRY_MAX_BYTES
    if length > limit:
        raise Refused(413, f"{channel.noun}超过 {limit} 字节", "message too large")


def load(payload: bytes, channel: Channel) -> dict:
    """The envelope's JSON object."""
    check_size(len(payload), channel)
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise Refused(422, f"{channel.noun}不是有效的 JSON", "malformed JSON") from None
    if not isinstance(body, dict):
        raise Refused(422, f"{channel.noun}须为 JSON 对象，含 {channel.holds}", "not an object")
    return body


def gateway(body: dict, known: dict | None = None) -> Gateway:
    """The gateway whose token the envelope carries (MQTT: no header to carry it); `known`:
    the gateways of a batch's tokens looked up at once (services.gateways_for_tokens)."""
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise Refused(401, "缺少网关令牌 token", "missing token")
    found = known.get(token) if known is not None else services.gateway_for_token(token)
    if found is None:
        raise Refused(401, "网关令牌无效", "bad token")
    return found


def readings(body: dict, channel: Channel) -> list:
    """The envelope's readings, checked for shape and count (each one is ingest's to judge)."""
    found = body.get("readings")
    if not isinstance(found, list):
        raise Refused(422, f"{channel.noun}须含数组 readings", "no readings array")
    most = settings.TELEMETRY_MAX_READINGS
    if len(found) > most:
        raise Refused(413, f"{channel.per}最多 {most} 条数据", "too many readings")
    return found
