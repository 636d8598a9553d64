"""Telemetry benchmark at the shape gateways send (issue 13): many gateways, one small message a
poll, over HTTP (a real gunicorn, or the gateways' own server under uvicorn) or MQTT (a real
Mosquitto and `ingest_mqtt` workers).

    manage.py bench_gateways [--transport http mqtt mqtt:2] [--gateways 1000] [--messages 10]
                             [--duration S] [--rate R] [--burst] [--clients N] ...

In a database of its own (PostgreSQL `<DATABASE_URL's name>_bench_gateways` on the server
DATABASE_URL names, created when missing, or var/bench_gateways.sqlite3), emptied and set up as
bench_ingest does: --gateways gateways of 25 points of mixed kinds with their rules, two points a
gateway misbehaving in cycles, so alarms are raised, held and cleared as they would be. A gateway
polls its points every --poll-seconds (simulated time) and sends each poll (25 readings) as one
message; the gateways' polls go round robin, each gateway's in time order.

Each entry of --transport is one run, in order, on the same database (simulated time goes on):
- `http[:W]`: gunicorn (the project's WSGI app, W workers × --threads threads; default as
  `make run`, 2 × 16) on a free loopback port; --clients client processes, each with
  --connections threads holding a keep-alive connection, POST /api/v1/telemetry with the
  gateway's bearer token, one request a poll.
- `gateway[:W]`: the gateways' own server (anjian/gateway.py under uvicorn, W processes; default
  2), loaded as `http` is.
- `mqtt[:W]`: Mosquitto with the shipped configuration (deploy/mosquitto.conf) on a free port and
  W `manage.py ingest_mqtt` workers (default 1; a topic prefix and shared group of the run's
  own; --worker-args passed on; --manage another checkout's manage.py); --clients publishers
  (MQTT 3.1.1, as most field gateways) sending at QoS 1, at most --window messages unanswered
  each, reading the results the workers publish after their commit.

A run sends --messages polls per gateway, or for --duration seconds, as fast as the server
answers or at --rate messages a second in all. With --burst, then every gateway replays its last
--burst-seconds (default 600: 60 polls of 10 s) at once, one message a poll in order, as a
gateway does after an outage: the time until every answer is back (the backlog drained), the
time until the alarm table stops changing (alarms current), and every acknowledged reading must
be stored.

Measured: messages/s and readings/s (from the first send to the last answer); the alarm delay,
from the send of the reading that raises an alarm (the first breaching reading, plus the rule's
hold time) until the alarm row is visible to another database connection (a thread polls every
few ms); the server side's resident memory (VmRSS of the gunicorn master and workers or the
ingest workers, their process trees summed) sampled every --sample seconds: start, end, max and
the slope after the warm-up; the CPU seconds of the server, of the load clients and of this
process; the load average. The stored rows must equal the readings the answers accepted.
"""

import contextlib
import http.client
import json
import math
import multiprocessing
import os
import queue as queue_module
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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import paho.mqtt.client as paho
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from paho.mqtt.enums import CallbackAPIVersion

from demo.management.commands import bench_ingest
from demo.management.commands.bench_ingest import CST, CYCLE, PULSE_STEPS, Sim, percentile
from monitoring.models import Alarm, Point, Reading

TRANSPORT = re.compile(r"^(http|gateway|mqtt)(?::(\d+))?$")
DEFAULT_WORKERS = {"http": 2, "gateway": 2, "mqtt": 1}
DEFAULT_CLIENTS = {"http": 2, "gateway": 2, "mqtt": 1}
BREACH_STEPS = bench_ingest.BREACH_STEPS


@dataclass
class Gw:
    """What a load client needs of one gateway."""

    index: int
    code: str
    token: str
    sims: list[Sim]
    step: int = 0  # the next poll's simulated step


