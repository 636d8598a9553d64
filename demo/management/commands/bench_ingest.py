"""Ingestion benchmark (`make bench-ingest`): readings per second through the ingestion service
with the rules evaluated and stored, beside a raw batched insert of the same readings into the
same table, the delay from a reading's arrival to its alarm, and the memory over a long run.

It works in a database of its own, so the demo data is never touched: the SQLite file
var/bench_ingest.sqlite3, or the PostgreSQL database anjian_bench_ingest on the server
DATABASE_URL names (created when missing). Each run starts from empty monitoring tables with
--gateways gateways (default 200) of 25 points each, of mixed kinds with their documented rule
settings, at as many enterprises; the alarm notifications go to a task queue file of its own
(var/bench_ingest_tasks.sqlite3), never to the platform's.

The readings are a plant's: every point reports every 5 seconds (simulated time, starting two
days ago), values around the kind's normal level with noise; two points per gateway misbehave
in cycles (a pressure difference, hopper temperature or CO above its threshold for ten minutes
of every hour; a spark detector or airlock firing for three readings), so alarms are raised,
updated and cleared as they would be. A batch is one gateway's readings over consecutive time
steps (--batch readings, default 5,000, the API's cap), as parsed JSON (what the HTTP view hands
to the service after json.loads).

1. Throughput: --readings readings (default 500,000) in batches. Each batch goes through
   monitoring.ingest.ingest (validation, insert, rules, alarms, commit), then the same readings
   half a second later (so they neither conflict nor touch the rules' state) go into the same
   table by a raw batched insert, one transaction per batch: COPY on PostgreSQL (psycopg's
   cursor.copy, write_row), executemany of an INSERT on SQLite. Alternating batch by batch, both
   see the same table size and the same machine load. Only the two calls are timed.
   Also timed: the same batches as an HTTP POST /api/v1/telemetry through django.test.Client
   (the view's JSON decoding, authentication and the service), --http-batches of them.
2. Alarm delay: --alarms batches (default 100) are posted over HTTP, each carrying one reading
   that raises an alarm (a CO point at 60 ppm) among the gateway's normal readings; the delay is
   from the POST's start to the alarm row being visible to another connection, which polls.
3. Memory: --duration seconds (default 60; the documented run is 600) of continuous ingestion,
   round robin over the gateways, sampling the process's resident memory (VmRSS of
   /proc/self/status) every --sample seconds: start, end, max and the slope of a least-squares
   line through the samples after the first minute (or the first fifth of a shorter run).

Goals (issue 4, on the 2-core machine): at least 30,000 readings a second with rules on, at
least a third of the raw insert's rate, alarms within 1 second, flat memory. The load averages
are printed beside the figures: the machine is shared.
"""

import json
import os
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction
from django.test import Client
from psycopg import sql

from core.models import Jurisdiction, JurisdictionKind
from enterprises import credit_code
from enterprises.models import Enterprise
from monitoring import partitions
from monitoring.ingest import ingest, sqlite_stamp
from monitoring.models import Alarm, AlarmEvent, Gateway, Point, Reading

SQLITE_FILE = "bench_ingest.sqlite3"
TASKS_FILE = "bench_ingest_tasks.sqlite3"
PG_DATABASE = "anjian_bench_ingest"
GOAL_RATE = 30_000
GOAL_RATIO = 1 / 3
GOAL_DELAY_MS = 1000
STEP = timedelta(seconds=5)  # every point reports every 5 s of simulated time
RAW_OFFSET = timedelta(milliseconds=500)
CST = timezone(timedelta(hours=8))
CYCLE = 720  # steps: an hour
BREACH_STEPS = 120  # ten minutes of every hour above the threshold
PULSE_STEPS = 3  # a spark or airlock fault lasts three readings

# The 25 points of a gateway: (kind, equipment, how many, normal level, noise, breach value).
# A dust-removal system or two, a gas room, a cooling loop and the power meter.
MIX = [
    ("pressure_diff", "除尘器", 4, 1000.0, 60.0, 2100.0),
    ("hopper_temp", "除尘器灰斗", 4, 35.0, 0.8, 85.0),
    ("airlock_fault", "锁气卸灰阀", 3, False, None, True),
    ("spark", "火花探测器", 3, False, None, True),
    ("water_level", "消防水池", 1, 3.0, 0.05, None),
    ("water_flow", "喷淋管网", 1, 20.0, 1.0, None),
    ("co", "煤气区域", 2, 3.0, 1.0, 60.0),
    ("nh3", "液氨机房", 1, 2.0, 0.5, None),
    ("combustible_gas", "天然气调压站", 2, 2.0, 1.0, None),
    ("cooling_temp", "中频炉冷却水", 1, 30.0, 0.5, None),
    ("cooling_flow_diff", "中频炉冷却水", 1, 0.0, 0.3, None),
    ("running", "主风机", 1, True, None, None),
    ("power", "总进线", 1, 300.0, 30.0, None),
]
ANALOG_BREACHERS = ["pressure_diff", "hopper_temp", "co"]
PULSE_BREACHERS = ["spark", "airlock_fault"]


