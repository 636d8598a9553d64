"""manage.py ingest_mqtt: the long-running MQTT ingestion worker.

It subscribes (QoS 1) to `$share/<MQTT_SHARED_GROUP>/<MQTT_TOPIC_PREFIX>/+` (by default
`$share/anjian/anjian/telemetry/+`), so that several workers of one group share the stream,
each message going to one of them. One broker serves one installation unless the installations'
prefixes differ (and their groups: a worker of the same group and prefix takes its share and
drops it as bad tokens). Its MQTT 5 session is persistent
(clean start off, a session expiry) under a stable client id, and it acknowledges a message
(manual PUBACK) only once the transaction that stored its readings has committed. A worker that
dies, even by SIGKILL, leaves its unacknowledged messages in its session; started again with the
same client id it gets them again, and a reading stored twice is a duplicate, never a second row,
since (point, ts) identifies it. So: at-least-once delivery from the broker, exactly-once storage.

The network runs in paho's thread, which also reconnects by itself; this thread takes the
messages from a queue in micro-batches: those that arrive within MQTT_BATCH_WINDOW_MS of the
first, up to --batch messages and MQTT_BATCH_READINGS readings (one message always fits). Each
message's envelope is checked alone (a bad one is dropped alone); the good ones of the batch are
stored in one transaction (monitoring.ingest.ingest_many: the gateways locked in key order, one
insert, the rules per point in time order); once it has committed, every message of the batch
is acknowledged and each gateway gets its result. An ack is only sent on the connection the
message came in on: after a reconnection the broker delivers the message again instead. A
database error leaves the whole batch unacknowledged, retried after a back-off. Any other error
(a poison message, a bug, a constraint) rolls the batch back and its messages are stored one by
one, each in its own transaction as before: only the failing one is given up, after ATTEMPTS.

Memory: the broker sends at most MQTT_INFLIGHT unacknowledged messages (MQTT 5 Receive
Maximum), and the queue between the two threads holds at most that many and MQTT_QUEUE_BYTES;
when it is full the network thread waits, so the broker keeps the rest of a backlog.

Stopping (SIGTERM, SIGINT): when another worker of the group is alive (its heartbeat row is
fresh), this one unsubscribes, stores and acknowledges what it already received, and ends its
session, so the broker sends the others everything from then on. The last worker of its group
keeps its subscription and its session for MQTT_IDLE_SESSION_EXPIRY instead: unsubscribed, the
broker would throw away what gateways publish until a worker is back. A worker that dies keeps
its session (and its share of new messages) for MQTT_SESSION_EXPIRY, minutes: run workers under
a supervisor that restarts them.

Every MQTT_HEARTBEAT_SECONDS the worker records its state and the broker's $SYS counters
(messages dropped, messages held) in its IngestWorker row; the monitoring overview shows them and
warns of a silent worker, a backlog or drops.
"""

import collections
import json
import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta

import paho.mqtt.client as paho
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from core import ops
from core.long_running import tune_garbage_collection
from core.models import OpsSource
from monitoring import mqtt
from monitoring.models import IngestWorker

logger = logging.getLogger("monitoring.mqtt")

# A message that keeps failing for a reason other than the database being unreachable (a bug,
# a constraint) is given up after this many attempts, so it cannot stop the worker for good.
ATTEMPTS = 3
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30
# A stopping worker that hands over waits this long for what the broker already sent it, and
# counts itself drained after this long without a message.
DRAIN_SECONDS = 10
DRAIN_QUIET_SECONDS = 1.0
# The broker's counters the worker reports ($SYS, Mosquitto 2.x), by the name it records them.
SYS_TOPICS = {
    "$SYS/broker/publish/messages/dropped": "dropped",
    "$SYS/broker/store/messages/count": "held",
    "$SYS/broker/clients/disconnected": "sessions_offline",
    "$SYS/broker/version": "version",
}


