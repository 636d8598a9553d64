"""Special-operation certificates at scale (`manage.py bench_certificates`, PostgreSQL): in a
benchmark database of its own (default anjian_certs_bench; `manage.py bench`'s loader builds
the province of 20 counties, their towns, the enterprises and the bench users), certificates
are loaded once by set-based SQL, spread over the enterprises: issued over the last seven
years, most reviewed in time (no review pending), some lapsed or expired. Then, as the county,
town and province supervisors:

1. the list of certificates expiring or due for review (/certificates/, within 60 days, the
   default), pages 1–5;
2. the same filtered by category, and by a town (the county user);
3. the API's list (/api/v1/certificates?within=60).

Goal (issue 15): the county's expiring list p95 under 300 ms at 100,000 enterprises and
1,000,000 certificates. The quick default is 5,000 enterprises and 50,000 certificates:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python manage.py bench_certificates --enterprises 100000 --certificates 1000000
"""

import os
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client

from accounts.models import User
from certificates import reference
from certificates.models import Certificate
from core.models import Jurisdiction
from demo.management.commands.bench import COUNTIES, USERS, Result
from demo.management.commands.bench import Command as Bench
from enterprises.models import Enterprise

GOAL_MS = 300
DATABASE = "anjian_certs_bench"
# A valid ID number (the check character is right); the bench does not vary it.
ID_NUMBER = "371526198001010016"


class Command(BaseCommand):
    help = "特种作业操作证性能基准：到期/待复审清单（县、镇、省三级用户）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises", type=int, default=5_000, help="企业数（完整规模 100000）"
        )
        parser.add_argument(
            "--certificates", type=int, default=50_000, help="操作证数（完整规模 1000000）"
        )
        parser.add_argument("--requests", type=int, default=100)
        parser.add_argument("--warmup", type=int, default=10)
        parser.add_argument("--database", default=DATABASE, help=f"基准数据库名（默认 {DATABASE}）")
        parser.add_argument("--reload", action="store_true", help="重新加载操作证")

    def handle(self, *args, **options):
        enterprises, certificates = options["enterprises"], options["certificates"]
        if enterprises < 1 or certificates < 1 or options["requests"] < 2:
            raise CommandError("--enterprises、--certificates 须为正数，--requests 至少 2")
        bench = Bench()
        bench.stdout, bench.counties, bench.database = self.stdout, COUNTIES, options["database"]
        where = bench._use_bench_database(reset=False)
        if connection.vendor != "postgresql":
            raise CommandError("特种作业操作证基准只在 PostgreSQL 上运行（DATABASE_URL）")
        bench._migrate()
        if not bench._loaded(enterprises):
            if Jurisdiction.objects.exists():
                bench._use_bench_database(reset=True)
                bench._migrate()
            self.stdout.write(f"Loading {enterprises:,} enterprises into {where} …")
            seconds = bench._load(enterprises, random.Random(20240403))
            self.stdout.write(f"Loaded {enterprises:,} enterprises in {seconds:.0f} s")
        self.stdout.write(f"Database: {where} · enterprises: {Enterprise.objects.count():,}")
        if options["reload"] or Certificate.objects.count() != self._target(
            enterprises, certificates
        ):
            seconds = self._load(enterprises, certificates)
            self.stdout.write(
                f"Loaded {Certificate.objects.count():,} certificates in {seconds:.0f} s"
            )
        results = self._pages(options["requests"], options["warmup"], random.Random(7))
        self.stdout.write("")
        self.stdout.write(
            f"{options['requests']} requests per scenario (after {options['warmup']} warm-up)"
        )
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

    @staticmethod
    def _target(enterprises: int, certificates: int) -> int:
        return max(1, round(certificates / enterprises)) * enterprises

    def _load(self, enterprises: int, certificates: int) -> float:
        """Per enterprise `per` certificates, by one INSERT … SELECT: issued up to seven years
        ago; of those past their review, 9 in 10 reviewed (none pending, the expiry next)."""
        started = time.perf_counter()
        per = max(1, round(certificates / enterprises))
        user = User.objects.get(username=USERS[0][0]).pk
        codes = "ARRAY[" + ", ".join(f"'{op.code}'" for op in reference.OPERATIONS) + "]"
        n = len(reference.OPERATIONS)
        # Only constants of this module and a user id are written into the statements.
        steps = [
            "TRUNCATE certificates_certificateevent, certificates_requiredoperation, "
            "certificates_certificate CASCADE",
            "INSERT INTO certificates_certificate (enterprise_id, scope_path, holder_name, "  # noqa: S608
            "id_number, operation, number, issued_on, review_due_on, expires_on, attention_on, "
            "authority, post, evidence, evidence_name, recorded_by_id, created_at) "
            "SELECT id, scope_path, '持证人' || r, "
            f"'{ID_NUMBER}', ({codes})[1 + (id * 7 + r) % {n}], 'B' || id || '-' || r, "
            "issued, review, expires, LEAST(COALESCE(review, expires), expires), "
            f"'聊城市应急管理局', '', '', '', {user}, now() FROM ("
            "SELECT e.id, e.scope_path, r, issued, (issued + interval '6 years')::date AS expires,"
            " CASE WHEN issued + interval '3 years' < current_date AND (e.id + r) % 10 <> 0 "
            "THEN NULL ELSE (issued + interval '3 years')::date END AS review FROM ("
            "SELECT e.id, e.scope_path, r, current_date - ((e.id * 7919 + r * 104729) % 2555)::int"
            f" AS issued FROM enterprises_enterprise e CROSS JOIN generate_series(1, {per}) r) e"
            ") x",
            "VACUUM ANALYZE certificates_certificate",
        ]
        with connection.cursor() as cursor:
            for statement in steps:
                cursor.execute(statement)
        return time.perf_counter() - started

    @staticmethod
    def _load_average() -> str:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())

    def _pages(self, requests, warmup, rng) -> list:
        users = {username: User.objects.get(username=username) for username, *_ in USERS}
        town = users["bench_town"].jurisdiction
        categories = list(reference.CATEGORIES)

        def page():
            return rng.randint(1, 5)

        scenarios = [
            ("expiring list", "bench_county", lambda: f"/certificates/?page={page()}"),
            ("expiring list", "bench_town", lambda: f"/certificates/?page={page()}"),
            ("expiring list", "bench_province", lambda: f"/certificates/?page={page()}"),
            (
                "expiring list, a category",
                "bench_county",
                lambda: f"/certificates/?category={rng.choice(categories)}&page={page()}",
            ),
            (
                "expiring list, a town",
                "bench_county",
                lambda: f"/certificates/?town={town.pk}&page={page()}",
            ),
            (
                "expiring list, 365 days",
                "bench_county",
                lambda: f"/certificates/?within=365&page={page()}",
            ),
            ("API list", "bench_county", lambda: f"/api/v1/certificates?within=60&page={page()}"),
        ]
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
