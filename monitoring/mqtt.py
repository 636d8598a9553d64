"""MQTT ingestion: one message from a gateway in, its readings stored through the same
ingestion service as HTTP (monitoring.ingest.ingest). The worker that talks to the broker is
`manage.py ingest_mqtt`; this module only decides what a message means.

A gateway publishes (QoS 1) on `<MQTT_TOPIC_PREFIX>/<gateway code>`, by default
`anjian/telemetry/<gateway code>`, the HTTP body plus its token:

    {"token": "gw_…", "readings": [{"point": "dp1", "ts": "2026-11-29T08:00:00+08:00",
                                    "value": 812.5}, …], "id": "optional, echoed back"}

The token must be that gateway's own: a token of another gateway is refused as well as a wrong
one. A message that can never be stored (not JSON, no or a bad token, another gateway's topic,
over TELEMETRY_MAX_BYTES or TELEMETRY_MAX_READINGS; the envelope is checked by
monitoring.envelope, as over HTTP) is logged with its reason and dropped, that is acknowledged:
giving it back to the broker would only bring it back again. The outcome, the same counts the
HTTP endpoint answers or the reason a message was dropped, is published (QoS 0) on
`<MQTT_TOPIC_PREFIX>-result/<gateway code>` for the gateway to read if it wants.

The worker takes the messages that arrive within a short window together (handle_many: one
transaction for all, monitoring.ingest.ingest_many); handle() is the one-message case. Errors of
the database are not handled here: they propagate, and the worker leaves the messages
unacknowledged and tries again.
"""

import logging
import re
from dataclasses import dataclass, replace

from django.conf import settings

from monitoring import envelope, services
from monitoring.ingest import Outcome, ingest_many
from monitoring.models import Gateway

logger = logging.getLogger("monitoring.mqtt")

_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")  # as monitoring.models.CODE_VALIDATOR


def telemetry_topic(code: str = "+") -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}/{code}"


def result_topic(code: str) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}-result/{code}"


def shared_subscription(group: str) -> str:
    """The topic filter the workers of one group share: each message goes to one of them."""
    return f"$share/{group}/{telemetry_topic('+')}"


def gateway_code(topic: str) -> str | None:
    """The gateway code of a telemetry topic, or None for any other topic."""
    prefix = settings.MQTT_TOPIC_PREFIX + "/"
    if not topic.startswith(prefix):
        return None
    code = topic[len(prefix) :]
    return code if _CODE.match(code) else None


@dataclass
class Handled:
    """What became of one message: its readings' outcome, or the reason it was dropped (with
    the HTTP status the same request would have had)."""

    topic: str
    code: str | None = None
    outcome: Outcome | None = None
    error: str | None = None
    status: int = 200
    message_id: str | int | None = None

    @property
    def dropped(self) -> bool:
        return self.error is not None

    def response(self) -> dict:
        answer = self.outcome.as_dict() if self.outcome else {"error": self.error}
        answer["status"] = self.status
        if self.message_id is not None:
            answer["id"] = self.message_id
        return answer

    def log(self) -> None:
        if self.dropped:
            logger.warning(
                "MQTT message dropped / 消息已丢弃 (%s) topic=%r: %s",
                self.status,
                self.topic[:200],
                self.error,
            )
        elif self.outcome.rejected:
            logger.info(
                "MQTT %s: %d stored, %d duplicate, %d rejected",
                self.code,
                self.outcome.accepted,
                self.outcome.duplicate,
                len(self.outcome.rejected),
            )


def _message_id(body: dict):
    value = body.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and len(value) <= 64):
        return value
    return None


def parse(topic: str, payload: bytes) -> tuple[Handled, dict | None]:
    """A message's topic and JSON envelope, checked without the database: what became of it so
    far (dropped, with its reason, when the envelope is None) and the envelope."""
    code = gateway_code(topic)
    if code is None:
        return Handled(
            topic, error=f"主题应为 {telemetry_topic('<网关编码>')}（invalid topic）", status=400
        ), None
    handled = Handled(topic, code)
    try:
        body = envelope.load(payload, envelope.MQTT)
    except envelope.Refused as refused:
        _refuse(handled, refused)
        return handled, None
    handled.message_id = _message_id(body)
    return handled, body


def size(body: dict | None) -> int:
    """How many readings a parsed envelope carries (0 for one that is dropped or malformed)."""
    readings = body.get("readings") if body is not None else None
    return len(readings) if isinstance(readings, list) else 0


