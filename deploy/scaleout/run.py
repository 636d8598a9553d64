#!/usr/bin/env python
"""The scale-out test on one machine (issue 18): every part of a production installation on
127.0.0.1 and free ports, bounded traffic through it, four processes killed mid-run, and the
checks that nothing acknowledged was lost.

    .venv/bin/python deploy/scaleout/run.py [--duration 180] [--kill-at 0.5] ...   (make scaleout)

Started (all on 127.0.0.1, each on a free port, files in a temporary directory):
- PostgreSQL: the server DATABASE_URL names (default postgres://postgres@127.0.0.1:5432/anjian),
  a fresh database `<its name>_scaleout` (dropped and created), migrated, the demo loaded;
- Redis (its own redis-server) and two `manage.py run_huey` task workers (through
  task_worker.py: a ledger in Redis of the tasks each has taken and not finished);
- Mosquitto with the shipped deploy/mosquitto.conf (port and files of its own) and two
  `manage.py ingest_mqtt` workers in one shared subscription group;
- two gunicorn app servers, two of the gateways' own servers (uvicorn `anjian.gateway`, as the
  unit deploy/systemd/anjian-gateway@.service runs them) and nginx in front of them (its
  configuration generated here: round robin, `proxy_next_upstream error timeout`; the telemetry
  goes to the gateway servers, as in production, and being idempotent by (point, ts) it is also
  retried `non_idempotent`).

Traffic for --duration seconds: Locust (deploy/scaleout/locustfile.py) signs in through the
log-in form as the county supervisor, the town supervisor and an enterprise's safety officer and
reads their pages, the officer reports hazards through the API with a token, and gateways post
telemetry over HTTP with their tokens; paho publishers send telemetry over MQTT at QoS 1, each
PUBACKed message id recorded. At --kill-at of the run, a burst of hazard reports through the API
(each a notification task) and, once task worker 1 holds one of those tasks (at most 20 s later),
one app server (its whole process group), one gateway server, that task worker and one ingest
worker are killed with SIGKILL; the ingest worker is started again
after --restart-after seconds under the same client id, as its supervisor would (its session keeps
its share of the messages meanwhile; see README, MQTT).

Checks, each PASS or FAIL (exit code 1 on any FAIL):
- readings: every reading an HTTP 2xx or a PUBACK acknowledged is in the database after the drain;
- tasks: every event recorded during the run is announced (core outbox: notified_at set) after the
  surviving worker drains, those of the tasks the killed worker held among them; the outbox sweep
  (core.tasks.deliver_pending, every 5 minutes in production) is enqueued once the queue is empty
  instead of waiting for its time. Reported: what the killed worker held (its ledger) and how many
  of those events were unannounced (the outbox rows, 1 s after the kill), the events pending and
  the tasks queued then, and how many the surviving worker's tasks announced and the sweep
  recovered (its ledger); a note says so when no unannounced event died with the worker;
- 5xx: none, but for requests in flight on the killed app server or the killed gateway server
  when it died (from nginx's log: the upstream that answered, the request's start and end); all
  5xx are listed by time relative to the kill;
- telemetry: every telemetry request was answered by a gateway server (nginx's log), none by an
  app server;
- stopped: every process started (and their children seen) is gone at the end, checked by pid.
Figures: requests/s, p95 latency per class, readings/s over HTTP and MQTT, the load average.
"""

import argparse
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "anjian-demo"  # noqa: S105 (the demo accounts' password, demo/load_demo)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, share):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def arguments(argv):
    parser = argparse.ArgumentParser(
        description="安监平台单机横向扩展测试（nginx + 两个应用服务器等）"
    )
    add = parser.add_argument
    add("--duration", type=float, default=180, help="压测时长（秒），默认 180")
    add("--kill-at", type=float, default=0.5, help="在压测进行到此比例时杀死进程，默认 0.5")
    add("--restart-after", type=float, default=5, help="被杀的接入进程几秒后重启，默认 5")
    add("--county-users", type=int, default=4, help="县局监管用户数")
    add("--town-users", type=int, default=4, help="镇街监管用户数")
    add("--enterprise-users", type=int, default=4, help="企业安全管理员用户数（含接口上报隐患）")
    add("--http-gateways", type=int, default=20, help="经 HTTP 上报的网关数（每秒一条）")
    add("--mqtt-gateways", type=int, default=20, help="经 MQTT 上报的网关数（每秒一条）")
    add("--app-workers", type=int, default=1, help="每个 gunicorn 的进程数")
    add("--app-threads", type=int, default=16, help="每个 gunicorn 进程的线程数")
    add("--drain-timeout", type=float, default=180, help="结束后等待数据与任务处理完的秒数")
    add("--database-url", default=os.environ.get("DATABASE_URL", ""), help="PostgreSQL 服务器")
    add("--keep", action="store_true", help="保留临时目录（日志、配置）")
    return parser.parse_args(argv)


def fresh_database(url: str) -> str:
    """Drop and create `<name>_scaleout` on the server `url` names; return its URL."""
    import psycopg

    url = url or "postgres://postgres@127.0.0.1:5432/anjian"
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("扩展测试需要 PostgreSQL：DATABASE_URL 应为 postgres://…")
    name = parts.path.lstrip("/") or "anjian"
    if not name.endswith("_scaleout"):
        name += "_scaleout"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