class Command(BaseCommand):
    help = "MQTT 监测数据接入（长期运行）：订阅 anjian/telemetry/<网关编码>，入库后才确认消息。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--group",
            default="",
            help="共享订阅组名：同组的多个进程分担消息（默认取设置 MQTT_SHARED_GROUP）",
        )
        parser.add_argument(
            "--worker",
            type=int,
            default=1,
            help="本机第几个进程，用于生成默认客户端标识（默认 1）",
        )
        parser.add_argument(
            "--client-id",
            default="",
            help="MQTT 客户端标识，须固定不变：重启后据此取回未确认的消息"
            "（默认 anjian-ingest-<主机名>-<进程号>）",
        )
        parser.add_argument(
            "--session-expiry",
            type=int,
            default=None,
            help="进程意外退出后服务器为其保留会话和消息的秒数（默认取设置 MQTT_SESSION_EXPIRY）",
        )
        parser.add_argument(
            "--inflight",
            type=int,
            default=None,
            help="最多同时未确认的消息数（MQTT 5 Receive Maximum，默认取设置 MQTT_INFLIGHT）",
        )
        parser.add_argument(
            "--queue-bytes",
            type=int,
            default=None,
            help="内存中待处理消息的字节上限（默认取设置 MQTT_QUEUE_BYTES）",
        )
        parser.add_argument(
            "--batch", type=int, default=200, help="每批最多处理的消息数（默认 200）"
        )
        parser.add_argument(
            "--batch-window-ms",
            type=int,
            default=None,
            help="收到第一条消息后再等多少毫秒凑成一批（默认取设置 MQTT_BATCH_WINDOW_MS）",
        )
        parser.add_argument(
            "--batch-readings",
            type=int,
            default=None,
            help="每批最多的数据条数（默认取设置 MQTT_BATCH_READINGS）",
        )
        parser.add_argument("--keepalive", type=int, default=30, help="心跳间隔秒数（默认 30）")
        parser.add_argument(
            "--no-results",
            action="store_true",
            help="不向 anjian/telemetry-result/<网关编码> 发布处理结果",
        )

    def handle(self, *args, **options):
        client_id = options["client_id"] or (
            f"anjian-ingest-{socket.gethostname()}-{options['worker']}"
        )
        worker = Worker(
            client_id=client_id,
            group=options["group"] or settings.MQTT_SHARED_GROUP,
            session_expiry=_or(options["session_expiry"], settings.MQTT_SESSION_EXPIRY),
            inflight=_or(options["inflight"], settings.MQTT_INFLIGHT),
            queue_bytes=_or(options["queue_bytes"], settings.MQTT_QUEUE_BYTES),
            batch=options["batch"],
            window_ms=_or(options["batch_window_ms"], settings.MQTT_BATCH_WINDOW_MS),
            batch_readings=_or(options["batch_readings"], settings.MQTT_BATCH_READINGS),
            keepalive=options["keepalive"],
            results=not options["no_results"],
            say=self._say,
            heartbeat=settings.MQTT_HEARTBEAT_SECONDS,
            idle_session_expiry=settings.MQTT_IDLE_SESSION_EXPIRY,
        )
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop.set())
        tune_garbage_collection()
        worker.run()

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def _or(value, default):
    return default if value is None else value


class Backlog:
    """The messages received and not yet handled, between paho's thread and this one: at most
    `most` messages and `most_bytes` bytes (one message always fits). put() waits while it is
    full, and the broker, its messages unacknowledged, holds the rest. Each side wakes the
    other: a put the worker waiting for a message, a get paho's thread waiting for room."""

    def __init__(self, most: int, most_bytes: int, stop: threading.Event):
        self.most, self.most_bytes, self.stop = max(1, most), max(1, most_bytes), stop
        self.items: collections.deque = collections.deque()
        self.bytes = 0
        self.peak = 0
        self.peak_bytes = 0
        self.changed = threading.Condition()

    def __len__(self):
        return len(self.items)

    def put(self, item, size: int) -> None:
        with self.changed:
            # Once stopping, nobody may be taking any more: the broker's Receive Maximum is
            # then the bound, and what is not stored stays in the session.
            while (
                self.items
                and (len(self.items) >= self.most or self.bytes + size > self.most_bytes)
                and not self.stop.is_set()
            ):
                self.changed.wait(0.5)
            self.items.append((item, size))
            self.bytes += size
            self.peak = max(self.peak, len(self.items))
            self.peak_bytes = max(self.peak_bytes, self.bytes)
            self.changed.notify_all()

    def get(self, timeout: float):
        """The next item, waiting up to `timeout` seconds for one; None if there is none."""
        with self.changed:
            if not self.items and not self.changed.wait_for(lambda: self.items, timeout):
                return None
            item, size = self.items.popleft()
            self.bytes -= size
            self.changed.notify_all()
            return item