def handle(topic: str, payload: bytes, *, now=None) -> Handled:
    """Check one message and store its readings (in one transaction, committed on return)."""
    return handle_many([parse(topic, payload)], now=now)[0]


def handle_many(parsed, *, now=None) -> list[Handled]:
    """Check several parsed messages (parse()) and store the readings of the good ones
    together, in one transaction committed on return (monitoring.ingest.ingest_many); what
    became of each, in order. A bad envelope is dropped alone; the tokens are looked up at once."""
    parsed = [(replace(handled), body) for handled, body in parsed]  # a retry starts afresh
    # The batch's tokens in one query, those found lately from memory: ingest_many checks
    # them again (their digests) as it locks the gateways.
    tokens = [body.get("token") for _, body in parsed if body is not None]
    known = services.gateways_for_tokens(
        {token for token in tokens if isinstance(token, str)}, cached=True
    )
    good: list[tuple[Handled, Gateway, list, str]] = []
    for handled, body in parsed:
        if body is None:
            continue
        try:
            gateway = envelope.gateway(body, known)
            if gateway.code != handled.code:
                raise envelope.Refused(403, "令牌不属于主题中的网关", "token of another gateway")
            readings = envelope.readings(body, envelope.MQTT)
        except envelope.Refused as refused:
            _refuse(handled, refused)
            continue
        good.append((handled, gateway, readings, Gateway.hash_token(body["token"])))
    if good:
        outcomes = ingest_many(
            [(gateway, readings) for _, gateway, readings, _ in good],
            now=now,
            digests=[digest for *_, digest in good],
        )
        for (handled, *_), outcome in zip(good, outcomes, strict=True):
            if outcome.revoked:  # switched off or its token replaced since it was looked up
                _refuse(handled, envelope.Refused(401, "网关令牌无效", "bad token"))
            else:
                handled.outcome = outcome
    return [handled for handled, _ in parsed]


def _refuse(handled: Handled, refused: envelope.Refused) -> None:
    handled.error, handled.status = f"{refused.reason}（{refused.code}）", refused.status


# --- the workers' health, for the monitoring overview ---------------------------------------


@dataclass
class Health:
    """The ingestion workers of this installation and what an operator must be told about them
    (in Chinese, for the page)."""

    workers: list
    broker: dict
    warnings: list[str]


def health(now) -> Health:
    """From the workers' heartbeat rows (manage.py ingest_mqtt records them): a worker silent
    for three heartbeats, no worker running, and the broker's drops and backlog ($SYS)."""
    from datetime import timedelta

    from monitoring.models import IngestWorker

    beat = settings.MQTT_HEARTBEAT_SECONDS
    stale = now - timedelta(seconds=3 * beat)
    rows = list(
        IngestWorker.objects.filter(topic_prefix=settings.MQTT_TOPIC_PREFIX).exclude(
            stopped_at__lt=now - timedelta(days=7)
        )
    )
    warnings = []
    running = []
    for row in rows:
        row.silent = row.stopped_at is None and row.seen_at < stale
        if row.silent:
            minutes = int((now - row.seen_at).total_seconds() // 60)
            warnings.append(
                f"接入进程 {row.client_id}（{row.host}）已 {minutes} 分钟无心跳，可能已退出："
                f"其会话在 {settings.MQTT_SESSION_EXPIRY // 60} 分钟内仍分得消息，请尽快重启。"
            )
        elif row.stopped_at is None:
            running.append(row)
    if rows and not running:
        kept = [row.session_kept_until for row in rows if row.session_kept_until]
        until = f"，会话保留至 {timezone_local(max(kept))}" if kept else ""
        warnings.append(f"没有运行中的 MQTT 接入进程：网关消息在消息服务器排队{until}。")
    broker = max(rows, key=lambda row: row.seen_at).broker if rows else {}
    dropped, held = broker.get("dropped"), broker.get("held")
    if isinstance(dropped, int) and dropped > 0:
        warnings.append(
            f"消息服务器自启动以来已丢弃 {dropped} 条消息（队列已满或超限），请检查其配置"
            "（deploy/mosquitto.conf）和接入进程。"
        )
    if isinstance(held, int) and held >= settings.MQTT_BACKLOG_WARNING:
        warnings.append(f"消息服务器积压 {held} 条消息，接入进程处理不及。")
    shown = {name: broker.get(name, "—") for name in ("held", "dropped", "sessions_offline")}
    shown["version"] = broker.get("version", "")
    return Health(rows, shown, warnings)


def timezone_local(moment) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