@dataclass
class Sim:
    """One simulated point: how its readings are made."""

    pk: int
    code: str
    normal: float | bool
    noise: float | None
    breach: float | bool | None  # the value while misbehaving; None: never
    phase: int  # where in the cycle this point misbehaves
    pulse: bool  # misbehaves for PULSE_STEPS rather than BREACH_STEPS

    def value(self, step: int, rng: random.Random):
        if self.breach is not None:
            at = (step + self.phase) % CYCLE
            if at < (PULSE_STEPS if self.pulse else BREACH_STEPS):
                return self.breach
        if self.noise is None:
            return self.normal
        return round(self.normal + rng.uniform(-self.noise, self.noise), 2)


@dataclass
class Plant:
    """One gateway and its points, with the simulated clock of its readings."""

    gateway: Gateway
    token: str
    sims: list[Sim]
    trigger: Sim  # a CO point used to raise alarms on demand
    step: int = 0

    def batch(self, size: int, start: datetime, rng: random.Random, trigger_at=None):
        """`size` readings as parsed JSON (point, ISO 8601 ts with +08:00, value) over the next
        time steps, and the same as rows (point id, ts + RAW_OFFSET, value) for the raw insert.
        `trigger_at`: the step of the batch at which the trigger point reads 60 ppm."""
        readings, rows = [], []
        per_step = len(self.sims)
        steps = max(1, size // per_step)
        for offset in range(steps):
            step = self.step + offset
            moment = start + step * STEP
            stamp = moment.astimezone(CST).isoformat()
            raw_moment = moment + RAW_OFFSET
            for sim in self.sims:
                value = sim.value(step, rng)
                if sim is self.trigger and offset == trigger_at:
                    value = 60.0
                readings.append({"point": sim.code, "ts": stamp, "value": value})
                rows.append((sim.pk, raw_moment, float(value)))
        self.step += steps
        return readings[:size], rows[:size]


def load_averages() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values, p):
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]


