"""The three-year targets at province scale (`manage.py bench_targets`), in the benchmark
database `manage.py bench --scenario hazards` loads (100,000 enterprises, 1,000,000 hazards
over 2024–2026). It never loads that database: run the benchmark first.

Timed, each once: the nightly live computation of every measure for every town summed up the
tree (targets.services.refresh_live), and one month end frozen. Then, as each benchmark user
(the province's, a city's, a county's and a town's where the tree has them), with
django.test.Client in this process: the dashboard page and /api/v1/targets, `--requests` times
each after `--warmup`; p50/p95/max in ms. Goal (issue 17): the dashboard p95 under 300 ms.
With the reports module, one county monthly report drafted and rendered to Word is timed too
(goal: under 30 s)."""

import os
import statistics
import time
from datetime import date

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from demo.management.commands.bench import Command as Bench
from enterprises.models import Enterprise
from hazards.models import Hazard
from targets import services
from targets.models import Period, Snapshot, SnapshotRun

GOAL_MS = 300


class Command(BaseCommand):
    help = "三年目标性能基准：在基准数据库中计算全部指标并测量目标看板与接口的响应时间"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=100, help="每个用户的请求数")
        parser.add_argument("--warmup", type=int, default=10, help="预热请求数")
        parser.add_argument("--database", default="", help="基准数据库名（同 manage.py bench）")

    def handle(self, *args, **options):
        bench = Bench()
        bench.database = options["database"]
        where = bench._use_bench_database(reset=False)
        call_command("migrate", interactive=False, verbosity=0)
        enterprises = Enterprise.objects.count()
        if enterprises == 0:
            raise CommandError(f"{where} 中没有企业：请先运行 manage.py bench --scenario hazards")
        hazards = Hazard.objects.count()
        self.stdout.write(
            f"Database: {connection.vendor} · {where} · enterprises: {enterprises:,} · "
            f"hazards: {hazards:,} · load {self._load()}"
        )
        Snapshot.objects.all().delete()
        SnapshotRun.objects.all().delete()
        today = timezone.localdate()
        live = services.refresh_live(today)
        self.stdout.write(
            f"Live figures (the nightly run): {live.rows:,} rows in {live.duration_ms / 1000:.1f} s"
        )
        last_month = services.previous_month_end(today)
        frozen = services.freeze(Period.MONTH, last_month, date(last_month.year, 12, 31))
        if frozen is not None:
            self.stdout.write(
                f"Month end {last_month} frozen: {frozen.rows:,} rows in "
                f"{frozen.duration_ms / 1000:.1f} s"
            )
        self.stdout.write("")
        self.stdout.write("| page | user | p50 ms | p95 ms | max ms |")
        self.stdout.write("|---|---|---:|---:|---:|")
        for user in self._users():
            client = Client(SERVER_NAME="localhost")  # testserver is not an allowed host
            client.force_login(user)
            for label, path in (("dashboard", "/targets/"), ("API", "/api/v1/targets")):
                timings = self._time(client, path, options["requests"], options["warmup"])
                ms = sorted(timings)
                p95 = (
                    statistics.quantiles(ms, n=100, method="inclusive")[94]
                    if len(ms) > 1
                    else ms[0]
                )
                self.stdout.write(
                    f"| {label} | {user.get_role_display()} {user.jurisdiction} | "
                    f"{statistics.median(ms):.1f} | {p95:.1f} | {ms[-1]:.1f} |"
                )
        self._report_bench()
        self.stdout.write(f"Load at the end: {self._load()} · goal p95 < {GOAL_MS} ms")

    def _users(self):
        found = (
            User.objects.filter(username__startswith="bench_", jurisdiction__isnull=False)
            .select_related("jurisdiction")
            .order_by("jurisdiction__path")
        )
        return [u for u in found if u.role and u.is_active]

    @staticmethod
    def _time(client, path, requests, warmup):
        timings = []
        for index in range(warmup + requests):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            close_old_connections()
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}")
            if index >= warmup:
                timings.append(elapsed)
        return timings

    def _report_bench(self):
        """The monthly report for the first county, drafted and rendered (when reports exist)."""
        try:
            from targets import documents, reports  # type: ignore[attr-defined]
        except ImportError:
            return
        county = next((u for u in self._users() if u.jurisdiction.kind == "county"), None)
        if county is None:
            return
        today = timezone.localdate()
        started = time.perf_counter()
        report = reports.draft(
            county,
            "monthly",
            county.jurisdiction.pk,
            today.year,
            services.previous_month_end(today).month,
        )
        drafted = time.perf_counter() - started
        started = time.perf_counter()
        data = documents.report_docx(report)
        rendered = time.perf_counter() - started
        self.stdout.write(
            f"Monthly report for {county.jurisdiction}: drafted in {drafted:.1f} s, Word "
            f"({len(data) / 1024:.0f} KB) in {rendered:.1f} s · goal < 30 s"
        )

    @staticmethod
    def _load() -> str:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