class Command(bench_ingest.Command):
    help = (
        "网关真实上报形态的接入基准：大量网关每次轮询发一条 25 个点位的小消息，"
        "经 HTTP（gunicorn）或 MQTT（Mosquitto 与接入进程），测每秒消息数、数据条数、"
        "报警延迟、服务端内存和积压补传的消化时间"
    )
    sqlite_file, tasks_file, lock_name = (
        "bench_gateways.sqlite3",
        "bench_gateways_tasks.sqlite3",
        "bench_gateways.lock",
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--transport",
            nargs="+",
            default=["mqtt"],
            help=(
                "依次运行的接入方式：http（gunicorn）、gateway（网关接入服务）、mqtt，"
                "可带进程数，如 http:2 gateway:2 mqtt:2"
            ),
        )
        parser.add_argument("--gateways", type=int, default=1000, help="网关数（每个 25 个点位）")
        parser.add_argument("--messages", type=int, default=10, help="每个网关发送的轮询消息数")
        parser.add_argument(
            "--duration", type=float, default=0, help="按时长运行的秒数（代替 --messages）"
        )
        parser.add_argument(
            "--rate", type=float, default=0, help="每秒发送的消息总数（默认 0：尽快发送）"
        )
        parser.add_argument("--poll-seconds", type=int, default=10, help="网关轮询周期（秒）")
        parser.add_argument("--burst", action="store_true", help="之后测量积压补传")
        parser.add_argument(
            "--burst-seconds", type=int, default=600, help="补传的时长（默认 600 秒）"
        )
        parser.add_argument("--workers", type=int, default=0, help="默认进程数（http 2，mqtt 1）")
        parser.add_argument("--threads", type=int, default=16, help="gunicorn 每进程线程数")
        parser.add_argument(
            "--clients", type=int, default=0, help="压测客户端进程数（http 默认 2，mqtt 默认 1）"
        )
        parser.add_argument(
            "--connections", type=int, default=16, help="HTTP 每个客户端进程的长连接数"
        )
        parser.add_argument(
            "--window", type=int, default=1000, help="MQTT 每个客户端未收到结果的消息上限"
        )
        parser.add_argument("--worker-args", default="", help="传给 ingest_mqtt 的其他参数")
        parser.add_argument("--manage", default="", help="服务端所用的 manage.py（默认本项目）")
        parser.add_argument("--sample", type=float, default=2, help="内存采样间隔秒数")
        parser.add_argument("--timeout", type=int, default=600, help="最长等待秒数")
        parser.add_argument("--seed", type=int, default=20240404, help="随机种子")

    def handle(self, *args, **options):
        import random

        runs = []
        for entry in options["transport"]:
            found = TRANSPORT.match(entry)
            if not found:
                raise CommandError(
                    f"无法识别的接入方式：{entry}（应为 http、gateway、mqtt、http:2 等）"
                )
            kind = found.group(1)
            workers = int(found.group(2) or options["workers"] or DEFAULT_WORKERS[kind])
            runs.append((kind, workers))
        if options["gateways"] < 1 or options["messages"] < 0 or options["poll_seconds"] < 1:
            raise CommandError("--gateways、--poll-seconds 须为正数，--messages 不能为负")
        if any(workers < 1 for _, workers in runs) or options["threads"] < 1:
            raise CommandError("进程数、线程数须为正数")
        if not options["messages"] and not options["duration"] and not options["burst"]:
            raise CommandError("没有可发送的消息：请给出 --messages、--duration 或 --burst")
        self.options = options
        self.rng = random.Random(options["seed"])
        self.pg_database = f"{connection.settings_dict['NAME']}_bench_gateways"
        where = self._open_bench_database()
        started = time.perf_counter()
        plants = self._setup(options["gateways"])
        self.gws = [
            Gw(n, plant.gateway.code, plant.token, plant.sims) for n, plant in enumerate(plants)
        ]
        index = {plant.gateway.pk: n for n, plant in enumerate(plants)}
        self.points = {  # point id: (gateway index, hold seconds)
            pk: (index[gateway], hold)
            for pk, gateway, hold in Point.objects.values_list("pk", "gateway", "hold_seconds")
        }
        self.start = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
        self.sent_at: dict[tuple[int, int], float] = {}
        self.stdout.write(
            f"{where}: {len(self.gws)} gateways × 25 points set up in "
            f"{time.perf_counter() - started:.1f} s; polls every {options['poll_seconds']} s"
        )
        run = uuid.uuid4().hex[:10]
        home = Path(settings.VAR_DIR) / "bench_gateways"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        self.home = home
        results = []
        for kind, workers in runs:
            connection.close()
            server = self._start_server(kind, workers, run)
            try:
                if options["messages"] or options["duration"]:
                    results.append(self._phase(kind, workers, server, "steady"))
                if options["burst"]:
                    results.append(self._phase(kind, workers, server, "burst"))
            finally:
                server.stop()
        self._summary(results)

    # --- Servers ------------------------------------------------------------------------------

    def _start_server(self, kind, workers, run):
        env = self._server_env(run)
        manage = self.options["manage"] or str(Path(settings.BASE_DIR) / "manage.py")
        if kind == "http":
            server = _Gunicorn(manage, env, workers, self.options["threads"], self.home)
        elif kind == "gateway":
            server = _GatewayServer(manage, env, workers, self.home)
        else:
            server = _MqttServer(
                manage, env, workers, shlex.split(self.options["worker_args"]), self.home, run
            )
        self.stdout.write(f"{kind}: {server.describe()} ready")
        return server

    def _server_env(self, run) -> dict:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DATABASE_URL", "REDIS_URL", "SQLITE_NAME", "TASKS_IMMEDIATE"}
        }
        # Its own var directory: the alarms' notification tasks go to a queue of its own.
        env.update(
            ANJIAN_VAR_DIR=str(self.home),
            MQTT_TOPIC_PREFIX=f"anjian-bench-{run}/telemetry",
            MQTT_SHARED_GROUP=f"anjian-bench-{run}",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        env.setdefault("SECRET_KEY", "bench-gateways-secret-key")
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

    # --- One phase: load clients, alarm observer, memory sampler --------------------------------

    def _phase(self, kind, workers, server, phase):
        o = self.options
        burst = phase == "burst"
        polls = o["burst_seconds"] // o["poll_seconds"] if burst else o["messages"]
        duration = 0 if burst else o["duration"]
        rate = 0 if burst else o["rate"]
        clients = o["clients"] or DEFAULT_CLIENTS[kind]
        clients = max(1, min(clients, len(self.gws)))
        stored_before = Reading.objects.count()
        last_alarm = Alarm.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        connection.close()
        what = f"{duration:g} s" if duration else f"{polls} polls a gateway"
        self.stdout.write(
            f"{kind} · {workers} workers · {phase}: {what}"
            + (f" at {rate:g} messages/s" if rate else ", as fast as answered")
            + f", {clients} client processes …"
        )
        plan = {
            "kind": kind,
            "polls": polls,
            "duration": duration,
            "rate": rate / clients if rate else 0,
            "start": self.start,
            "poll": o["poll_seconds"],
            "port": server.port,
            "prefix": getattr(server, "prefix", ""),
            "connections": o["connections"],
            "window": o["window"],
            "timeout": o["timeout"],
            "seed": o["seed"],
        }
        # The clients are forked before this process starts its threads, and wait for `go`.
        context = multiprocessing.get_context("fork")
        queue, go = context.Queue(), context.Event()
        processes = [
            context.Process(
                target=_client_main, args=(plan, self.gws[n::clients], queue, go), daemon=True
            )
            for n in range(clients)
        ]
        for process in processes:
            process.start()
        stop = threading.Event()
        observer = _Observer(self.observe, last_alarm, stop)
        sampler = _Sampler(server.pids, o["sample"], stop)
        load_start = os.getloadavg()
        cpu_self = time.process_time()
        cpu_server = _cpu_seconds(server.tree())
        observer.start()
        sampler.start()
        if not observer.ready.wait(30):
            raise CommandError("报警观察连接未能建立")
        go.set()
        reports = []
        try:
            for _ in processes:
                try:
                    reports.append(queue.get(timeout=o["timeout"] + (duration or 0) + 60))
                except queue_module.Empty:
                    raise CommandError("压测客户端超时未结束") from None
        finally:
            for process in processes:
                process.join(30)
                if process.is_alive():
                    process.kill()
        # Alarms current: the alarm table has not changed for a while after the last answer.
        end = max(r["last_answer"] for r in reports)
        give_up = time.monotonic() + 60
        while time.monotonic() - max(end, observer.changed) < 1.0 and time.monotonic() < give_up:
            time.sleep(0.05)
        cpu_server = _cpu_seconds(server.tree()) - cpu_server
        stop.set()
        observer.join(10)
        sampler.join(10)
        cpu_self = time.process_time() - cpu_self
        load_end = os.getloadavg()
        for report in reports:
            self.sent_at.update(report["sent_at"])
            for index, step in report["next_steps"].items():
                self.gws[index].step = step
        first = min(r["first_send"] for r in reports)
        seconds = end - first
        total = {
            key: sum(r[key] for r in reports)
            for key in (
                "messages",
                "readings",
                "answers",
                "accepted",
                "duplicate",
                "rejected",
                "failed",
                "cpu",
            )
        }
        stored = Reading.objects.count() - stored_before
        delays, unmatched = self._delays(observer.seen)
        result = {
            "kind": kind,
            "workers": workers,
            "phase": phase,
            "clients": clients,
            "seconds": seconds,
            "alarms_current": max(end, observer.changed) - first,
            "stored": stored,
            "delays": delays,
            "unmatched": unmatched,
            "alarms": len(observer.seen),
            "rss": sampler.samples,
            "cpu_server": cpu_server,
            "cpu_self": cpu_self,
            "load": (load_start, load_end),
            "errors": [e for r in reports for e in r["errors"]][:5],
            **total,
        }
        self._report(result)
        if total["answers"] != total["messages"] or total["failed"]:
            raise CommandError(
                f"{total['messages'] - total['answers']} 条消息没有结果，"
                f"{total['failed']} 条失败：{result['errors']}"
            )
        if stored < total["accepted"]:
            raise CommandError(f"已确认 {total['accepted']} 条数据，只入库 {stored} 条")
        return result

    def _delays(self, seen):
        """Alarm delays (ms): each new alarm row's first sight minus the send of the reading
        that raised it (first_at, plus the hold time for a threshold held that long)."""
        poll = self.options["poll_seconds"]
        delays: list[float] = []
        unmatched: dict[str, int] = {}
        for point_id, condition, first_at, last_at, at in seen:
            index, hold = self.points.get(point_id, (None, 0))
            if index is None:
                unmatched[condition] = unmatched.get(condition, 0) + 1
                continue
            first = (first_at - self.start).total_seconds() / poll
            wait = math.ceil(hold / poll) if condition in ("high", "low") else 0
            steps = [round(first) + wait, round((last_at - self.start).total_seconds() / poll)]
            sent = next((self.sent_at[index, s] for s in steps if (index, s) in self.sent_at), None)
            if sent is None:
                unmatched[condition] = unmatched.get(condition, 0) + 1
            else:
                delays.append((at - sent) * 1000)
        return delays, unmatched

    # --- Reporting ----------------------------------------------------------------------------

    def _report(self, r):
        rss = r["rss"]
        start, end = rss[0][1], rss[-1][1]
        settle = min(60.0, rss[-1][0] / 5)
        steady = [(t, m) for t, m in rss if t >= settle]
        r["rss_slope"] = bench_ingest._slope(steady) * 60 if len(steady) > 1 else float("nan")
        r["rss_start"], r["rss_end"], r["rss_max"] = start, end, max(m for _, m in rss)
        delays = r["delays"]
        r["alarm"] = (
            (percentile(delays, 50), percentile(delays, 95), max(delays)) if delays else None
        )
        s = max(r["seconds"], 1e-9)
        self.stdout.write(
            f"{r['answers']:,} of {r['messages']:,} messages answered in {r['seconds']:.2f} s: "
            f"{r['answers'] / s:,.0f} messages/s, {r['accepted'] / s:,.0f} readings/s; "
            f"accepted {r['accepted']:,}, duplicate {r['duplicate']:,}, rejected "
            f"{r['rejected']:,}, failed {r['failed']:,}\n"
            f"Stored {r['stored']:,} of {r['readings']:,} readings sent "
            f"({r['accepted']:,} acknowledged)\n"
            f"Alarms: {r['alarms']} new, delay measured for {len(delays)} "
            f"(not matched, by condition: {r['unmatched'] or 'none'})"
            + (
                ": p50 {:.0f} ms, p95 {:.0f} ms, max {:.0f} ms".format(*r["alarm"])
                if r["alarm"]
                else ""
            )
            + f"; alarms current {r['alarms_current']:.2f} s after the first send\n"
            f"Server RSS {start:.1f} → {end:.1f} MB (max {r['rss_max']:.1f}, "
            f"slope {r['rss_slope']:+.2f} MB/min, {len(rss)} samples); CPU s: server "
            f"{r['cpu_server']:.1f}, load clients {r['cpu']:.1f}, this process "
            f"{r['cpu_self']:.1f}; load average {_loads(r['load'])}"
        )
        self.stdout.write(
            "Server RSS samples (s: MB): " + ", ".join(f"{t:.0f}: {m:.1f}" for t, m in rss)
        )
        if r["errors"]:
            self.stdout.write(f"First errors: {r['errors']}")

    def _summary(self, results):
        vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
        self.stdout.write("")
        self.stdout.write(
            f"Summary: {vendor}, {len(self.gws)} gateways × 25 points, {os.cpu_count()} CPUs"
        )
        self.stdout.write(
            "| transport | workers | phase | messages | s | messages/s | readings/s "
            "| alarm p50 / p95 / max ms | alarms current s | server RSS MB start → end "
            "(max), slope/min | CPU s server / clients | load average |"
        )
        self.stdout.write("|---|---:|---|---:|---:|---:|---:|---|---:|---|---|---|")
        for r in results:
            s = max(r["seconds"], 1e-9)
            alarm = "{:.0f} / {:.0f} / {:.0f}".format(*r["alarm"]) if r["alarm"] else "—"
            workers = f"{r['workers']}" + (
                f" × {self.options['threads']}" if r["kind"] == "http" else ""
            )
            self.stdout.write(
                f"| {r['kind']} | {workers} | {r['phase']} | {r['answers']:,} | "
                f"{r['seconds']:.1f} | {r['answers'] / s:,.0f} | {r['accepted'] / s:,.0f} | "
                f"{alarm} | {r['alarms_current']:.1f} | {r['rss_start']:.0f} → "
                f"{r['rss_end']:.0f} ({r['rss_max']:.0f}), {r['rss_slope']:+.1f} | "
                f"{r['cpu_server']:.0f} / {r['cpu']:.1f} | {_loads(r['load'])} |"
            )


def _loads(pair) -> str:
    (a, _, _), (b, _, _) = pair
    return f"{a:.2f} → {b:.2f}"


# --- Load clients (forked processes; no database) ------------------------------------------------


def _messages(plan, gws):
    """(gateway, step, n) round robin over the gateways, each gateway's polls in time order, for
    plan's polls or until its deadline."""
    deadline = time.monotonic() + plan["duration"] if plan["duration"] else None
    n = 0
    round_ = 0
    while deadline is not None or round_ < plan["polls"]:
        for gw in gws:
            if deadline is not None and time.monotonic() >= deadline:
                return
            yield gw, gw.step + round_, n
            n += 1
        round_ += 1


def _body(plan, gw, step, rng, mqtt):
    """One poll's message (bytes), its readings' count, and whether a point misbehaves in it."""
    stamp = (plan["start"] + timedelta(seconds=step * plan["poll"])).astimezone(CST).isoformat()
    readings = []
    breach = False
    for sim in gw.sims:
        value = sim.value(step, rng)
        if sim.breach is not None:  # misbehaving, or back to normal (a change of rate) now
            at = (step + sim.phase) % CYCLE
            breach = breach or at <= (PULSE_STEPS if sim.pulse else BREACH_STEPS)
        readings.append({"point": sim.code, "ts": stamp, "value": value})
    body = {"token": gw.token, "readings": readings, "id": step} if mqtt else {"readings": readings}
    return json.dumps(body).encode(), len(readings), breach


class _Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = self.readings = self.answers = 0
        self.accepted = self.duplicate = self.rejected = self.failed = 0
        self.first_send = math.inf
        self.last_answer = 0.0
        self.sent_at: dict[tuple[int, int], float] = {}
        self.next_steps: dict[int, int] = {}
        self.errors: list[str] = []

    def sent(self, gw, step, count, breach, at):
        with self.lock:
            self.messages += 1
            self.readings += count
            self.first_send = min(self.first_send, at)
            if breach:
                self.sent_at[gw.index, step] = at
            self.next_steps[gw.index] = max(self.next_steps.get(gw.index, 0), step + 1)

    def answered(self, answer: dict | None, error: str | None = None):
        with self.lock:
            self.answers += 1
            self.last_answer = time.monotonic()
            if answer is None or "error" in answer:
                self.failed += 1
                if len(self.errors) < 5:
                    self.errors.append(error or str(answer))
                return
            self.accepted += answer.get("accepted", 0)
            self.duplicate += answer.get("duplicate", 0)
            self.rejected += answer.get("rejected", 0)

    def report(self) -> dict:
        times = os.times()
        return {
            "messages": self.messages,
            "readings": self.readings,
            "answers": self.answers,
            "accepted": self.accepted,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "failed": self.failed,
            "first_send": self.first_send,
            "last_answer": self.last_answer,
            "sent_at": self.sent_at,
            "next_steps": self.next_steps,
            "errors": self.errors,
            "cpu": times.user + times.system,
        }


def _pace(plan, t0, n):
    if plan["rate"]:
        delay = t0 + n / plan["rate"] - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def _client_main(plan, gws, queue, go):
    import random

    tally = _Tally()
    go.wait()
    try:
        if plan["kind"] in ("http", "gateway"):
            _http_client(plan, gws, tally, random)
        else:
            _mqtt_client(plan, gws, tally, random.Random(plan["seed"] + gws[0].index))
    except Exception as error:  # reported to the parent, which fails the run
        tally.errors.append(f"client: {error!r}")
        tally.failed += 1
    queue.put(tally.report())


def _http_client(plan, gws, tally, random):
    messages = _messages(plan, gws)
    lock = threading.Lock()
    t0 = time.monotonic()

    def run(rng):
        conn = http.client.HTTPConnection("127.0.0.1", plan["port"], timeout=plan["timeout"])
        while True:
            with lock:
                item = next(messages, None)
            if item is None:
                break
            gw, step, n = item
            _pace(plan, t0, n)
            body, count, breach = _body(plan, gw, step, rng, mqtt=False)
            headers = {
                "Authorization": f"Bearer {gw.token}",
                "Content-Type": "application/json",
            }
            tally.sent(gw, step, count, breach, time.monotonic())
            answer, error = None, None
            for _ in range(3):  # a closed keep-alive connection: reconnect and resend
                try:
                    conn.request("POST", "/api/v1/telemetry", body, headers)
                    response = conn.getresponse()
                    data = response.read()
                except (http.client.HTTPException, OSError) as failure:
                    conn.close()
                    conn = http.client.HTTPConnection(
                        "127.0.0.1", plan["port"], timeout=plan["timeout"]
                    )
                    error = repr(failure)
                    continue
                if response.status == 200:
                    answer = json.loads(data)
                else:
                    error = f"HTTP {response.status}: {data[:200]!r}"
                break
            tally.answered(answer, error)
        conn.close()

    threads = [
        threading.Thread(target=run, args=(random.Random(plan["seed"] + gws[0].index + n),))
        for n in range(plan["connections"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _mqtt_client(plan, gws, tally, rng):
    window = threading.Semaphore(plan["window"])
    codes = {gw.code for gw in gws}
    done = threading.Event()
    finished = threading.Event()  # every message published

    def answered(client, userdata, message):
        if message.topic.rsplit("/", 1)[-1] not in codes:
            return
        tally.answered(json.loads(message.payload))
        window.release()
        if finished.is_set() and tally.answers >= tally.messages:
            done.set()

    client = _mqtt_connection(plan["port"], inflight=plan["window"])
    subscribed = threading.Event()
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_message = answered
    client.loop_start()
    client.subscribe(f"{plan['prefix']}-result/+", qos=0)
    if not subscribed.wait(10):
        raise RuntimeError("无法订阅结果主题")
    t0 = time.monotonic()
    for gw, step, n in _messages(plan, gws):
        _pace(plan, t0, n)
        if not window.acquire(timeout=plan["timeout"]):
            raise RuntimeError("结果超时")
        body, count, breach = _body(plan, gw, step, rng, mqtt=True)
        tally.sent(gw, step, count, breach, time.monotonic())
        client.publish(f"{plan['prefix']}/{gw.code}", body, qos=1)
    finished.set()
    if tally.answers >= tally.messages:
        done.set()
    done.wait(plan["timeout"])
    client.disconnect()
    client.loop_stop()


def _mqtt_connection(port, inflight=20):
    # MQTT 3.1.1, as most field gateways speak it (the ingest workers' sessions are MQTT 5).
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid.uuid4().hex}", protocol=paho.MQTTv311
    )
    client.max_inflight_messages_set(inflight)
    client.connect("127.0.0.1", port)
    return client


# --- The server side, its memory and CPU ---------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """pid and its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):  # gone meanwhile
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _cpu_seconds(pids) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class _Sampler(threading.Thread):
    def __init__(self, roots, every, stop):
        super().__init__(daemon=True)
        self.roots, self.every, self.stop = roots, every, stop
        self.samples: list[tuple[float, float]] = []

    def sample(self, t0):
        pids = [pid for root in self.roots() for pid in _tree(root)]
        self.samples.append((time.monotonic() - t0, _rss_mb(pids)))

    def run(self):
        t0 = time.monotonic()
        self.sample(t0)
        while not self.stop.wait(self.every):
            self.sample(t0)
        self.sample(t0)


class _Observer(threading.Thread):
    """Another database connection polling the alarm table: when each new alarm row becomes
    visible, and when the table last changed (a new alarm, one cleared)."""

    def __init__(self, connect, after, stop):
        super().__init__(daemon=True)
        self.connect, self.after, self.stop = connect, after, stop
        self.seen: list[tuple[int, str, datetime, datetime, float]] = []
        self.changed = 0.0
        self.ready = threading.Event()

    def run(self):
        db = self.connect()
        sqlite = db.__class__.__module__.startswith("sqlite3")
        mark = "?" if sqlite else "%s"
        rows_sql = (
            "SELECT id, point_id, condition, first_at, last_at FROM monitoring_alarm "  # noqa: S608
            f"WHERE id > {mark} ORDER BY id"
        )
        state_sql = "SELECT count(*) FROM monitoring_alarm WHERE cleared_at IS NULL"
        last = self.after
        state = None
        try:
            while not self.stop.is_set():
                rows = db.execute(rows_sql, [last]).fetchall()
                now = time.monotonic()
                for pk, point_id, condition, first_at, last_at in rows:
                    self.seen.append((point_id, condition, _aware(first_at), _aware(last_at), now))
                    last = pk
                current = (last, db.execute(state_sql).fetchone()[0])
                if current != state:
                    if state is not None:
                        self.changed = now
                    state = current
                self.ready.set()
                time.sleep(0.005)
        finally:
            db.close()


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port, process, what, log: Path):
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                raise CommandError(f"{what}未能启动：\n{tail}") from None
            time.sleep(0.05)


class _Gunicorn:
    """The project's WSGI app under gunicorn on a free loopback port."""

    def __init__(self, manage, env, workers, threads, home: Path):
        self.port = _free_port()
        self.workers, self.threads = workers, threads
        log = home / "gunicorn.log"
        binary = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(  # noqa: S603 (our own server)
            [
                str(binary) if binary.exists() else "gunicorn",
                "anjian.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--error-logfile",
                str(log),
            ],
            cwd=Path(manage).parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.port, self.process, "gunicorn ", log)
        # Every worker up: as many answered health checks as workers, on new connections.
        deadline = time.monotonic() + 60
        while len(_tree(self.process.pid)) <= workers or not self._healthy():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise CommandError("gunicorn 未能启动：\n" + log.read_text()[-3000:])
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except (http.client.HTTPException, OSError):
            return False

    def describe(self) -> str:
        return f"gunicorn {self.workers} workers × {self.threads} threads on port {self.port}"

    def pids(self) -> list[int]:
        return [self.process.pid]

    def tree(self) -> list[int]:
        return _tree(self.process.pid)

    def stop(self):
        _stop(self.process)


class _GatewayServer(_Gunicorn):
    """The gateways' own server (anjian/gateway.py) under uvicorn on a free loopback port."""

    def __init__(self, manage, env, workers, home: Path):
        self.port = _free_port()
        self.workers = workers
        log = home / "gateway.log"
        self.process = subprocess.Popen(  # noqa: S603 (our own server)
            [
                sys.executable,
                "-m",
                "uvicorn",
                "anjian.gateway:application",
                *("--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)),
                *("--loop", "uvloop", "--http", "httptools", "--no-access-log"),
            ],
            cwd=Path(manage).parent,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.port, self.process, "网关接入服务", log)
        deadline = time.monotonic() + 60
        while len(_tree(self.process.pid)) <= workers or not self._healthy():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise CommandError("网关接入服务未能启动：\n" + log.read_text()[-3000:])
            time.sleep(0.1)

    def _healthy(self) -> bool:
        """Every worker answers (a request without a token is a 401)."""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("POST", "/api/v1/telemetry", b"{}")
            ok = conn.getresponse().status == 401
            conn.close()
            return ok
        except (http.client.HTTPException, OSError):
            return False

    def describe(self) -> str:
        return f"uvicorn (anjian.gateway) {self.workers} workers on port {self.port}"


class _MqttServer:
    """Mosquitto with the shipped configuration and the ingest workers."""

    def __init__(self, manage, env, workers, extra, home: Path, run):
        self.prefix = env["MQTT_TOPIC_PREFIX"]
        self.broker = _Broker(home / f"mosquitto-{uuid.uuid4().hex[:6]}")
        self.port = self.broker.port
        env = {**env, "MQTT_PORT": str(self.port)}
        self.workers = [
            _Worker(manage, env, f"bench-{run}-{n}-{uuid.uuid4().hex[:4]}", extra)
            for n in range(workers)
        ]
        try:
            for worker in self.workers:
                worker.wait_for("已订阅", 60)
        except CommandError:
            self.stop()
            raise
        self.extra = extra

    def describe(self) -> str:
        return f"Mosquitto on port {self.port}, {len(self.workers)} ingest_mqtt workers" + (
            f" ({shlex.join(self.extra)})" if self.extra else ""
        )

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self.workers]

    def tree(self) -> list[int]:
        return [pid for root in self.pids() for pid in _tree(root)]

    def stop(self):
        for worker in self.workers:
            worker.stop()
        self.broker.stop()


def _stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class _Broker:
    """Mosquitto with the shipped configuration on a free port, its files in `home`."""

    def __init__(self, home: Path):
        home.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
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
        log = home / "mosquitto.log"
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command)
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=log.open("ab")
        )
        _wait_for_port(self.port, self.process, "Mosquitto ", log)

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
        _stop(self.process)
