"""The risk register at province scale (`manage.py bench_risks`, PostgreSQL): in the benchmark
database `manage.py bench` loads (100,000 enterprises; run it first, with a DATABASE_URL whose
database name ends in "bench"), 20 risks per enterprise (4 units of one point with 5 risks; 2
million risks, their assessments and one control measure each, at the level the colour
requires) are loaded once by set-based SQL. Then:

1. the town four-colour page (/risks/distribution/) as the town supervisor, and as the county
   supervisor;
2. the register list (/risks/) as the town, county and province supervisors;
3. a day's routine check tasks for every measure (risks.checks.generate; the table emptied
   first), and the same day again (nothing to make).

Goals (issue 14): the town four-colour page and the register list p95 under 300 ms; a day's
generation under 60 s. The load averages are printed beside the figures: the machine is shared.
"""

import os
import random
import time
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core import workdays
from demo.management.commands.bench import USERS, Result
from demo.management.commands.bench import Command as Bench
from enterprises.models import Enterprise
from risks import checks
from risks.models import CheckTask, Risk

RISKS_PER_ENTERPRISE = 20
UNITS, RISKS_PER_POINT = 4, 5
GOAL_MS = 300
GOAL_GENERATION_S = 60
# Of every 100 risks: 3 red, 9 orange, 28 yellow, 60 blue; LS factors giving that colour.
COLOURS = [
    (3, "red", 1, 4, 5, "重大风险", "company"),
    (12, "orange", 2, 3, 5, "较大风险", "company"),
    (40, "yellow", 3, 3, 3, "一般风险", "workshop"),
    (100, "blue", 4, 2, 2, "低风险", "post"),
]
TYPES = [
    "object_strike", "vehicle", "machinery", "lifting", "electric_shock", "scald_burn", "fire",
    "fall_from_height", "collapse", "other_explosion", "poisoning_asphyxia", "other_injury",
]  # fmt: skip


def _case(column: str, index: int) -> str:
    """A CASE over the hash bucket h (0–99) picking COLOURS' `index` field."""
    whens = " ".join(f"WHEN h < {row[0]} THEN '{row[index]}'" for row in COLOURS[:-1])
    return f"CASE {whens} ELSE '{COLOURS[-1][index]}' END"


