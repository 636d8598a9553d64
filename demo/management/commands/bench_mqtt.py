"""MQTT ingestion benchmark at the shape gateways send (issue 13): many small messages.

    manage.py bench_mqtt [--gateways 100] [--messages 20] [--workers 1] [--worker-args "…"]

In a database of its own (PostgreSQL anjian_bench_mqtt on the server DATABASE_URL names, or
var/bench_mqtt.sqlite3), emptied and set up as bench_ingest does: --gateways gateways of 25
points of mixed kinds with their rules, some misbehaving so alarms are raised. Each gateway
sends --messages messages of one poll each (25 readings, one time step), round robin as they
would arrive. A Mosquitto of its own with the shipped configuration (deploy/mosquitto.conf) on a
free port, --workers `manage.py ingest_mqtt` processes (a topic prefix and group of this run's
own; --worker-args passed on, e.g. "--batch-window-ms 0 --batch-readings 1" for one message per
transaction; --manage another checkout's manage.py to measure its worker), and one publisher
sending every message at QoS 1 as fast as the broker takes them. Timed: from the first publish
until every message's result has come back on the result topic (the worker answers after the
commit). It prints messages/s and readings/s, and checks that every reading was stored.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import paho.mqtt.client as paho
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from paho.mqtt.enums import CallbackAPIVersion

from demo.management.commands import bench_ingest
from monitoring.models import Alarm, Reading


class Command(bench_ingest.Command):
    help = "MQTT 接入性能基准：多网关小消息经 Mosquitto 到接入进程，测每秒消息数和数据条数"
    pg_database, sqlite_file, tasks_file, lock_name = (
        "anjian_bench_mqtt",
        "bench_mqtt.sqlite3",
        "bench_mqtt_tasks.sqlite3",
        "bench_mqtt.lock",
    )

    def add_arguments(self, parser):
        parser.add_argument("--gateways", type=int, default=100, help="网关数（每个 25 个点位）")
        parser.add_argument("--messages", type=int, default=20, help="每个网关发送的消息数")
        parser.add_argument("--workers", type=int, default=1, help="接入进程数（默认 1）")
        parser.add_argument("--worker-args", default="", help="传给 ingest_mqtt 的其他参数")
        parser.add_argument("--manage", default="", help="接入进程所用的 manage.py（默认本项目）")
        parser.add_argument("--timeout", type=int, default=600, help="最长等待秒数")
        parser.add_argument("--seed", type=int, default=20240404, help="随机种子")

    def handle(self, *args, **options):
        import random

        if options["gateways"] < 1 or options["messages"] < 1 or options["workers"] < 1:
            raise CommandError("--gateways、--messages、--workers 须为正数")
        self.rng = random.Random(options["seed"])
        self._lock = self._only_run()
        where = self._use_bench_database()
        self._use_own_task_queue()
        call_command("migrate", interactive=False, verbosity=0)
        self.plants = self._setup(options["gateways"])
        start = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
        payloads = []
        for n in range(options["messages"]):
            for plant in self.plants:
                readings, _ = plant.batch(len(plant.sims), start, self.rng)
                body = {"token": plant.token, "readings": readings, "id": n}
                payloads.append((plant.gateway.code, json.dumps(body).encode(), len(readings)))
        total = sum(count for _, _, count in payloads)
        self.stdout.write(
            f"{where}: {len(self.plants)} gateways × 25 points, {len(payloads):,} messages, "
            f"{total:,} readings"
        )
        run = uuid.uuid4().hex[:10]
        prefix, group = f"anjian-bench-{run}/telemetry", f"anjian-bench-{run}"
        home = Path(settings.VAR_DIR) / "bench_mqtt"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        broker = _Broker(home)
        env = self._worker_env(home, prefix, group, broker.port)
        connection.close()
        manage = options["manage"] or str(Path(settings.BASE_DIR) / "manage.py")
        extra = shlex.split(options["worker_args"])
        workers = [
            _Worker(manage, env, f"bench-{run}-{n}", extra) for n in range(options["workers"])
        ]
        try:
            for worker in workers:
                worker.wait_for("已订阅", 60)
            seconds, results = _publish(broker.port, prefix, payloads, options["timeout"])
        finally:
            for worker in workers:
                worker.stop()
            broker.stop()
        stored = Reading.objects.count()
        alarms = Alarm.objects.count()
        statuses = {}
        for answer in results:
            statuses[answer.get("status")] = statuses.get(answer.get("status"), 0) + 1
        self.stdout.write(
            f"Worker args: {options['worker_args'] or '(defaults)'}; workers: {len(workers)}\n"
            f"{len(results):,} of {len(payloads):,} results in {seconds:.2f} s: "
            f"{len(results) / seconds:,.0f} messages/s, "
            f"{sum(a.get('accepted', 0) for a in results) / seconds:,.0f} readings/s\n"
            f"Stored {stored:,} of {total:,} readings; {alarms} alarms; statuses {statuses}; "
            f"load average {bench_ingest.load_averages()}"
        )
        if stored != total:
            raise CommandError("并非全部数据都已入库")

    def _worker_env(self, home, prefix, group, port) -> dict:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DATABASE_URL", "REDIS_URL", "SQLITE_NAME", "TASKS_IMMEDIATE"}
        }
        # Its own var directory: the alarms' notification tasks go to a queue of its own.
        env.update(
            ANJIAN_VAR_DIR=str(home),
            MQTT_PORT=str(port),
            MQTT_TOPIC_PREFIX=prefix,
            MQTT_SHARED_GROUP=group,
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        env.setdefault("SECRET_KEY", "bench-mqtt-secret-key")
        s = connection.settings_dict
        if connection.vendor == "sqlite":
            env["SQLITE_NAME"] = str(Path(s["NAME"]).resolve())
        else:
            credentials = quote(s["USER"] or "", safe="")
            if s["PASSWORD"]:
                credentials += ":" + quote(s["PASSWORD"], safe="")
            port_ = f":{s['PORT']}" if s["PORT"] else ""
            env["DATABASE_URL"] = (
                f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}{port_}/{s['NAME']}"
            )
        return env


def _publish(port, prefix, payloads, timeout):
    """Publish every message (QoS 1) and wait for every result; (seconds, results)."""
    results: list[dict] = []
    done = threading.Event()

    def answered(client, userdata, message):
        results.append(json.loads(message.payload))
        if len(results) >= len(payloads):
            done.set()

    listener = _client(port)
    subscribed = threading.Event()
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.on_message = answered
    listener.loop_start()
    listener.subscribe(f"{prefix}-result/+", qos=0)
    if not subscribed.wait(10):
        raise CommandError("无法订阅结果主题")
    publisher = _client(port, inflight=1000)
    publisher.loop_start()
    started = time.perf_counter()
    sent = [publisher.publish(f"{prefix}/{code}", payload, qos=1) for code, payload, _ in payloads]
    for info in sent:
        info.wait_for_publish(timeout)
    done.wait(timeout)
    seconds = time.perf_counter() - started
    for client in (publisher, listener):
        client.disconnect()
        client.loop_stop()
    return seconds, list(results)


def _client(port, inflight=20):
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid.uuid4().hex}", protocol=paho.MQTTv5
    )
    client.max_inflight_messages_set(inflight)
    client.connect("127.0.0.1", port)
    return client


class _Broker:
    """Mosquitto with the shipped configuration on a free port, its files in `home`."""

    def __init__(self, home: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        text = (Path(settings.BASE_DIR) / "deploy" / "mosquitto.conf").read_text()
        text = re.sub(r"^listener .*$", f"listener {self.port} 127.0.0.1", text, flags=re.M)
        text = re.sub(
            r"^persistence_location .*$", f"persistence_location {home}/", text, flags=re.M
        )
        if os.geteuid() == 0:  # Mosquitto would switch to the user "mosquitto"
            import getpass

            text += f"\nuser {getpass.getuser()}\n"
        config = home / "mosquitto.conf"
        config.write_text(text)
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command)
            [binary, "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(home / "mosquitto.log").open("ab"),
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise CommandError("Mosquitto 未能启动") from None
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class _Worker:
    def __init__(self, manage, env, client_id, extra):
        self.lines: list[str] = []
        self.process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [sys.executable, manage, "ingest_mqtt", "--client-id", client_id, *extra],
            cwd=Path(manage).parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise CommandError("接入进程未能启动：\n" + "\n".join(self.lines[-30:]))
            time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