class Fleet:
    """Every process started, and every descendant seen, for the stop and its check."""

    def __init__(self, home: Path):
        self.home = home
        self.processes: dict[str, subprocess.Popen] = {}
        self.seen: dict[int, str] = {}
        self.cpu: dict[int, float] = {}

    def start(self, name, command, env, *, group=False, log=None, **kw) -> subprocess.Popen:
        out = (self.home / f"{log or name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 (our own commands)
            command,
            cwd=ROOT,
            env=env,
            stdout=kw.pop("stdout", out),
            stderr=subprocess.STDOUT,
            start_new_session=group,
            **kw,
        )
        self.add(name, process)
        return process

    def add(self, name, process):
        self.processes[name] = process
        self.seen[process.pid] = name

    def look(self):
        """Note the descendants of every live process (gunicorn's and nginx's workers)."""
        from demo.management.commands.bench_gateways import _tree

        for name, process in list(self.processes.items()):
            if process.poll() is None:
                for pid in _tree(process.pid):
                    self.seen.setdefault(pid, f"{name} (child)")

    def sample_cpu(self):
        """Remember each process's CPU seconds (the killed ones' last values stay)."""
        from demo.management.commands.bench_gateways import _cpu_seconds

        for pid in self.seen:
            if (seconds := _cpu_seconds([pid])) > 0:
                self.cpu[pid] = seconds

    def alive(self) -> list[str]:
        found = []
        for pid, name in self.seen.items():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                if "\nState:\tZ" not in status:
                    found.append(f"{name} pid {pid}")
        return found


def wait_http(port, path="/healthz", timeout=90, process=None, what=""):
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what}未能启动")


NGINX = """\
# Generated by deploy/scaleout/run.py for one test run (not the production configuration).
worker_processes 1;
daemon off;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
{user}
events {{ worker_connections 2048; }}
http {{
    log_format scaleout '$msec $request_time $status "$upstream_addr" "$upstream_status" '
                        '$request_method $uri';
    access_log {home}/access.log scaleout;
    client_body_temp_path {home}/body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
    client_max_body_size 20m;

    upstream anjian {{
{servers}
    }}
    # The gateways' own server (anjian.gateway), as production routes the telemetry.
    upstream anjian_gateways {{
{gateway_servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_connect_timeout 2s;
        proxy_read_timeout 60s;
        # A request that found its app server gone goes to the other one, if it is idempotent
        # (GET, HEAD, ...): nginx retries a POST only if it never reached the server.
        proxy_next_upstream error timeout;
        location / {{
            proxy_pass http://anjian;
        }}
        # Telemetry is idempotent by (point, ts): a resent reading is a duplicate, never a row.
        location = /api/v1/telemetry {{
            proxy_next_upstream error timeout non_idempotent;
            proxy_pass http://anjian_gateways;
        }}
    }}
}}
"""


def nginx_config(home: Path, port: int, upstreams: list[int], gateways: list[int]) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    user = ""
    if os.geteuid() == 0:  # nginx's workers would switch to "nobody", who cannot write here
        import getpass

        user = f"user {getpass.getuser()};"

    def servers(ports):
        return "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports
        )

    config = home / "nginx.conf"
    config.write_text(
        NGINX.format(
            home=home,
            user=user,
            servers=servers(upstreams),
            gateway_servers=servers(gateways),
            port=port,
        ),
        encoding="utf-8",
    )
    return config


# --- the MQTT gateways --------------------------------------------------------------------------


class Publishers(threading.Thread):
    """The MQTT gateways: one paho connection (MQTT 3.1.1, QoS 1), each gateway a message of
    all its points a second; every PUBACKed message's readings are kept."""

    def __init__(self, port, prefix, gateways, until):
        super().__init__(daemon=True)
        self.port, self.prefix, self.gateways, self.until = port, prefix, gateways, until
        self.lock = threading.Lock()
        self.pending: dict[int, list[tuple[str, str, str]]] = {}
        self.acked: list[tuple[str, str, str]] = []
        self.early: set[int] = set()
        self.sent = 0
        self.error = ""

    def run(self):
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion
        from values import value

        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"scaleout-gw-{uuid.uuid4().hex[:8]}",
            protocol=paho.MQTTv311,
        )
        client.max_inflight_messages_set(1000)
        client.on_publish = self._acked
        try:
            client.connect("127.0.0.1", self.port)
            client.loop_start()
            rngs = {gw["code"]: random.Random(gw["code"]) for gw in self.gateways}
            step = 0
            next_at = time.monotonic()
            while time.time() < self.until:
                for gw in self.gateways:
                    ts = datetime.now(UTC).isoformat(timespec="microseconds")
                    readings = [
                        {"point": code, "ts": ts, "value": value(p, step, rngs[gw["code"]])}
                        for code, p in gw["points"].items()
                    ]
                    body = json.dumps({"token": gw["token"], "readings": readings})
                    rows = [(gw["code"], r["point"], ts) for r in readings]
                    # Not under the lock: paho may hold its own while calling _acked.
                    info = client.publish(f"{self.prefix}/{gw['code']}", body, qos=1)
                    with self.lock:
                        self.sent += 1
                        if info.mid in self.early:  # acknowledged before we got here
                            self.early.discard(info.mid)
                            self.acked.extend(rows)
                        else:
                            self.pending[info.mid] = rows
                step += 1
                next_at += 1
                time.sleep(max(0.0, next_at - time.monotonic()))
            deadline = time.monotonic() + 30
            while self.pending and time.monotonic() < deadline:
                time.sleep(0.1)
        except Exception as error:  # reported as a failed check
            self.error = repr(error)
        finally:
            client.disconnect()
            client.loop_stop()

    def _acked(self, client, userdata, mid, reason_code, properties):
        if reason_code.is_failure:
            return
        with self.lock:
            readings = self.pending.pop(mid, None)
            if readings is None:
                self.early.add(mid)
            else:
                self.acked.extend(readings)