class Command(BaseCommand):
    help = "风险分级管控性能基准：10 万家企业各 20 项风险，测四色分布页、风险清单和排查任务生成"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=100)
        parser.add_argument("--warmup", type=int, default=10)
        parser.add_argument("--reload", action="store_true", help="重新加载风险数据")

    def handle(self, *args, requests=100, warmup=10, reload=False, **options):
        where = Bench()._use_bench_database(reset=False)
        if connection.vendor != "postgresql":
            raise CommandError("风险分级管控基准只在 PostgreSQL 上运行（DATABASE_URL）")
        call_command("migrate", interactive=False, verbosity=0)
        count = Enterprise.objects.count()
        if count == 0:
            raise CommandError(f"{where} 中没有企业：请先运行 manage.py bench 加载基准数据")
        self.stdout.write(f"Database: PostgreSQL · {where} · enterprises: {count:,}")
        if reload or Risk.objects.count() != count * RISKS_PER_ENTERPRISE:
            seconds = self._load()
            self.stdout.write(f"Loaded {Risk.objects.count():,} risks in {seconds:.0f} s")
        else:  # the visibility map index-only scans need, after a migration's new index
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE risks_risk, risks_measure")
        rng = random.Random(20240403)
        results = self._pages(requests, warmup, rng)
        self.stdout.write("")
        self.stdout.write(f"{requests} requests per scenario and user (after {warmup} warm-up)")
        self.stdout.write("")
        self.stdout.write("| scenario | user | p50 ms | p95 ms | max ms | load |")
        self.stdout.write("|---|---|---:|---:|---:|---|")
        for result, load in results:
            p95 = result.percentile(95)
            mark = "" if p95 < GOAL_MS else " (over goal)"
            self.stdout.write(
                f"| {result.scenario} | {result.user} | {result.percentile(50):.1f} | "
                f"{p95:.1f}{mark} | {max(t for t, _ in result.timings):.1f} | {load} |"
            )
        self.stdout.write("")
        self._generation()

    @staticmethod
    def _load_average() -> str:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())

    def _load(self) -> float:
        started = time.perf_counter()
        user = User.objects.get(username=USERS[0][0]).pk
        types = "ARRAY[" + ", ".join(f"'{t}'" for t in TYPES) + "]"
        # Only constants of this module and a user id are written into the statements.
        steps = [
            "TRUNCATE risks_checktask, risks_riskevent, risks_measure, risks_assessment, "
            "risks_risk, risks_riskpoint, risks_riskunit, risks_siteplan CASCADE",
            "INSERT INTO risks_riskunit (enterprise_id, name, kind, description, created_by_id, "  # noqa: S608
            f"created_at) SELECT e.id, '风险单元' || u, (ARRAY['workshop', 'installation', "
            f"'post', 'post'])[u], '', {user}, now() FROM enterprises_enterprise e "
            f"CROSS JOIN generate_series(1, {UNITS}) u",
            "INSERT INTO risks_riskpoint (enterprise_id, unit_id, name, location, created_at) "
            "SELECT enterprise_id, id, '风险点', '', now() FROM risks_riskunit",
            "INSERT INTO risks_risk (enterprise_id, point_id, factor_kind, accident_type, "  # noqa: S608
            "description, emergency_steps, colour, rank, created_by_id, created_at) "
            f"SELECT enterprise_id, id, 'thing', ({types})[1 + (id * 7 + r) % {len(TYPES)}], "
            f"'危险有害因素' || r, '', colour, rank, {user}, now() FROM ("
            f"SELECT p.enterprise_id, p.id, r, {_case('colour', 1)} AS colour, "
            f"({_case('rank', 2)})::smallint AS rank FROM (SELECT *, (id * 31 + r * 17) % 100 AS h "
            f"FROM risks_riskpoint CROSS JOIN generate_series(1, {RISKS_PER_POINT}) r) p) x",
            "INSERT INTO risks_assessment (risk_id, method, l_value, s_value, score, "  # noqa: S608
            "danger_class, colour, source, note, assessed_by_id, assessed_at) "
            "SELECT r.id, 'ls', c.l, c.s, c.l * c.s, c.danger, r.colour, '', '', "
            f"{user}, now() FROM risks_risk r JOIN (VALUES "
            + ", ".join(f"('{c[1]}', {c[3]}, {c[4]}, '{c[5]}')" for c in COLOURS)
            + ") AS c(colour, l, s, danger) ON c.colour = r.colour",
            "UPDATE risks_risk r SET current_id = a.id FROM risks_assessment a "
            "WHERE a.risk_id = r.id",
            "INSERT INTO risks_measure (enterprise_id, risk_id, kind, description, "  # noqa: S608
            "control_level, owner_name, created_by_id, created_at, withdraw_reason) "
            "SELECT r.enterprise_id, r.id, 'management', '管控措施', c.level, '王建国', "
            f"{user}, now(), '' FROM risks_risk r JOIN (VALUES "
            + ", ".join(f"('{c[1]}', '{c[6]}')" for c in COLOURS)
            + ") AS c(colour, level) ON c.colour = r.colour",
            "ANALYZE risks_riskunit, risks_riskpoint, risks_risk, risks_assessment, risks_measure",
        ]
        with connection.cursor() as cursor:
            for statement in steps:
                cursor.execute(statement)
        return time.perf_counter() - started

    def _pages(self, requests, warmup, rng) -> list:
        users = {username: User.objects.get(username=username) for username, *_ in USERS}
        towns = list(
            Enterprise.objects.filter(
                scope_path__startswith=users["bench_town"].jurisdiction.path
            ).values_list("pk", flat=True)[:1]
        )
        scenarios = [
            ("four-colour page", "bench_town", lambda: "/risks/distribution/"),
            ("four-colour page", "bench_county", lambda: "/risks/distribution/"),
            ("register list", "bench_town", lambda: f"/risks/?page={rng.randint(1, 5)}"),
            ("register list", "bench_county", lambda: f"/risks/?page={rng.randint(1, 5)}"),
            ("register list", "bench_province", lambda: f"/risks/?page={rng.randint(1, 5)}"),
            (
                "register list, red",
                "bench_county",
                lambda: f"/risks/?colour=red&page={rng.randint(1, 5)}",
            ),
        ]
        if towns:
            scenarios.append(
                (
                    "an enterprise's register",
                    "bench_town",
                    lambda: f"/risks/enterprises/{towns[0]}/",
                )
            )
        results = []
        for name, username, url in scenarios:
            client = Client(SERVER_NAME="localhost")
            client.force_login(users[username])
            label = next(u[-1] for u in USERS if u[0] == username)
            for _ in range(warmup):
                Bench._get(client, url())
            result = Result(name, label, client)
            for _ in range(requests):
                address = url()
                result.timings.append((Bench._get(client, address), address))
            results.append((result, self._load_average()))
        return results

    def _generation(self):
        day = timezone.localdate()
        while not workdays.is_workday(day):
            day += timedelta(days=1)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE risks_checktask")
        runs = []
        for label in ("a day's tasks", "the same day again"):
            started = time.perf_counter()
            made = checks.generate(day)
            seconds = time.perf_counter() - started
            runs.append((label, made, seconds, self._load_average()))
        self.stdout.write("| generation | made (day/week/month/quarter) | seconds | load |")
        self.stdout.write("|---|---|---:|---|")
        for label, made, seconds, load in runs:
            counts = "/".join(f"{made[k]:,}" for k in ("day", "week", "month", "quarter"))
            mark = "" if seconds < GOAL_GENERATION_S else " (over goal)"
            self.stdout.write(f"| {label} ({day}) | {counts} | {seconds:.1f}{mark} | {load} |")
        self.stdout.write(f"Check tasks stored: {CheckTask.objects.count():,}")
