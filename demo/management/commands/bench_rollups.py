"""Years-of-readings benchmark (`manage.py bench_rollups`): a year of one county's rollups, the
time a point's 30-day and 1-year chart and readings API request take, and the retention job
removing an old month of raw readings while ingestion runs.

It works in a database of its own (bench_ingest's setup, subclassed): var/bench_rollups.sqlite3
or the PostgreSQL database anjian_bench_rollups on the server DATABASE_URL names.

1. Load: --enterprises gateways (default 175, bench_ingest's 25-point plants), of which the
   first --points points each (default 7) get hour rollups for --hour-days (365) and minute
   rollups for --minute-days (14) up to now, and raw readings every --old-step seconds (300)
   through the whole calendar month before the retention cut (TELEMETRY_RAW_DAYS ago). All with
   set-based SQL (INSERT … SELECT over generate_series / a recursive series), a point chunk per
   transaction.
2. Requests: --requests (default 50) of each kind for random loaded points, as a county
   administrator through django.test.Client: GET /api/v1/points/<id>/readings for the last 30
   days and the last year (auto resolution: hour rollups), and the point page with range=30d and
   range=1y. p50 and p95 in ms (goal: p95 under 200 ms).
3. Retention under ingestion: a thread ingests batches (monitoring.ingest.ingest, --batch
   readings each) for --ingest-seconds alone, then again while monitoring.rollups.retention
   runs in the main thread (dropping the old month's partition on PostgreSQL, deleting its rows
   in chunks on SQLite); readings per second in both, side by side, and the retention's time.
"""

import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.models import Jurisdiction
from demo.management.commands import bench_ingest
from monitoring import partitions, rollups
from monitoring.ingest import ingest
from monitoring.models import EvidenceReading, HourRollup, MinuteRollup, Reading, RollupState

GOAL_MS = 200