class Worker:
    def __init__(
        self,
        *,
        client_id,
        group,
        session_expiry,
        inflight,
        batch,
        keepalive,
        results,
        say,
        queue_bytes=32 * 1024 * 1024,
        heartbeat=10,
        idle_session_expiry=24 * 3600,
        window_ms=0,
        batch_readings=5000,
    ):
        self.client_id = client_id
        self.group = group
        self.subscription = mqtt.shared_subscription(group)
        self.session_expiry = session_expiry
        self.idle_session_expiry = idle_session_expiry
        self.inflight = inflight
        self.heartbeat = heartbeat
        self.batch = max(1, batch)
        self.window = max(0, window_ms) / 1000
        self.batch_readings = max(1, batch_readings)
        # A message taken from the queue that did not fit in the batch: the next one's first.
        self.pending = None
        self.keepalive = keepalive
        self.results = results
        self.say = say
        self.stop = threading.Event()
        self.draining = False
        self.messages = Backlog(inflight, queue_bytes, self.stop)
        self.last_received = time.monotonic()
        self.connected = False
        self.unsubscribed = threading.Event()
        self.broker: dict = {}
        self.counters = None
        self.started_at = timezone.now()
        # The connection a message came in on: bumped on every disconnection and before every
        # connection attempt, under the lock that also guards sending an ack.
        self.generation = 0
        self.lock = threading.Lock()
        self.retry_delay = RETRY_FIRST_SECONDS
        self.stored = 0
        self.dropped = 0
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        client.reconnect_delay_set(min_delay=1, max_delay=RETRY_MAX_SECONDS)
        client.username_pw_set(
            settings.MQTT_USERNAME or None,
            settings.MQTT_PASSWORD or None,
        )
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = lambda *args: self.unsubscribed.set()
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client

    # --- the network thread (paho's) -------------------------------------------------------

    def _next_generation(self):
        with self.lock:
            self.generation += 1

    def _on_pre_connect(self, client, userdata):
        self._next_generation()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("MQTT connection refused / 连接被拒绝: %s", reason_code)
            return
        self.say(
            f"已连接 MQTT {settings.MQTT_HOST}:{settings.MQTT_PORT}，客户端标识 {self.client_id}"
            f"（{'续用会话' if flags.session_present else '新会话'}）"
        )
        self.connected = True
        client.subscribe(self.subscription, options=SubscribeOptions(qos=1))

    def _on_connect_fail(self, client, userdata):
        logger.warning(
            "MQTT broker %s:%s unreachable / 无法连接，稍后重试",
            settings.MQTT_HOST,
            settings.MQTT_PORT,
        )

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        failed = [code for code in reason_codes if code.is_failure]
        if failed:
            logger.error("MQTT subscription refused / 订阅被拒绝: %s", failed)
        else:
            self.say(f"已订阅 {self.subscription}")

    def _counters_client(self):
        """A second connection, clean and without a session, for the broker's $SYS counters:
        on the worker's own, a full in-flight window (a backlog draining) holds back or drops
        QoS 0 messages, these among them."""
        counters = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"{self.client_id}-sys"[:100],
            protocol=paho.MQTTv5,
        )
        counters.username_pw_set(settings.MQTT_USERNAME or None, settings.MQTT_PASSWORD or None)
        counters.reconnect_delay_set(min_delay=1, max_delay=RETRY_MAX_SECONDS)

        def subscribe(client, userdata, flags, reason_code, properties):
            if not reason_code.is_failure:
                client.subscribe([(topic, SubscribeOptions(qos=0)) for topic in SYS_TOPICS])

        def refused(client, userdata, mid, reason_codes, properties):
            if any(code.is_failure for code in reason_codes):
                # The broker's ACL may keep $SYS to itself: the page shows no broker figures.
                logger.warning("MQTT $SYS counters refused / 无法订阅消息服务器计数")

        def record(client, userdata, message):
            name = SYS_TOPICS.get(message.topic)
            if name is not None:
                text = message.payload.decode(errors="replace")[:100]
                self.broker[name] = int(text) if text.isdigit() else text

        counters.on_connect, counters.on_subscribe, counters.on_message = (
            subscribe,
            refused,
            record,
        )
        return counters

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected = False
        self._next_generation()
        if not self.stop.is_set():
            logger.warning("MQTT connection lost / 连接断开 (%s), reconnecting", reason_code)

    def _on_message(self, client, userdata, message):
        self.last_received = time.monotonic()
        self.messages.put((self.generation, message), len(message.payload))

    # --- this thread -----------------------------------------------------------------------

    def run(self):
        self._recall_counters()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        properties.ReceiveMaximum = self.inflight
        self.client.connect_async(
            settings.MQTT_HOST,
            settings.MQTT_PORT,
            keepalive=self.keepalive,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()
        self.counters = self._counters_client()
        self.counters.connect_async(settings.MQTT_HOST, settings.MQTT_PORT, keepalive=60)
        self.counters.loop_start()
        next_beat = 0.0
        try:
            while not self.stop.is_set():
                batch = self._next_batch()
                if batch:
                    self._process(batch)
                if time.monotonic() >= next_beat:
                    self._beat()
                    next_beat = time.monotonic() + self.heartbeat
        finally:
            self._shut_down()

    def _shut_down(self):
        # Stopping first, then looking for others: of two workers stopping together, neither
        # counts on the other, and the group is never left without a subscription.
        self._beat(stopped=True)
        handover = self.connected and self._others_alive()
        drained = False
        if handover:
            self.client.unsubscribe(self.subscription)
            drained = self.unsubscribed.wait(5) and self._drain()
        # Drained: nothing is left in the session, which ends now. Otherwise it keeps what it
        # holds (unacknowledged, still in memory here) for the worker to get it back.
        if drained:
            expiry = 0
            self.say("已退出共享订阅并处理完已收到的消息，会话已结束：同组其他进程接手")
        elif handover:
            expiry = self.session_expiry
            self.say(f"已退出共享订阅，未处理完的消息留在会话中 {expiry} 秒")
        else:
            expiry = self.idle_session_expiry
            self.say(f"同组没有其他运行中的进程：保留订阅和会话 {expiry} 秒，消息在服务器排队")
        properties = Properties(PacketTypes.DISCONNECT)
        properties.SessionExpiryInterval = expiry
        self.client.disconnect(properties=properties)
        self.client.loop_stop()
        if self.counters is not None:
            self.counters.disconnect()
            self.counters.loop_stop()
        kept = None if drained or not expiry else timezone.now() + timedelta(seconds=expiry)
        self._beat(stopped=True, session_kept_until=kept)
        connections.close_all()
        self.say(
            f"已停止：入库消息 {self.stored} 条，丢弃 {self.dropped} 条，"
            f"内存队列峰值 {self.messages.peak} 条 / {self.messages.peak_bytes} 字节，"
            f"消息服务器丢弃 {self.broker.get('dropped', '未知')} 条"
        )

    def _recall_counters(self):
        """The broker's counters as this worker last recorded them. Mosquitto publishes a
        counter when it changes, retained for 60 seconds only: a worker started later would
        otherwise not know of drops that happened while it was away."""
        try:
            known = (
                IngestWorker.objects.filter(client_id=self.client_id)
                .values_list("broker", flat=True)
                .first()
            )
        except DatabaseError:
            connections.close_all()
            return
        for name, value in (known or {}).items():
            self.broker.setdefault(name, value)

    def _others_alive(self) -> bool:
        """Whether another worker of this group and prefix has a fresh heartbeat."""
        fresh = timezone.now() - timedelta(seconds=3 * self.heartbeat)
        try:
            return (
                IngestWorker.objects.filter(
                    group=self.group,
                    topic_prefix=settings.MQTT_TOPIC_PREFIX,
                    stopped_at__isnull=True,
                    seen_at__gte=fresh,
                )
                .exclude(client_id=self.client_id)
                .exists()
            )
        except DatabaseError:
            connections.close_all()
            return False  # unknown: keep the subscription, nothing is lost that way

    def _drain(self) -> bool:
        """Store and acknowledge what the broker already sent; True once nothing has come for
        DRAIN_QUIET_SECONDS and nothing is left, False if that took too long or the database
        is away."""
        self.draining = True
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            batch = self._next_batch()
            if batch:
                if not self._process(batch):
                    return False
            elif (
                not len(self.messages)
                and time.monotonic() - self.last_received >= DRAIN_QUIET_SECONDS
            ):
                return True
        return False

    def _beat(self, stopped=False, session_kept_until=None):
        """Record this worker's state in its IngestWorker row (skipped while the database is
        away: the row going stale is then the warning)."""
        now = timezone.now()
        try:
            IngestWorker.objects.update_or_create(
                client_id=self.client_id,
                defaults={
                    "group": self.group,
                    "topic_prefix": settings.MQTT_TOPIC_PREFIX,
                    "host": socket.gethostname()[:100],
                    "pid": os.getpid(),
                    "started_at": self.started_at,
                    "seen_at": now,
                    "stopped_at": now if stopped else None,
                    "session_kept_until": session_kept_until,
                    "connected": self.connected and not stopped,
                    "queued": len(self.messages),
                    "queue_peak": self.messages.peak,
                    "queue_peak_bytes": self.messages.peak_bytes,
                    "stored": self.stored,
                    "dropped": self.dropped,
                    "broker": dict(self.broker),
                },
            )
        except DatabaseError as error:
            logger.warning("Heartbeat not recorded / 心跳未记录: %s", error)
            connections.close_all()

    def _next_batch(self):
        """The messages that arrive within the window after the first (which it waits a moment
        for), up to the batch size and the reading cap; each as (generation, message, parsed)."""
        first, self.pending = self.pending, None
        if first is None:
            first = self._take(0.2)
            if first is None:
                return []
        batch, readings = [first], mqtt.size(first[2][1])
        deadline = time.monotonic() + self.window
        while len(batch) < self.batch and readings < self.batch_readings:
            item = self._take(max(0.0, deadline - time.monotonic()))
            if item is None:
                break
            more = mqtt.size(item[2][1])
            if readings + more > self.batch_readings:
                self.pending = item
                break
            batch.append(item)
            readings += more
        return batch

    def _take(self, timeout):
        """The next message from the queue, its envelope parsed (no database), or None."""
        item = self.messages.get(timeout=timeout)
        if item is None:
            return None
        generation, message = item
        return generation, message, mqtt.parse(_topic(message), message.payload)

    def _process(self, batch) -> bool:
        """Store the batch together, then ack each message and publish its result; False if it
        stopped short (stopping, or stopping while the database is away). Its slow statements
        and a failure count on the 运行状况 page as 采集 (core.ops.Watch)."""
        close_old_connections()
        if self.stop.is_set() and not self.draining:
            return False
        with ops.Watch(OpsSource.INGEST, f"mqtt:{self.client_id}") as watch:
            return self._process_watched(batch, watch)

    def _process_watched(self, batch, watch) -> bool:
        delay = self.retry_delay
        while True:
            try:
                results = mqtt.handle_many([parsed for _, _, parsed in batch])
                break
            except (OperationalError, InterfaceError) as error:
                # The database is away (or locked, or a deadlock was detected): keep the whole
                # batch, unacknowledged, and try again.
                logger.warning(
                    "Database unavailable / 数据库不可用, retry in %.1fs: %s", delay, error
                )
                connections.close_all()
            except Exception as error:
                # One message of its own (a poison reading, a bug, a constraint): the batch is
                # rolled back; each message alone now, so only that one is given up.
                watch.failed(error)
                logger.exception("MQTT batch failed / 批量处理失败, storing its messages alone")
                connections.close_all()
                return self._process_alone(batch)
            if self.stop.wait(delay):
                return False
            delay = min(delay * 2, RETRY_MAX_SECONDS)
        for (generation, message, _), handled in zip(batch, results, strict=True):
            self._done(generation, message, handled)
        return True

    def _process_alone(self, batch) -> bool:
        """Each message in a transaction of its own, acked after it (the way of a batch that
        failed)."""
        for generation, message, _ in batch:
            if self.stop.is_set() and not self.draining:
                return False
            handled = self._handle(message)
            if handled is None:  # stopping while the database is away
                return False
            self._done(generation, message, handled)
        return True

    def _done(self, generation, message, handled) -> None:
        self._ack(generation, message)
        handled.log()
        if handled.dropped:
            self.dropped += 1
        else:
            self.stored += 1
        if self.results and handled.code:
            self.client.publish(
                mqtt.result_topic(handled.code),
                json.dumps(handled.response(), ensure_ascii=False),
                qos=0,
            )

    def _handle(self, message) -> mqtt.Handled | None:
        topic = _topic(message)
        delay, failures = self.retry_delay, 0
        while True:
            try:
                return mqtt.handle(topic, message.payload)
            except (OperationalError, InterfaceError) as error:
                # The database is away (or locked, or a deadlock was detected): keep the message,
                # unacknowledged, and try again.
                logger.warning(
                    "Database unavailable / 数据库不可用, retry in %.1fs: %s", delay, error
                )
                connections.close_all()
            except Exception:
                failures += 1
                logger.exception("MQTT message failed / 消息处理失败 (attempt %d)", failures)
                connections.close_all()
                if failures >= ATTEMPTS:
                    return mqtt.Handled(
                        topic,
                        mqtt.gateway_code(topic),
                        error="服务器处理失败，消息已丢弃（server error）",
                        status=500,
                    )
            if self.stop.wait(delay):
                return None
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _ack(self, generation, message):
        with self.lock:
            if generation == self.generation:
                self.client.ack(message.mid, message.qos)
                return
        # It came in on a connection since lost: the broker sends it again on this one (the
        # session is persistent), and the readings it carries are duplicates by then.
        logger.info("MQTT ack skipped for mid %s: connection changed since", message.mid)


def _topic(message) -> str:
    try:
        return message.topic
    except UnicodeDecodeError:
        return ""
