"""Accident warnings at scale (`manage.py bench_accident_warnings`, PostgreSQL): in a benchmark
database of its own (default anjian_warnings_bench; `manage.py bench`'s loader builds the
province of 20 counties, their towns, the enterprises with their industries and key-sector
tags, and the bench users), every enterprise is given two or three equipment/process kinds by
set-based SQL (deterministic by id). Then, as the province supervisor (every enterprise in
scope), an external accident in machinery with the foundry tag and two kinds (喷涂, 除尘系统)
is matched (accident_warnings.services.match: the enterprises, each with its reasons, in
order), and a draft warning is made with the matched enterprises stored as recipients.

Goal (issue 16): a warning matched against 100,000 enterprises under 2 s. Full scale:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python manage.py bench_accident_warnings --enterprises 100000
"""

import os
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accident_warnings import services
from accident_warnings.models import AccidentWarning
from accidents.models import AccidentCase, AccidentSource
from accounts.models import User
from core.models import Jurisdiction
from demo.management.commands.bench import COUNTIES
from demo.management.commands.bench import Command as Bench
from enterprises.models import Enterprise, ProcessKind, SectorTag

GOAL_S = 2.0
DATABASE = "anjian_warnings_bench"


class Command(BaseCommand):
    help = "事故警示性能基准：一次事故匹配全部企业（省级用户）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises", type=int, default=10_000, help="企业数（完整规模 100000）"
        )
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--database", default=DATABASE, help=f"基准数据库名（默认 {DATABASE}）")

    def handle(self, *args, **options):
        enterprises, runs = options["enterprises"], options["runs"]
        if enterprises < 1 or runs < 1:
            raise CommandError("--enterprises、--runs 须为正数")
        bench = Bench()
        bench.stdout, bench.counties, bench.database = self.stdout, COUNTIES, options["database"]
        where = bench._use_bench_database(reset=False)
        if connection.vendor != "postgresql":
            raise CommandError("事故警示基准只在 PostgreSQL 上运行（DATABASE_URL）")
        bench._migrate()
        if not bench._loaded(enterprises):
            if Jurisdiction.objects.exists():
                bench._use_bench_database(reset=True)
                bench._migrate()
            self.stdout.write(f"Loading {enterprises:,} enterprises into {where} …")
            seconds = bench._load(enterprises, random.Random(20240403))
            self.stdout.write(f"Loaded {enterprises:,} enterprises in {seconds:.0f} s")
        self._profiles()
        user = User.objects.get(username="bench_province")
        accident = self._accident(user)
        total = Enterprise.objects.count()
        self.stdout.write(f"Database: {where} · enterprises: {total:,}")

        timings, matched = [], 0
        services.match(accident, Enterprise.objects.for_user(user))  # warm-up
        for _ in range(runs):
            started = time.perf_counter()
            found = services.match(accident, Enterprise.objects.for_user(user))
            timings.append(time.perf_counter() - started)
            matched = len(found)
        reasons = {n: sum(1 for m in found if len(m.reasons) == n) for n in (1, 2, 3)}
        started = time.perf_counter()
        with transaction.atomic():
            warning = services.draft(
                user, accident_id=accident.pk, title="基准警示", text="基准警示内容"
            )
            stored = warning.recipients.count()
            transaction.set_rollback(True)  # the bench database keeps no warnings
        draft_seconds = time.perf_counter() - started

        best, median, worst = min(timings), statistics.median(timings), max(timings)
        mark = "" if worst < GOAL_S else " (over goal)"
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        self.stdout.write("")
        self.stdout.write(
            f"| enterprises | matched | 3 / 2 / 1 reasons | match min s | median s | max s "
            f"| draft (match + {stored:,} rows) s | load |"
        )
        self.stdout.write("|---:|---:|---|---:|---:|---:|---:|---|")
        self.stdout.write(
            f"| {total:,} | {matched:,} | {reasons[3]:,} / {reasons[2]:,} / {reasons[1]:,} "
            f"| {best:.2f} | {median:.2f} | {worst:.2f}{mark} | {draft_seconds:.2f} | {load} |"
        )
        AccidentWarning.objects.filter(accident=accident).delete()

    def _profiles(self) -> None:
        """Two or three kinds per enterprise, chosen by its id (the same every run)."""
        through = Enterprise.process_kinds.through._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {through}")  # noqa: S608
            if cursor.fetchone()[0]:
                return
            codes = list(ProcessKind.objects.values_list("code", flat=True))
            array = "ARRAY[" + ", ".join(f"'{code}'" for code in codes) + "]"
            n = len(codes)
            # Only the kinds' codes (reference data) are written into the statement.
            cursor.execute(
                f"INSERT INTO {through} (enterprise_id, processkind_id) "  # noqa: S608
                f"SELECT DISTINCT e.id, ({array})[1 + (e.id * 31 + k * 7) % {n}] "
                "FROM enterprises_enterprise e CROSS JOIN generate_series(0, 1 + e.id % 2) k"
            )
            cursor.execute(f"VACUUM ANALYZE {through}")

    @staticmethod
    def _accident(user) -> AccidentCase:
        accident = AccidentCase.objects.filter(title="基准：某铸造企业熔炼炉爆炸事故").first()
        if accident is None:
            accident = AccidentCase.objects.create(
                source=AccidentSource.EXTERNAL,
                title="基准：某铸造企业熔炼炉爆炸事故",
                occurred_at=timezone.now(),
                location="外省某市",
                industry="machinery",
                category="other_explosion",
                deaths=1,
                summary="基准数据",
                recorded_by=user,
            )
            accident.sector_tags.set(SectorTag.objects.filter(code="foundry"))
            accident.process_kinds.set(
                ProcessKind.objects.filter(code__in=["spray_painting", "dust_collector"])
            )
        return accident