def _p(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Command(bench_ingest.Command):
    help = (
        "多年监测数据基准：在独立数据库（var/bench_rollups.sqlite3 或 PostgreSQL "
        "anjian_bench_rollups）中装入一个县一年的汇总数据，测量点位 30 天和 1 年曲线及接口的 "
        "P95 耗时，以及接入进行中清理过期原始数据时的接入速率"
    )
    pg_database, sqlite_file, tasks_file, lock_name = (
        "anjian_bench_rollups",
        "bench_rollups.sqlite3",
        "bench_rollups_tasks.sqlite3",
        "bench_rollups.lock",
    )

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=175)
        parser.add_argument("--points", type=int, default=7, help="每家企业装入汇总的点位数")
        parser.add_argument("--hour-days", type=int, default=365)
        parser.add_argument("--minute-days", type=int, default=14)
        parser.add_argument("--old-step", type=int, default=300, help="旧月原始数据间隔（秒）")
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--ingest-seconds", type=int, default=30)
        parser.add_argument("--seed", type=int, default=20261206)

    def handle(self, *args, **options):
        self.rng = random.Random(options["seed"])
        where = self._open_bench_database()
        self.stdout.write(f"Benchmark database: {where}")
        self._empty_rollups()
        started = time.perf_counter()
        self.plants = self._setup(options["enterprises"])
        self.now = timezone.now().replace(microsecond=0)
        self.start = self.now - timedelta(days=2)  # the ingested readings' simulated clock
        ids = [s.pk for p in self.plants for s in p.sims[: options["points"]]]
        self.stdout.write(
            f"Set up {len(self.plants)} gateways, {len(ids):,} points with rollups "
            f"in {time.perf_counter() - started:.1f} s."
        )
        self._load(ids, options)
        requests = self._requests(ids, options["requests"])
        retention = self._retention(options["batch"], options["ingest_seconds"])
        self._report(options, ids, requests, retention)

    # --- load -----------------------------------------------------------------------------

    def _empty_rollups(self):
        with connection.cursor() as cursor:
            for model in (MinuteRollup, HourRollup, EvidenceReading, RollupState):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
            if connection.vendor == "postgresql":
                # Old partitions of an earlier run.
                for year, month in rollups.reading_partitions():
                    cursor.execute(f"DROP TABLE {partitions.name(year, month)}")
        partitions.forget()

    def _series_insert(self, table, ids, start, count, step_seconds, per, last_offset):
        """count rows per point from `start`, every step_seconds: a smooth daily profile."""
        if connection.vendor == "postgresql":
            sql = (
                f"INSERT INTO {table} (point_id, bucket, count, min, max, sum, last_ts, "  # noqa: S608
                "last_value) "
                "SELECT p.id, b, %s, v - 5, v + 5, %s * v, b + %s * interval '1 second', v "
                "FROM unnest(%s::bigint[]) AS p(id) CROSS JOIN generate_series(0, %s - 1) AS n "
                "CROSS JOIN LATERAL (SELECT %s::timestamptz + n * %s * interval '1 second' AS b, "
                "50 + 20 * sin(n * %s / 13751.0 + p.id) AS v) x"
            )
            params = [per, per, last_offset, ids, count, start, step_seconds, step_seconds]
        else:
            sql = (
                "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %s - 1),"  # noqa: S608
                " p(id) AS (SELECT value FROM json_each(%s)), "
                "x(id, b, v) AS (SELECT p.id, "
                "strftime('%%Y-%%m-%%d %%H:%%M:%%S', %s, '+' || (n * %s) || ' seconds'), "
                "50 + 20 * sin(n * %s / 13751.0 + p.id) FROM p, s) "
                f"INSERT INTO {table} (point_id, bucket, count, min, max, sum, last_ts, "
                "last_value) "
                "SELECT id, b, %s, v - 5, v + 5, %s * v, "
                "strftime('%%Y-%%m-%%d %%H:%%M:%%S', b, '+' || %s || ' seconds'), v FROM x"
            )
            import json

            stamp = start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            params = [
                count,
                json.dumps(ids),
                stamp,
                step_seconds,
                step_seconds,
                per,
                per,
                last_offset,
            ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    def _raw_insert(self, ids, start, count, step_seconds):
        if connection.vendor == "postgresql":
            sql = (
                "INSERT INTO monitoring_reading (point_id, ts, value) "
                "SELECT p.id, %s::timestamptz + n * %s * interval '1 second', "
                "50 + 20 * sin(n / 100.0 + p.id) "
                "FROM unnest(%s::bigint[]) AS p(id) CROSS JOIN generate_series(0, %s - 1) AS n"
            )
            params = [start, step_seconds, ids, count]
        else:
            import json

            sql = (
                "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %s - 1),"
                " p(id) AS (SELECT value FROM json_each(%s)) "
                "INSERT INTO monitoring_reading (point_id, ts, value) "
                "SELECT p.id, strftime('%%Y-%%m-%%d %%H:%%M:%%S', %s, "
                "'+' || (n * %s) || ' seconds'), 50 + 20 * sin(n / 100.0 + p.id) FROM p, s"
            )
            stamp = start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            params = [count, json.dumps(ids), stamp, step_seconds]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    def _load(self, ids, options):
        hour_end = rollups.floor_hour(self.now)
        hours = options["hour_days"] * 24
        minute_end = rollups.floor_minute(self.now)
        minutes = options["minute_days"] * 1440
        cut = self.now - timedelta(days=settings.TELEMETRY_RAW_DAYS)
        month_end = datetime(cut.year, cut.month, 1, tzinfo=UTC)
        month_start = (month_end - timedelta(days=1)).replace(day=1)
        self.old_month = (month_start.year, month_start.month)
        old_count = int((month_end - month_start).total_seconds() // options["old_step"])
        partitions.ensure({self.old_month})
        chunk = 50
        figures = {}
        for label, work in [
            (
                "hour rollups",
                lambda part: self._series_insert(
                    HourRollup._meta.db_table,
                    part,
                    hour_end - timedelta(hours=hours),
                    hours,
                    3600,
                    360,
                    3590,
                ),
            ),
            (
                "minute rollups",
                lambda part: self._series_insert(
                    MinuteRollup._meta.db_table,
                    part,
                    minute_end - timedelta(minutes=minutes),
                    minutes,
                    60,
                    6,
                    50,
                ),
            ),
            (
                "old month's raw readings",
                lambda part: self._raw_insert(part, month_start, old_count, options["old_step"]),
            ),
        ]:
            started = time.perf_counter()
            for i in range(0, len(ids), chunk):
                work(ids[i : i + chunk])
            figures[label] = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        RollupState.objects.update_or_create(name="rollup", defaults={"upto": self.now})
        self.loaded = {
            "hour": HourRollup.objects.count(),
            "minute": MinuteRollup.objects.count(),
            "raw_old": Reading.objects.filter(ts__lt=month_end).count(),
            "seconds": figures,
            "old_month": f"{self.old_month[0]:04d}-{self.old_month[1]:02d}",
        }
        self.stdout.write(f"Loaded: {self.loaded}")

    # --- requests -------------------------------------------------------------------------

    def _requests(self, ids, count):
        county = Jurisdiction.objects.get(code="379901")
        user = User.objects.filter(username="bench_rollups").first()
        if user is None:
            user = User(
                username="bench_rollups",
                full_name="基准",
                role=Role.COUNTY_ADMIN,
                jurisdiction=county,
            )
            user.set_unusable_password()
            user.save()
        client = Client(SERVER_NAME="localhost")  # testserver is not an allowed host
        client.force_login(user)
        now = self.now
        kinds = {
            "API 30 days": lambda pk: (
                f"/api/v1/points/{pk}/readings",
                {"since": (now - timedelta(days=30)).isoformat(), "limit": 20000},
            ),
            "API 1 year": lambda pk: (
                f"/api/v1/points/{pk}/readings",
                {"since": (now - timedelta(days=365)).isoformat(), "limit": 20000},
            ),
            "chart 30 days": lambda pk: (f"/monitoring/points/{pk}/", {"range": "30d"}),
            "chart 1 year": lambda pk: (f"/monitoring/points/{pk}/", {"range": "1y"}),
        }
        results = {}
        for label, make in kinds.items():
            times, rows = [], 0
            for pk in [self.rng.choice(ids) for _ in range(count + 3)]:
                url, query = make(pk)
                started = time.perf_counter()
                response = client.get(url, query)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if label.startswith("API"):
                    rows = len(response.json())
                times.append(elapsed)
            times = times[3:]  # warm-up
            results[label] = (statistics.median(times), _p(times, 0.95), rows)
        return results

    # --- retention under ingestion --------------------------------------------------------

    def _ingest_for(self, batch, stop: threading.Event, counts: list):
        close_old_connections()
        try:
            batches = self._batches(batch)
            while not stop.is_set():
                plant, readings, _ = next(batches)
                # The plants' clock runs faster than the wall's: each batch is judged at its
                # own time, so no reading is late (noted for the rollups) or in the future.
                moment = self.start + plant.step * bench_ingest.STEP
                outcome = ingest(plant.gateway, readings, now=moment)
                counts.append((time.perf_counter(), outcome.accepted))
        finally:
            connection.close()

    def _rate(self, counts, start, end):
        done = sum(n for at, n in counts if start <= at <= end)
        return done / max(end - start, 1e-9)

    def _retention(self, batch, seconds):
        stop, counts = threading.Event(), []
        worker = threading.Thread(target=self._ingest_for, args=(batch, stop, counts))
        worker.start()
        time.sleep(2)  # warm-up
        alone_start = time.perf_counter()
        time.sleep(seconds)
        alone_end = time.perf_counter()
        started = time.perf_counter()
        result = rollups.retention(timezone.now())
        ended = time.perf_counter()
        stop.set()
        worker.join()
        return {
            "result": result,
            "seconds": ended - started,
            "alone": self._rate(counts, alone_start, alone_end),
            "during": self._rate(counts, started, ended),
            "raw_old_left": Reading.objects.filter(
                ts__lt=datetime(*self.old_month, 1, tzinfo=UTC) + timedelta(days=32)
            ).count(),
        }

    def _report(self, options, ids, requests, retention):
        import os

        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        w = self.stdout.write
        w("")
        w(f"Years of readings on {connection.vendor}, {timezone.now():%Y-%m-%d %H:%M} UTC")
        w(
            f"  {len(self.plants)} enterprises × {options['points']} points = {len(ids):,} "
            f"points: {self.loaded['hour']:,} hour rollups ({options['hour_days']} days), "
            f"{self.loaded['minute']:,} minute rollups ({options['minute_days']} days), "
            f"{self.loaded['raw_old']:,} raw readings in {self.loaded['old_month']}"
        )
        w("  load: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.loaded["seconds"].items()))
        for label, (median, p95, rows) in requests.items():
            ok = "yes" if p95 < GOAL_MS else "NO"
            extra = f", {rows} rows" if rows else ""
            w(f"  {label:14s} p50 {median:6.1f} ms  p95 {p95:6.1f} ms (< {GOAL_MS}: {ok}){extra}")
        r = retention
        w(
            f"  retention: {r['seconds']:.1f} s, {r['result']}; raw readings of the old month "
            f"left: {r['raw_old_left']:,}"
        )
        w(
            f"  ingestion (batches of {options['batch']}): alone {r['alone']:,.0f} readings/s, "
            f"during retention {r['during']:,.0f} readings/s"
        )
        w(f"  load average: {load}")