# --- the run ------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = arguments(argv)
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("未安装 nginx：make scaleout-deps 可安装")
    home = Path(tempfile.mkdtemp(prefix="anjian-scaleout-"))
    run = uuid.uuid4().hex[:8]
    print(f"临时目录：{home}")
    database_url = fresh_database(args.database_url)
    redis_port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"TASKS_IMMEDIATE", "SQLITE_NAME", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        ANJIAN_VAR_DIR=str(home / "var"),
        SECRET_KEY=f"scaleout-{uuid.uuid4().hex}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MQTT_TOPIC_PREFIX=f"anjian-scaleout-{run}/telemetry",
        MQTT_SHARED_GROUP=f"anjian-scaleout-{run}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "anjian.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    fleet = Fleet(home)
    report = {}
    # Stopped by SIGTERM (or make's Ctrl+C), it still stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        report = scale_out(args, home, env, fleet, redis_port)
    except Exception:  # reported, then the stop and its check as after a run
        traceback.print_exc()
    finally:
        stop_all(fleet)
    report["stopped"] = check_stopped(fleet)
    ok = summary(report)
    if args.keep or not ok:
        print(f"日志与配置保留在 {home}")
    else:
        shutil.rmtree(home, ignore_errors=True)
    return 0 if ok else 1


