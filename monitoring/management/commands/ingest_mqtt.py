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
messages from a queue, stores them one message (one gateway's batch) per transaction, and acks.
An ack is only sent on the connection the message came in on: after a reconnection the broker
delivers the message again instead. A database error leaves the message unacknowledged and is
retried after a back-off; SIGTERM or SIGINT finishes the message in hand and disconnects.
"""

import json
import logging
import queue
import signal
import socket
import threading

import paho.mqtt.client as paho
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from monitoring import mqtt

logger = logging.getLogger("monitoring.mqtt")

# A message that keeps failing for a reason other than the database being unreachable (a bug,
# a constraint) is given up after this many attempts, so it cannot stop the worker for good.
ATTEMPTS = 3
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30


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
            default=7 * 24 * 3600,
            help="进程离线后服务器为其保留会话和消息的秒数（默认 7 天）",
        )
        parser.add_argument(
            "--inflight",
            type=int,
            default=100,
            help="最多同时未确认的消息数（MQTT 5 Receive Maximum，默认 100）",
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="每批最多处理的消息数（默认 100）"
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
            session_expiry=options["session_expiry"],
            inflight=options["inflight"],
            batch=options["batch"],
            keepalive=options["keepalive"],
            results=not options["no_results"],
            say=self._say,
        )
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop.set())
        worker.run()

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


class Worker:
    def __init__(
        self, *, client_id, group, session_expiry, inflight, batch, keepalive, results, say
    ):
        self.client_id = client_id
        self.subscription = mqtt.shared_subscription(group)
        self.session_expiry = session_expiry
        self.inflight = inflight
        self.batch = max(1, batch)
        self.keepalive = keepalive
        self.results = results
        self.say = say
        self.stop = threading.Event()
        self.messages: queue.Queue = queue.Queue()
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

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self._next_generation()
        if not self.stop.is_set():
            logger.warning("MQTT connection lost / 连接断开 (%s), reconnecting", reason_code)

    def _on_message(self, client, userdata, message):
        self.messages.put((self.generation, message))

    # --- this thread -----------------------------------------------------------------------

    def run(self):
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
        try:
            while not self.stop.is_set():
                batch = self._next_batch()
                if batch:
                    self._process(batch)
        finally:
            # Messages still queued here are not acknowledged: the session keeps them.
            self.client.disconnect()
            self.client.loop_stop()
            connections.close_all()
            self.say(f"已停止：入库消息 {self.stored} 条，丢弃 {self.dropped} 条")

    def _next_batch(self):
        """The messages waiting, up to the batch size; waits a moment for the first one."""
        try:
            batch = [self.messages.get(timeout=0.2)]
        except queue.Empty:
            return []
        while len(batch) < self.batch:
            try:
                batch.append(self.messages.get_nowait())
            except queue.Empty:
                break
        return batch

    def _process(self, batch):
        close_old_connections()
        for generation, message in batch:
            if self.stop.is_set():
                return
            handled = self._handle(message)
            if handled is None:  # stopping while the database is away
                return
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
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = ""
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