class Command(BaseCommand):
    help = (
        "监测数据接入性能基准：在独立数据库（var/bench_ingest.sqlite3 或 PostgreSQL "
        "anjian_bench_ingest）中测量经接入服务（含规则判定与报警）的每秒入库条数、同批数据"
        "直接批量写入的速率及两者之比、报警延迟和长时间运行的内存"
    )
    requires_system_checks = []
    # Its own database, task queue and lock (manage.py bench_gateways has others).
    pg_database, sqlite_file, tasks_file, lock_name = (
        PG_DATABASE,
        SQLITE_FILE,
        TASKS_FILE,
        "bench_ingest.lock",
    )

    def add_arguments(self, parser):
        parser.add_argument("--gateways", type=int, default=200, help="网关数（每个 25 个点位）")
        parser.add_argument("--batch", type=int, default=5000, help="每批数据条数（默认 5000）")
        parser.add_argument("--readings", type=int, default=500_000, help="吞吐量测量的数据总条数")
        parser.add_argument(
            "--http-batches", type=int, default=20, help="经 HTTP 接口测量的批数（默认 20）"
        )
        parser.add_argument("--alarms", type=int, default=100, help="测量报警延迟的次数")
        parser.add_argument(
            "--duration", type=int, default=60, help="内存测量的持续接入秒数（默认 60，文档用 600）"
        )
        parser.add_argument("--sample", type=int, default=10, help="内存采样间隔秒数")
        parser.add_argument("--seed", type=int, default=20240404, help="随机种子")
        parser.add_argument(
            "--skip", nargs="*", default=[], choices=["raw", "http", "alarms", "memory"]
        )
        parser.add_argument(
            "--profile", metavar="FILE", help="以 cProfile 记录吞吐量阶段的接入调用，写入 FILE"
        )
        parser.add_argument(
            "--without-exchange",
            action="store_true",
            help="不写数据交换记录（断开 exchange 的监听），用于测量其开销",
        )

    def handle(self, *args, **options):
        if options["gateways"] < 1 or options["batch"] < 25 or options["readings"] < 1:
            raise CommandError("--gateways、--readings 须为正数，--batch 至少 25")
        if options["batch"] > settings.TELEMETRY_MAX_READINGS:
            raise CommandError(f"--batch 不能超过 {settings.TELEMETRY_MAX_READINGS}")
        self.rng = random.Random(options["seed"])
        if connection.vendor == "postgresql" and connection.settings_dict["NAME"] != "anjian":
            # Another DATABASE_URL than the default's: a benchmark database of its own beside it.
            self.pg_database = f"{connection.settings_dict['NAME']}_bench_ingest"
        exchange = "without" if options["without_exchange"] else "with"
        if options["without_exchange"]:
            from exchange import signals as exchange_signals

            exchange_signals.disconnect()
        self.stdout.write(f"Exchange entries: {exchange} (exchange.signals listener)")
        where = self._open_bench_database()
        self.stdout.write(f"Benchmark database: {where}")
        started = time.perf_counter()
        self.plants = self._setup(options["gateways"])
        self.start = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
        self.stdout.write(
            f"Set up {len(self.plants)} gateways, {sum(len(p.sims) for p in self.plants):,} "
            f"points in {time.perf_counter() - started:.1f} s."
        )
        skip = set(options["skip"])
        batch = options["batch"]
        throughput = self._throughput(
            batch, options["readings"], "raw" not in skip, options["profile"]
        )
        http = None if "http" in skip else self._http(batch, options["http_batches"])
        delays = None if "alarms" in skip else self._alarm_delays(batch, options["alarms"])
        memory = (
            None
            if "memory" in skip
            else self._memory(batch, options["duration"], options["sample"])
        )
        self._report(batch, throughput, http, delays, memory)

    # --- The benchmark database ---------------------------------------------------------------

    def _open_bench_database(self) -> str:
        """This run alone on the machine, in its own database (migrated) and task queue; where
        that database is."""
        self._lock = self._only_run()
        where = self._use_bench_database()
        self._use_own_task_queue()
        call_command("migrate", interactive=False, verbosity=0)
        return where

    def _only_run(self):
        """Refuse to start beside another run on this machine: each run empties the benchmark
        database, the other's figures would be worthless. The lock goes with the process."""
        import fcntl

        lock = open(Path(settings.VAR_DIR) / self.lock_name, "w")  # noqa: SIM115
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError("另一个同类基准正在运行，请等它结束") from None
        return lock

    def _use_bench_database(self) -> str:
        connection.close()
        params = connection.settings_dict
        if connection.vendor == "sqlite":
            path = Path(settings.VAR_DIR) / self.sqlite_file
            for suffix in ("", "-wal", "-shm"):  # a fresh file: faster than deleting the rows
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            params["NAME"] = path
            self.observe = lambda: _sqlite_observer(path)
            return str(path)
        if connection.vendor == "postgresql":
            server = {
                "host": params.get("HOST") or None,
                "port": params.get("PORT") or None,
                "user": params.get("USER") or None,
                "password": params.get("PASSWORD") or None,
            }
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                found = admin.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [self.pg_database]
                ).fetchone()
                if not found:
                    admin.execute(
                        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.pg_database))
                    )
            params["NAME"] = self.pg_database
            self.observe = lambda: psycopg.connect(
                dbname=self.pg_database, autocommit=True, **server
            )
            return f"PostgreSQL database {self.pg_database}"
        raise CommandError(f"不支持的数据库：{connection.vendor}")

    def _use_own_task_queue(self):
        """New alarms hand their notifications to the task queue: here, a file of the bench's
        own, so the platform's worker never sees them."""
        from huey.contrib.djhuey import HUEY
        from huey.storage import SqliteStorage

        path = Path(settings.VAR_DIR) / self.tasks_file
        HUEY.storage = SqliteStorage(name=HUEY.name, filename=str(path))
        HUEY.storage.flush_all()

    def _setup(self, gateways: int) -> list[Plant]:
        """Empty monitoring tables, then the enterprises, gateways and points."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "TRUNCATE monitoring_reading, monitoring_alarmevent, monitoring_alarmphoto, "
                    "monitoring_alarm, monitoring_point, monitoring_gateway CASCADE"
                )
            else:
                for table in ("reading", "alarmevent", "alarmphoto", "alarm", "point", "gateway"):
                    cursor.execute(f"DELETE FROM monitoring_{table}")  # noqa: S608
        partitions.forget()
        plants = []
        with transaction.atomic(), disable_auditlog():
            county, _ = Jurisdiction.objects.get_or_create(
                code="379901",
                defaults={"name": "接入基准县", "kind": JurisdictionKind.COUNTY},
            )
            town, _ = Jurisdiction.objects.get_or_create(
                code="379901-01",
                defaults={"name": "接入基准镇", "kind": JurisdictionKind.TOWN, "parent": county},
            )
            for n in range(gateways):
                code = credit_code.make(f"91379901{n:09d}")
                enterprise = Enterprise.objects.filter(credit_code=code).first()
                if enterprise is None:
                    enterprise = Enterprise.objects.create(
                        credit_code=code,
                        name=f"接入基准第{n + 1}号企业有限公司",
                        jurisdiction=town,
                        industry="machinery",
                        employee_count=80,
                        principal_name="基准",
                        principal_phone="13800000000",
                    )
                plants.append(self._plant(enterprise, n))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        return plants

    def _plant(self, enterprise, n: int) -> Plant:
        gateway = Gateway(enterprise=enterprise, code=f"BENCH-{n:04d}", name=f"基准网关{n}")
        token = gateway.set_new_token()
        gateway.save()
        analog = ANALOG_BREACHERS[n % len(ANALOG_BREACHERS)]
        pulse = PULSE_BREACHERS[n % len(PULSE_BREACHERS)]
        points, sims = [], []
        for kind, equipment, count, normal, noise, breach in MIX:
            for i in range(1, count + 1):
                point = Point(
                    gateway=gateway,
                    enterprise_id=enterprise.pk,
                    code=f"{kind}-{i}",
                    kind=kind,
                    equipment=f"{i}号{equipment}",
                )
                point.apply_defaults()
                points.append(point)
                misbehaves = i == 1 and kind in (analog, pulse)
                sims.append(
                    Sim(
                        0,
                        point.code,
                        normal,
                        noise,
                        breach if misbehaves else None,
                        self.rng.randrange(CYCLE),
                        kind == pulse,
                    )
                )
        Point.objects.bulk_create(points)
        ids = dict(Point.objects.filter(gateway=gateway).values_list("code", "pk"))
        for sim in sims:
            sim.pk = ids[sim.code]
        trigger = next(s for s in sims if s.code == "co-2")
        return Plant(gateway, token, sims, trigger)

    # --- Measures -----------------------------------------------------------------------------

    def _batches(self, size: int):
        """Batches round robin over the gateways, forever."""
        while True:
            for plant in self.plants:
                readings, rows = plant.batch(size, self.start, self.rng)
                yield plant, readings, rows

    def _throughput(self, size: int, total: int, raw: bool, profile: str | None):
        self.stdout.write(f"Throughput: {total:,} readings in batches of {size:,} …")
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        ingest_s = raw_s = 0.0
        done = accepted = alarms = 0
        batches = self._batches(size)
        loads = [os.getloadavg()[0]]
        while done < total:
            plant, readings, rows = next(batches)
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            outcome = ingest(plant.gateway, readings)
            ingest_s += time.perf_counter() - t0
            if profiler:
                profiler.disable()
            if outcome.rejected or outcome.accepted != len(readings):
                raise CommandError(f"接入结果异常：{outcome.as_dict()}")
            accepted += outcome.accepted
            alarms += outcome.alarms_raised
            if raw:
                partitions.ensure({partitions.month_of(ts) for _, ts, _ in (rows[0], rows[-1])})
                t0 = time.perf_counter()
                _raw_insert(rows)
                raw_s += time.perf_counter() - t0
            done += len(readings)
        loads.append(os.getloadavg()[0])
        if profiler:
            profiler.dump_stats(profile)
            self.stdout.write(f"Profile written to {profile}")
        return {
            "readings": done,
            "ingest_rate": accepted / ingest_s,
            "raw_rate": done / raw_s if raw else None,
            "alarms": alarms,
            "load": loads,
        }

    def _http(self, size: int, count: int):
        if count < 1:
            return None
        self.stdout.write(f"HTTP: {count} batches of {size:,} …")
        client = Client(SERVER_NAME="localhost")  # testserver is not an allowed host
        batches = self._batches(size)
        elapsed = 0.0
        done = 0
        for n in range(count + 1):  # the first, untimed, loads what the first request imports
            plant, readings, _ = next(batches)
            body = json.dumps({"readings": readings})
            t0 = time.perf_counter()
            response = client.post(
                "/api/v1/telemetry",
                data=body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {plant.token}"},
            )
            if n:
                elapsed += time.perf_counter() - t0
                done += len(readings)
            close_old_connections()
            if response.status_code != 200 or response.json()["accepted"] != len(readings):
                raise CommandError(f"HTTP 接入异常：{response.status_code} {response.content!r}")
        return {"rate": done / elapsed, "batches": count}

    def _alarm_delays(self, size: int, count: int):
        """Post batches each carrying one reading that raises a CO alarm; time from the POST's
        start to the alarm being visible to another connection."""
        if count < 1:
            return None
        self.stdout.write(f"Alarm delay: {count} alarms among batches of {size:,} …")
        client = Client(SERVER_NAME="localhost")  # testserver is not an allowed host
        observer = self.observe()
        delays = []
        try:
            for n in range(count):
                plant = self.plants[n % len(self.plants)]
                steps = max(1, size // len(plant.sims))
                readings, _ = plant.batch(
                    size, self.start, self.rng, trigger_at=self.rng.randrange(steps)
                )
                body = json.dumps({"readings": readings})
                last = Alarm.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                t0 = time.perf_counter()
                client.post(
                    "/api/v1/telemetry",
                    data=body,
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {plant.token}"},
                )
                deadline = t0 + 30
                while not _alarm_visible(observer, plant.trigger.pk, last):
                    if time.perf_counter() > deadline:
                        raise CommandError("30 秒内未看到报警")
                    time.sleep(0.0005)
                delays.append((time.perf_counter() - t0) * 1000)
                close_old_connections()
        finally:
            observer.close()
        return delays

    def _memory(self, size: int, duration: int, every: int):
        if duration < 1:
            return None
        self.stdout.write(
            f"Memory: {duration} s of continuous ingestion, sampled every {every} s …"
        )
        batches = self._batches(size)
        samples = [(0.0, rss_mb())]
        counts = [0]  # readings stored by each sample
        t_start = time.perf_counter()
        next_sample = every
        done = 0
        busy = 0.0  # seconds in ingest(), without making the readings
        while True:
            elapsed = time.perf_counter() - t_start
            if elapsed >= duration:
                break
            if elapsed >= next_sample:
                samples.append((elapsed, rss_mb()))
                counts.append(done)
                next_sample += every
            plant, readings, _ = next(batches)
            t0 = time.perf_counter()
            outcome = ingest(plant.gateway, readings)
            busy += time.perf_counter() - t0
            done += outcome.accepted
        elapsed = time.perf_counter() - t_start
        samples.append((elapsed, rss_mb()))
        counts.append(done)
        rates = [  # wall clock, making the readings included
            (counts[i] - counts[i - 1]) / (samples[i][0] - samples[i - 1][0])
            for i in range(1, len(samples))
            if samples[i][0] > samples[i - 1][0]
        ]
        # Flat is judged after the warm-up: the first minute, or a fifth of a shorter run.
        settle = min(60.0, duration / 5)
        steady = [(t, m) for t, m in samples if t >= settle]
        slope = _slope(steady) * 60 if len(steady) > 1 else float("nan")
        return {
            "duration": elapsed,
            "readings": done,
            "rate": done / busy,
            "start": samples[0][1],
            "settled": steady[0][1] if steady else samples[0][1],
            "end": samples[-1][1],
            "max": max(m for _, m in samples),
            "slope": slope,
            "samples": samples,
            "rates": rates,
            "first_rate": rates[0] if rates else float("nan"),
            "last_rate": rates[-1] if rates else float("nan"),
            "rows": Reading.objects.count(),
        }

    # --- Reporting ----------------------------------------------------------------------------

    def _report(self, size, throughput, http, delays, memory):
        out = self.stdout
        vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sqlite_version()"
                if connection.vendor == "sqlite"
                else "SHOW server_version"
            )
            version = cursor.fetchone()[0].split()[0]
        points = sum(len(p.sims) for p in self.plants)
        out.write("")
        out.write(
            f"Database: {vendor} {version} · {len(self.plants)} gateways · {points:,} points · "
            f"batches of {size:,} readings · {os.cpu_count()} CPUs · "
            f"load average now {load_averages()}"
        )
        out.write(
            f"Alarms: {Alarm.objects.count():,} raised "
            f"({Alarm.objects.filter(cleared_at__isnull=False).count():,} cleared), "
            f"{AlarmEvent.objects.count():,} events · readings stored: "
            f"{Reading.objects.count():,}"
        )
        out.write("")
        out.write("| measure | readings | readings/s | goal | met |")
        out.write("|---|---:|---:|---|---|")
        rate = throughput["ingest_rate"]
        out.write(
            f"| ingest() with rules, committed | {throughput['readings']:,} | {rate:,.0f} | "
            f"≥ {GOAL_RATE:,} | {_yes(rate >= GOAL_RATE)} |"
        )
        raw = throughput["raw_rate"]
        if raw:
            how = "binary COPY" if connection.vendor == "postgresql" else "executemany INSERT"
            out.write(
                f"| raw batched insert ({how}), committed | {throughput['readings']:,} | "
                f"{raw:,.0f} | | |"
            )
            ratio = rate / raw
            out.write(
                f"| ratio ingest / raw | | {ratio:.2f} | ≥ 0.33 | {_yes(ratio >= GOAL_RATIO)} |"
            )
        if http:
            out.write(
                f"| HTTP POST /api/v1/telemetry (test client) | {http['batches'] * size:,} | "
                f"{http['rate']:,.0f} | | |"
            )
        load = throughput["load"]
        out.write("")
        out.write(
            f"Load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end; "
            f"{throughput['alarms']:,} alarms raised during the throughput run."
        )
        if delays:
            worst = max(delays)
            out.write("")
            out.write(
                "| alarm delay (POST start → alarm visible elsewhere) | n | p50 ms | p95 ms "
                "| max ms | goal | met |"
            )
            out.write("|---|---:|---:|---:|---:|---|---|")
            out.write(
                f"| one CO reading at 60 ppm in a batch of {size:,} | {len(delays)} | "
                f"{percentile(delays, 50):.0f} | {percentile(delays, 95):.0f} | {worst:.0f} | "
                f"< {GOAL_DELAY_MS} ms | {_yes(worst < GOAL_DELAY_MS)} |"
            )
        if memory:
            out.write("")
            out.write(
                "| memory (RSS) | run s | readings | readings/s | start MB | after warm-up MB "
                "| end MB | max MB | slope MB/min |"
            )
            out.write("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            out.write(
                f"| continuous ingestion | {memory['duration']:.0f} | {memory['readings']:,} | "
                f"{memory['rate']:,.0f} | {memory['start']:.1f} | {memory['settled']:.1f} | "
                f"{memory['end']:.1f} | {memory['max']:.1f} | {memory['slope']:+.2f} |"
            )
            out.write("")
            out.write(
                "RSS samples (s: MB): "
                + ", ".join(f"{t:.0f}: {m:.1f}" for t, m in memory["samples"])
            )
            out.write(
                "Readings/s by the wall clock in each sample interval: "
                + ", ".join(f"{r:,.0f}" for r in memory["rates"])
            )
            out.write(
                "Readings/s by the wall clock (making the readings included) over the first "
                f"sample interval {memory['first_rate']:,.0f}, over the last "
                f"{memory['last_rate']:,.0f}; readings table after the run: "
                f"{memory['rows']:,} rows."
            )
        out.write("")
        out.write(f"Load average at the end: {load_averages()}")


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _slope(samples) -> float:
    """Least-squares slope (MB per second) of (seconds, MB) samples."""
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if not var:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in samples) / var


def _raw_insert(rows) -> None:
    """The baseline: the rows into monitoring_reading as plainly as the database allows, one
    committed transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the driver's own cursor, without Django's wrapper
        if connection.vendor == "postgresql":
            copy_sql = "COPY monitoring_reading (point_id, ts, value) FROM STDIN (FORMAT BINARY)"
            with raw.copy(copy_sql) as copy:
                copy.set_types(["int8", "timestamptz", "float8"])
                for row in rows:
                    copy.write_row(row)
        else:
            raw.executemany(
                "INSERT INTO monitoring_reading (point_id, ts, value) VALUES (?, ?, ?)",
                [(pk, sqlite_stamp(ts), value) for pk, ts, value in rows],
            )


def _sqlite_observer(path):
    import sqlite3

    return sqlite3.connect(path, isolation_level=None, timeout=20)


def _alarm_visible(observer, point_id: int, after: int) -> bool:
    placeholder = "?" if observer.__class__.__module__.startswith("sqlite3") else "%s"
    query = (
        f"SELECT 1 FROM monitoring_alarm WHERE point_id = {placeholder} "  # noqa: S608
        f"AND condition = 'high' AND id > {placeholder}"
    )
    return observer.execute(query, [point_id, after]).fetchone() is not None