def scale_out(args, home, env, fleet, redis_port) -> dict:
    from demo.management.commands.bench_gateways import _Broker, _Worker

    manage = [sys.executable, str(ROOT / "manage.py")]
    python = str(ROOT / "manage.py")
    # Redis first: what load_demo records is announced through it once the workers run.
    redis = fleet.start(
        "redis",
        [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(home),
        ],
        env,
    )
    wait_port(redis_port, redis, "Redis ")
    step("迁移数据库并载入演示数据 …")
    for command in (["migrate", "--noinput"], ["load_demo", "--quiet"]):
        done = subprocess.run(  # noqa: S603
            [*manage, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        (home / "setup.log").open("ab").write(done.stdout)
        if done.returncode:
            raise SystemExit(f"{command[0]} 失败：\n{done.stdout.decode(errors='replace')[-3000:]}")
    plan = prepare(args, home)

    step("启动 Mosquitto、接入进程、任务进程、两个应用服务器、两个网关接入服务与 nginx …")
    broker = _Broker(home / "mosquitto")
    fleet.add("mosquitto", broker.process)
    mqtt_env = {**env, "MQTT_PORT": str(broker.port)}
    ingest = {}
    for n in (1, 2):
        client_id = f"anjian-scaleout-{env['MQTT_SHARED_GROUP']}-{n}"
        ingest[n] = _Worker(python, mqtt_env, client_id, [])
        fleet.add(f"ingest_mqtt {n}", ingest[n].process)
    for worker in ingest.values():
        worker.wait_for("已订阅", 60)
    for n in (1, 2):  # run_huey, with the ledger of the tasks each holds (task_worker.py)
        command = [sys.executable, str(HERE / "task_worker.py"), str(n)]
        fleet.start(f"run_huey {n}", command, mqtt_env, log=f"huey-{n}")
    app_ports = start_pair(
        fleet,
        "gunicorn",
        lambda port: [
            str(BIN / "gunicorn"),
            "anjian.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.app_workers),
            "--threads",
            str(args.app_threads),
            "--graceful-timeout",
            "10",
            "--no-control-socket",
        ],
        mqtt_env,
        lambda port, process, what: wait_http(port, process=process, what=what),
        "应用服务器",
        group=True,  # its workers die with it (SIGKILL to the group)
    )
    # The gateway server answers only POST /api/v1/telemetry: ready when it accepts.
    gateway_ports = start_pair(
        fleet,
        "gateway",
        lambda port: [
            str(BIN / "uvicorn"),
            "anjian.gateway:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
        ],
        mqtt_env,
        wait_port,
        "网关接入服务",
    )
    nginx_port = free_port()
    config = nginx_config(home / "nginx", nginx_port, app_ports, gateway_ports)
    nginx = fleet.start(
        "nginx",
        [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(home / "nginx"), "-c", str(config)],
        env,
        group=True,
    )
    wait_http(nginx_port, process=nginx, what="nginx ")
    fleet.look()

    huey = task_queue()
    # the demo's own events, announced before the run
    drain_events(baseline=None, timeout=90, huey=huey, workers=("1", "2"))
    baseline = event_baseline()

    step(
        f"压测 {args.duration:g} 秒：页面（县局、镇街、企业）、接口上报隐患、"
        f"{len(plan['http_gateways'])} 个 HTTP 网关、{len(plan['mqtt_gateways'])} 个 MQTT 网关 …"
    )
    out = home / "locust"
    out.mkdir()
    (home / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    users = sum(plan["users"].values()) + len(plan["http_gateways"])
    load = []
    fleet.sample_cpu()
    cpu_before = dict(fleet.cpu)
    machine_before = machine_cpu()
    started = time.time()
    publishers = Publishers(broker.port, env["MQTT_TOPIC_PREFIX"], plan["mqtt_gateways"], 0)
    locust = fleet.start(
        "locust",
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{nginx_port}",
            "-u",
            str(users),
            "-r",
            str(max(5, users // 5)),
            "-t",
            f"{int(args.duration)}s",
            "--stop-timeout",
            "10",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        {**env, "SCALEOUT_PLAN": str(home / "plan.json"), "SCALEOUT_OUT": str(out)},
    )
    publishers.until = started + args.duration
    publishers.start()
    kill_at = started + args.duration * args.kill_at
    killed: dict = {}
    restarted = False
    while locust.poll() is None:
        now = time.time()
        load.append((now - started, os.getloadavg()[0]))
        fleet.look()
        fleet.sample_cpu()
        if not killed and now >= kill_at:
            # A burst of hazard reports through the API, each a notification task: the kill
            # waits (at most CATCH_SECONDS) until task worker 1 holds one, unfinished.
            burst_done: Counter = Counter()
            burst = threading.Thread(
                target=write_burst, args=(nginx_port, plan, burst_done), daemon=True
            )
            burst.start()
            caught = catch_held(huey, "1", CATCH_SECONDS)
            killed = kill_four(fleet, app_ports[0], gateway_ports[0])
            print(
                f"  第 {killed['at'] - started:.0f} 秒：SIGKILL 应用服务器 1、网关接入服务 1、"
                f"任务进程 1、接入进程 1（接口连发 {BURST} 条隐患上报后，"
                + ("任务进程 1 正持有通知任务）" if caught else "未见任务进程 1 持有通知任务）")
            )
            killed["tasks"] = tasks_at_kill(huey, baseline)
            killed["tasks"]["caught"] = caught
            burst.join(120)
            killed["tasks"]["burst"] = dict(burst_done)
        if killed and not restarted and now >= killed["at"] + args.restart_after:
            client_id = f"anjian-scaleout-{env['MQTT_SHARED_GROUP']}-1"
            ingest[1] = _Worker(python, mqtt_env, client_id, [])
            fleet.add("ingest_mqtt 1 (restarted)", ingest[1].process)
            restarted = True
            print(f"  第 {time.time() - started:.0f} 秒：接入进程 1 以同一客户端标识重启")
        time.sleep(1)
    ended = time.time()
    fleet.sample_cpu()
    machine_after = machine_cpu()
    ours = sum(fleet.cpu.values()) - sum(cpu_before.values())
    publishers.join(60)
    load_end = os.getloadavg()
    if not killed:
        raise SystemExit("压测在计划杀死进程之前已结束")

    step("等待数据与通知处理完毕 …")
    http_acked = read_tsv(out, "readings")
    readings = check_readings(http_acked, publishers, args.drain_timeout)
    tasks = drain_events(baseline=baseline, timeout=args.drain_timeout, huey=huey, workers=("2",))
    tasks.update(after_kill(huey, killed["tasks"], tasks))
    requests = read_tsv(out, "requests")
    burst_unanswered = killed["tasks"].get("burst", {}).get(0, 0)
    errors = check_5xx(
        home / "nginx" / "access.log",
        requests,
        killed,
        [app_ports[0], gateway_ports[0]],
        burst_unanswered,
    )
    return {
        "duration": ended - started,
        "started": started,
        "killed": killed,
        "routes": telemetry_routes(home / "nginx" / "access.log", gateway_ports),
        "readings": readings,
        "tasks": tasks,
        "errors": errors,
        "requests": requests,
        "http_acked": len(http_acked),
        "mqtt_acked": len(publishers.acked),
        "mqtt_sent": publishers.sent,
        "mqtt_error": publishers.error,
        "load": load,
        "load_end": load_end,
        "cpu_ours": ours,
        "cpu_machine": tuple(b - a for a, b in zip(machine_before, machine_after, strict=True)),
        "users": plan["users"],
        "gateways": (len(plan["http_gateways"]), len(plan["mqtt_gateways"])),
        "app": (args.app_workers, args.app_threads),
    }


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


def step(text):
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {text}", flush=True)


def start_pair(fleet, name, command, env, ready, what, **options) -> list[int]:
    """Two servers of one kind (`name 1`, `name 2`) on free ports, command(port) each, the
    first ready (ready(port, process, what)) before the second starts; their ports."""
    ports = [free_port(), free_port()]
    for n, port in enumerate(ports, 1):
        process = fleet.start(f"{name} {n}", command(port), env, log=f"{name}-{n}", **options)
        ready(port, process, f"{what} {n} ")
    return ports


def wait_port(port, process, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what}未能启动")


def kill_four(fleet: Fleet, app_port: int, gateway_port: int) -> dict:
    at = time.time()
    os.killpg(fleet.processes["gunicorn 1"].pid, signal.SIGKILL)
    fleet.processes["gateway 1"].kill()
    fleet.processes["run_huey 1"].kill()
    fleet.processes["ingest_mqtt 1"].kill()
    return {"at": at, "app_port": app_port, "gateway_port": gateway_port}


def prepare(args, home) -> dict:
    """Gateways with points for the HTTP and the MQTT traffic (on demo enterprises), the safety
    officer's API token, and what Locust needs to know."""
    from django.db import transaction

    from accounts.models import User
    from accounts.services import create_token
    from demo.management.commands.bench_ingest import MIX
    from enterprises.models import Enterprise
    from monitoring.models import Gateway, Point

    county = User.objects.get(username="jianguan")
    town = User.objects.get(username="zhenjie")
    officer = User.objects.get(username="anquanyuan")
    _, api_token = create_token(officer, "扩展测试")
    enterprises = list(Enterprise.objects.filter(is_demo=True).order_by("pk"))
    rng = random.Random(18)
    gateways = {"http": [], "mqtt": []}
    with transaction.atomic():
        n = 0
        for transport, count in (("http", args.http_gateways), ("mqtt", args.mqtt_gateways)):
            for i in range(count):
                enterprise = enterprises[n % len(enterprises)]
                n += 1
                gateway = Gateway(
                    enterprise=enterprise,
                    code=f"SCALE-{transport.upper()}-{i:03d}",
                    name="扩展测试网关",
                )
                token = gateway.set_new_token()
                gateway.save()
                points, plan_points = [], {}
                for kind, equipment, number, normal, noise, breach in MIX:
                    for k in range(1, number + 1):
                        point = Point(
                            gateway=gateway,
                            enterprise_id=enterprise.pk,
                            code=f"{kind}-{k}",
                            kind=kind,
                            equipment=f"{k}号{equipment}",
                        )
                        point.apply_defaults()
                        points.append(point)
                        pulse = k == 1 and kind in ("spark", "airlock_fault")
                        plan_points[point.code] = {
                            "normal": normal,
                            "noise": noise,
                            "breach": breach if pulse else None,
                            "cycle": 60,
                            "phase": rng.randrange(60),
                        }
                Point.objects.bulk_create(points)
                gateways[transport].append(
                    {"code": gateway.code, "token": token, "points": plan_points}
                )
    return {
        "password": PASSWORD,
        "accounts": {"county": county.username, "town": town.username, "enterprise": "anquanyuan"},
        "users": {
            "county": args.county_users,
            "town": args.town_users,
            "enterprise": args.enterprise_users,
        },
        "enterprise_id": officer.enterprise_id,
        "api_token": api_token,
        "http_gateways": gateways["http"],
        "mqtt_gateways": gateways["mqtt"],
    }


def read_tsv(folder: Path, kind: str) -> list[list[str]]:
    rows = []
    for path in sorted(folder.glob(f"{kind}-*.tsv")):
        rows.extend(line.split("\t") for line in path.read_text().splitlines() if line)
    return rows


def check_readings(http_acked, publishers, timeout) -> dict:
    """Every acknowledged reading (HTTP 2xx, MQTT PUBACK) stored, waiting for the drain."""
    from django.db import connection

    from monitoring.models import Point, Reading

    points = {
        (code, point): pk
        for pk, code, point in Point.objects.filter(gateway__code__startswith="SCALE-").values_list(
            "pk", "gateway__code", "code"
        )
    }

    def keys(rows):
        return {(points[(code, point)], datetime.fromisoformat(ts)) for code, point, ts in rows}

    expected_http = keys(http_acked)
    expected_mqtt = keys(publishers.acked)
    expected = expected_http | expected_mqtt
    deadline = time.monotonic() + timeout
    while True:
        stored = set(
            Reading.objects.filter(point_id__in=points.values()).values_list("point_id", "ts")
        )
        missing = expected - stored
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(2)
    connection.close()
    return {
        "http": len(expected_http),
        "mqtt": len(expected_mqtt),
        "missing_http": len(expected_http - stored),
        "missing_mqtt": len(expected_mqtt - stored),
        "stored": len(stored),
        "ok": not missing and not publishers.error,
    }


def event_baseline() -> dict:
    from django.db.models import Max

    from core.events import event_models

    return {m: m._default_manager.aggregate(top=Max("pk"))["top"] or 0 for m in event_models()}


def pending_events(baseline) -> dict[str, set[int]]:
    """The ids of the events not yet announced (notified_at empty), by model label; recorded
    after `baseline` (None: all)."""
    from core.events import event_models

    found = {}
    for model in event_models():
        rows = model._default_manager.filter(notified_at__isnull=True)
        if baseline is not None:
            rows = rows.filter(pk__gt=baseline[model])
        if ids := set(rows.values_list("pk", flat=True)):
            found[model._meta.label] = ids
    return found


def task_queue():
    """The run's huey (a RedisHuey on the run's Redis): its queue, and the workers' ledgers
    (task_worker.py)."""
    from huey.contrib.djhuey import HUEY

    return HUEY


def held(huey, worker: str) -> list[tuple[str, tuple]]:
    """(name, args) of each task worker `worker` has taken and not finished, from its ledger.
    Read as huey's messages, without its registry: this process has not imported every app's
    tasks (the registry's name is `<module>.<task>`)."""
    from task_worker import held_key

    raw = huey.storage.conn.lrange(held_key(worker), 0, -1)
    messages = map(huey.serializer.deserialize, raw)
    return [(message.name.rsplit(".", 1)[-1], tuple(message.args)) for message in messages]


def done(huey, worker: str) -> dict[str, int]:
    """What worker `worker` has finished, from its ledger: `<task>` how many, `<task>:value`
    the sum of their integer results."""
    from task_worker import done_key

    raw = huey.storage.conn.hgetall(done_key(worker))
    return {key.decode(): int(value) for key, value in raw.items()}


def held_events(tasks: list[tuple[str, tuple]]) -> dict[str, set[int]]:
    """The events the deliver_events tasks among `tasks` were to announce, by model label."""
    found: dict[str, set[int]] = defaultdict(set)
    for name, args in tasks:
        if name == "deliver_events" and len(args) == 2:
            label, ids = args
            found[label].update(ids)
    return dict(found)


def count_ids(events: dict[str, set[int]]) -> int:
    return sum(len(ids) for ids in events.values())


def common(a: dict[str, set[int]], b: dict[str, set[int]]) -> dict[str, set[int]]:
    return {label: ids & b[label] for label, ids in a.items() if ids & b.get(label, set())}


# Hazard reports sent through the API at once when the kill is due (8 at a time), and how long
# the kill waits for task worker 1 to hold one of their notification tasks.
BURST = 40
CATCH_SECONDS = 20.0


def write_burst(port: int, plan: dict, statuses: Counter, count: int = BURST) -> None:
    """`count` hazard reports through nginx with the officer's API token; their answers' statuses
    counted into `statuses` (0: no answer)."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    headers = {"Authorization": f"Bearer {plan['api_token']}", "Content-Type": "application/json"}

    def report(n):
        body = {
            "enterprise_id": plan["enterprise_id"],
            "source": "self_inspection",
            "description": f"扩展测试连发：安全出口指示灯损坏（{n}）",
            "place": "二号车间",
        }
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/api/v1/hazards", json.dumps(body), headers)
            return conn.getresponse().status
        except OSError:
            return 0

    with ThreadPoolExecutor(8) as pool:
        statuses.update(pool.map(report, range(count)))


def catch_held(huey, worker: str, timeout: float) -> bool:
    """Wait until `worker` holds a deliver_events task (its ledger, read every 2 ms)."""
    from task_worker import held_key

    conn, key = huey.storage.conn, held_key(worker)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if conn.llen(key) and any(name == "deliver_events" for name, _ in held(huey, worker)):
            return True
        time.sleep(0.002)
    return False


def tasks_at_kill(huey, baseline, settle: float = 1.0) -> dict:
    """What the killed task worker 1 held (its ledger, frozen by its death) and the outbox
    rows, read `settle` s after the kill: by then its open transaction has rolled back and a
    COMMIT it had sent has landed."""
    time.sleep(settle)
    tasks = held(huey, "1")
    events = held_events(tasks)
    pending = pending_events(baseline)
    return {
        "held": dict(Counter(name for name, _ in tasks)),
        "held_events": count_ids(events),
        "held_unannounced": common(events, pending),
        "pending": count_ids(pending),
        "queued": huey.storage.queue_size(),
        "done_1": done(huey, "1"),
        "done_2": done(huey, "2"),
    }


def after_kill(huey, at_kill: dict, drained: dict) -> dict:
    """From the surviving worker's ledger: what its deliver_events tasks announced since the
    kill and what the outbox sweeps (deliver_pending) recovered; the held events still
    unannounced."""
    now = done(huey, "2")

    def since(key):
        return now.get(key, 0) - at_kill["done_2"].get(key, 0)

    return {
        "at_kill": at_kill,
        "by_tasks": since("deliver_events:value"),
        "by_sweep": since("deliver_pending:value"),
        "sweeps_run": since("deliver_pending"),
        "held_left": count_ids(common(at_kill["held_unannounced"], drained["left"])),
    }


def drain_events(baseline, timeout, huey=None, workers=()) -> dict:
    """Wait until the events recorded after `baseline` (None: all) are announced. Once the
    queue is empty and `workers` hold nothing, every event still pending has lost its task:
    the outbox sweep (deliver_pending, every 5 minutes in production) is enqueued then, at
    most every 20 s, rather than waiting for its time."""
    from core.events import deliver_pending, event_models

    def idle():
        if huey is None:
            return True
        return huey.storage.queue_size() == 0 and not any(held(huey, w) for w in workers)

    def recorded():
        if baseline is None:
            return 0
        return sum(m._default_manager.filter(pk__gt=baseline[m]).count() for m in event_models())

    deadline = time.monotonic() + timeout
    swept = 0
    left = pending_events(baseline)
    last_sweep = -math.inf
    while left and time.monotonic() < deadline:
        if time.monotonic() - last_sweep > 20 and idle():
            deliver_pending()
            swept += 1
            last_sweep = time.monotonic()
        time.sleep(1)
        left = pending_events(baseline)
    return {
        "recorded": recorded(),
        "left": left,
        "pending": {label: len(ids) for label, ids in left.items()},
        "sweeps": swept,
        "ok": not left,
    }


# A SIGKILLed app server's socket accepts connections until its last process is gone (tens of ms,
# more on a loaded machine): a request that reached it in that time was in flight there too.
KILL_MARGIN = 1.0

NGINX_LINE = re.compile(r'^(\S+) (\S+) (\d+) "([^"]*)" "([^"]*)" (\S+) (\S+)')


def check_5xx(access_log: Path, requests, killed, ports, more_unanswered=0) -> dict:
    """Every 5xx of nginx's log, by time relative to the kill; allowed only where a killed server
    (one of `ports`) answered (or failed) a request it had when it died."""
    killed_at = killed["at"]
    dead = [f"127.0.0.1:{port}" for port in ports]
    listed, allowed, other = [], 0, 0
    for line in access_log.read_text().splitlines():
        found = NGINX_LINE.match(line)
        if not found:
            continue
        end, took, status, upstreams, _, method, uri = found.groups()
        if int(status) < 500:
            continue
        start = float(end) - float(took)
        begun, ended = start <= killed_at + KILL_MARGIN, float(end) >= killed_at
        in_flight = any(server in upstreams for server in dead) and begun and ended
        allowed += in_flight
        other += not in_flight
        listed.append(
            f"{status} {method} {uri} 开始于杀死后 {start - killed_at:+.2f} 秒，"
            f"历时 {float(took):.2f} 秒，上游 {upstreams}" + ("（在途）" if in_flight else "")
        )
    unanswered = sum(1 for row in requests if row[2] == "0") + more_unanswered
    return {
        "in_flight": allowed,
        "other": other,
        "unanswered": unanswered,
        "listed": listed,
        "ok": other == 0 and unanswered == 0,
    }


def telemetry_routes(access_log: Path, gateway_ports) -> dict:
    """How many telemetry requests of nginx's log a gateway server answered (the last upstream
    tried), and how many anything else did: production sends them all to the gateway servers."""
    servers = {f"127.0.0.1:{port}" for port in gateway_ports}
    counts = Counter()
    for line in access_log.read_text().splitlines():
        found = NGINX_LINE.match(line)
        if not found or found.group(7) != "/api/v1/telemetry":
            continue
        last = found.group(4).split(",")[-1].strip()
        counts["gateway" if last in servers else "other"] += 1
    return {**counts, "ok": counts["gateway"] > 0 and counts["other"] == 0}


def stop_all(fleet: Fleet):
    """SIGTERM in order (traffic, workers, app servers, front, queue and broker), then SIGKILL
    whatever is left after its grace."""
    order = [
        "locust", "ingest_mqtt", "run_huey", "gunicorn", "gateway", "nginx", "mosquitto", "redis",
    ]  # fmt: skip
    fleet.look()
    for prefix in order:
        group = [
            (name, p)
            for name, p in fleet.processes.items()
            if name.startswith(prefix) and p.poll() is None
        ]
        for name, process in group:
            with contextlib.suppress(ProcessLookupError):
                if name.startswith(("gunicorn", "nginx")):
                    os.killpg(process.pid, signal.SIGTERM)
                else:
                    process.terminate()
        for name, process in group:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL) if name.startswith(
                        ("gunicorn", "nginx")
                    ) else process.kill()
                process.wait(10)
    for process in fleet.processes.values():  # reap the killed ones
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(1)


def check_stopped(fleet: Fleet) -> dict:
    deadline = time.monotonic() + 15
    left = fleet.alive()
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = fleet.alive()
    return {"checked": len(fleet.seen), "left": left, "ok": not left}


def task_check(t: dict) -> tuple[bool, str]:
    """The verdict on the tasks: every event recorded during the run announced, those the killed
    worker held unannounced among them; with the facts read at the kill and after the drain."""
    k = t["at_kill"]
    held = "、".join(f"{name} {n}" for name, n in sorted(k["held"].items())) or "无"
    ok = t["ok"] and t["held_left"] == 0
    return ok, (
        f"任务无丢失：压测中记录的事件 {t['recorded']} 条，排空后未通知 "
        f"{sum(t['pending'].values())} 条{t['pending'] or ''}。杀死时：任务进程 1 持有 "
        f"{sum(k['held'].values())} 个任务（{held}），其中通知任务的事件 {k['held_events']} 条、"
        f"未通知 {count_ids(k['held_unannounced'])} 条（排空后仍未通知 {t['held_left']} 条）；"
        f"压测中的事件未通知 {k['pending']} 条，队列中 {k['queued']} 个任务。之后：存活的"
        f"任务进程 2 的通知任务通知 {t['by_tasks']} 条，补发扫描运行 {t['sweeps_run']} 次"
        f"（本测试加入 {t['sweeps']} 次，其余为每 5 分钟的定时扫描）补回 {t['by_sweep']} 条"
    )


# What takes over another task that died with its worker (not checked by this test).
RECOVERED_BY = {
    "regrade": "评级：每 10 分钟的增量计算只看上次计算开始以来的变化，每日全量计算必定补上",
    "send_deliveries": "其他渠道的副本：每分钟的重试扫描在租约到期后补发",
}


def task_notes(t: dict) -> list[str]:
    """What a reader must know to judge the task check: whether the recovery path was exercised."""
    k = t["at_kill"]
    lost = count_ids(k["held_unannounced"])
    notes = []
    if not k.get("caught"):
        notes.append(f"杀死前 {CATCH_SECONDS:g} 秒内未见任务进程 1 持有通知任务")
    if not sum(k["held"].values()):
        notes.append("被杀的任务进程未持有任务：本次没有任务随它丢失，补发路径未经检验")
    elif not lost:
        notes.append(
            "被杀的任务进程持有的任务里没有未通知的事件（已提交、未及记账）：补发路径未经检验"
        )
    else:
        notes.append(f"被杀的任务进程持有 {lost} 条未通知事件的任务随它丢失，由补发扫描补回")
    if t["by_sweep"] > lost:
        notes.append(
            f"补发扫描另补回 {t['by_sweep'] - lost} 条：扫描先于其任务送达"
            "（任务随后见已通知而跳过）"
        )
    for name, n in sorted(k["held"].items()):
        if name != "deliver_events":
            notes.append(
                f"被杀的任务进程还持有 {name} {n} 个，不在本检查内"
                f"（{RECOVERED_BY.get(name, '无补发路径的记录')}）"
            )
    if (burst := k.get("burst")) is not None:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(burst.items()))
        notes.append(f"接口连发 {sum(burst.values())} 条隐患上报（{codes}）")
    return notes


def summary(report: dict) -> bool:
    if "readings" not in report:
        print("FAIL  扩展测试未能完成")
        stopped = report.get("stopped", {})
        print(f"{'PASS' if stopped.get('ok') else 'FAIL'}  进程全部停止：{stopped.get('left')}")
        return False
    seconds = report["duration"]
    by_class = defaultdict(list)
    statuses = defaultdict(Counter)
    for _start, kind, status, ms in report["requests"]:
        by_class[kind].append(float(ms))
        statuses[kind][status] += 1
    total = sum(len(v) for v in by_class.values())
    loads = [value for _, value in report["load"]]
    r, t, e, s = report["readings"], report["tasks"], report["errors"], report["stopped"]
    http_gw, mqtt_gw = report["gateways"]
    print()
    print("== 扩展测试结果 ==")
    print(
        f"时长 {seconds:.0f} 秒；用户 县局 {report['users']['county']}、镇街 "
        f"{report['users']['town']}、企业 {report['users']['enterprise']}；网关 HTTP {http_gw}、"
        f"MQTT {mqtt_gw}；应用服务器 2 × ({report['app'][0]} 进程 × {report['app'][1]} 线程)"
    )
    print(f"请求 {total}，{total / seconds:.1f} 次/秒")
    for kind in sorted(by_class):
        times = by_class[kind]
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(statuses[kind].items()))
        print(
            f"  {kind:<10} {len(times):>7} 次  {len(times) / seconds:7.1f} 次/秒  "
            f"p50 {percentile(times, 0.5):7.1f} ms  p95 {percentile(times, 0.95):7.1f} ms  "
            f"({codes})"
        )
    print(
        f"数据：HTTP {r['http']} 条（{r['http'] / seconds:.0f} 条/秒），MQTT {r['mqtt']} 条"
        f"（{r['mqtt'] / seconds:.0f} 条/秒，{report['mqtt_sent']} 条消息）"
    )
    print(
        f"负载（1 分钟平均）：压测中 平均 {sum(loads) / max(1, len(loads)):.2f}、"
        f"最高 {max(loads, default=0):.2f}；结束时 {report['load_end'][0]:.2f}（本机 "
        f"{os.cpu_count()} 核）"
    )
    busy, whole = report["cpu_machine"]
    cores = os.cpu_count() or 1
    print(
        f"CPU：本机忙 {busy / max(whole, 1e-9):.0%}（{busy:.0f} 秒/{whole:.0f} 秒）；"
        f"本测试的进程（不含 PostgreSQL）{report['cpu_ours']:.0f} 秒，"
        f"即 {report['cpu_ours'] / seconds:.2f} 核 / {cores} 核"
    )
    print(f"5xx（以杀死进程的时刻为 0）：在途 {e['in_flight']}，其他 {e['other']}")
    for line in e["listed"][:50]:
        print(f"    {line}")
    print()
    checks = [
        (
            r["ok"],
            f"已确认的数据无丢失：HTTP 缺 {r['missing_http']} / {r['http']}，"
            f"MQTT 缺 {r['missing_mqtt']} / {r['mqtt']}"
            + (f"；发送端错误 {report['mqtt_error']}" if report["mqtt_error"] else ""),
        ),
        task_check(t),
        (
            e["ok"],
            f"除被杀服务器上的在途请求（{e['in_flight']}）外无 5xx：其他 5xx {e['other']}，"
            f"无应答 {e['unanswered']}",
        ),
        (
            report["routes"]["ok"],
            f"遥测上报全部由网关接入服务应答：{report['routes'].get('gateway', 0)} 次，"
            f"其他 {report['routes'].get('other', 0)} 次",
        ),
        (s["ok"], f"进程全部停止：检查 {s['checked']} 个进程号，残留 {s['left'] or '无'}"),
    ]
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    for note in task_notes(t):
        print(f"      {note}")
    return all(ok for ok, _ in checks)


if __name__ == "__main__":
    sys.exit(main())
