"""Draw benchmark (issue 5): one random draw from the province-sized registry that
`manage.py bench` loads (100,000 enterprises), with 500 inspectors in the pool. Goal: under 1 s.

It works in the benchmark database of `manage.py bench` (var/bench.sqlite3, or the PostgreSQL
database anjian_bench on the server DATABASE_URL names) and never reloads it: run
`manage.py bench` first if the registry is not there. It migrates the enforcement app there,
creates the inspectors (and a few declared conflicts) when missing, then times --runs draws
of --count enterprises with two inspectors each through `enforcement.plans.services.create_draw`
(pool query, sampling, exclusions, storing inputs and result) and one verification of each;
the draws it made are deleted afterwards unless --keep. Load averages are printed beside the
figures: the machine is shared."""

import os
import random
import statistics
import time

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import User
from accounts.roles import Role
from core.models import Jurisdiction
from demo.management.commands.bench import ROOT
from demo.management.commands.bench import Command as RegistryBench
from enforcement.models import Conflict, Draw
from enforcement.plans import services
from enforcement.plans.services import DrawRequest
from enterprises.models import Enterprise

GOAL_SECONDS = 1.0
PREFIX = "bench-inspector-"


class Command(BaseCommand):
    help = "计时：从 10 万家企业、500 名执法人员中进行一次双随机抽取（目标 1 秒内）"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100, help="每次抽取企业数（默认 100）")
        parser.add_argument("--inspectors", type=int, default=500, help="执法人员数（默认 500）")
        parser.add_argument("--conflicts", type=int, default=1000, help="回避申报数（默认 1000）")
        parser.add_argument("--runs", type=int, default=5, help="抽取次数（默认 5）")
        parser.add_argument("--keep", action="store_true", help="保留本次创建的抽查")

    def handle(self, *args, **options):
        where = RegistryBench()._use_bench_database(reset=False)
        # Only this app's migrations (and what they depend on): other apps' tables in the
        # shared benchmark database are theirs to migrate.
        call_command("migrate", "enforcement", interactive=False, verbosity=0)
        root = Jurisdiction.objects.filter(code=ROOT[0]).first()
        if root is None:
            raise CommandError(f"{where} 尚未加载企业名录，请先运行 manage.py bench")
        enterprises = Enterprise.objects.filter(scope_path__startswith=root.path).count()
        officer = self._ensure_people(root, options["inspectors"])
        self._ensure_conflicts(root, options["conflicts"])
        pool = services.inspector_pool(root).count()
        self.stdout.write(
            f"Database: {connection.vendor} ({where}) · enterprises: {enterprises:,} · "
            f"inspectors in the pool: {pool} · active conflicts: "
            f"{Conflict.objects.active().count():,}"
        )
        self.stdout.write(f"Load average before: {_load()}")
        draws, seconds, verify_seconds = [], [], []
        try:
            for run in range(options["runs"]):
                started = time.perf_counter()
                draw = services.create_draw(
                    officer,
                    DrawRequest(
                        name=f"基准抽查 {run + 1}",
                        enterprise_count=options["count"],
                        inspectors_per_enterprise=2,
                        avoid_repeat=True,
                        seed=f"bench-{run}",
                    ),
                )
                seconds.append(time.perf_counter() - started)
                draws.append(draw.pk)
                started = time.perf_counter()
                result = services.verify(Draw.objects.get(pk=draw.pk))
                verify_seconds.append(time.perf_counter() - started)
                if not result.ok:
                    raise CommandError("验证未通过：" + "；".join(result.problems))
                self.stdout.write(
                    f"  draw {run + 1}: {seconds[-1] * 1000:.0f} ms "
                    f"(pool {draw.pool_size:,}, {draw.enterprise_count} drawn), "
                    f"verify {verify_seconds[-1] * 1000:.0f} ms"
                )
        finally:
            if not options["keep"]:
                Draw.objects.filter(pk__in=draws).delete()
        median = statistics.median(seconds)
        verdict = "met" if max(seconds) < GOAL_SECONDS else "MISSED"
        self.stdout.write(
            f"Draw of {options['count']} from {enterprises:,} enterprises and {pool} inspectors: "
            f"median {median * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms "
            f"(goal < {GOAL_SECONDS * 1000:.0f} ms: {verdict}); "
            f"verify median {statistics.median(verify_seconds) * 1000:.0f} ms"
        )
        self.stdout.write(f"Load average after: {_load()}")

    def _ensure_people(self, root, count: int) -> User:
        existing = set(
            User.objects.filter(username__startswith=PREFIX).values_list("username", flat=True)
        )
        missing = [
            User(
                username=f"{PREFIX}{i:03d}",
                full_name=f"基准执法员{i:03d}",
                role=Role.ENFORCEMENT_OFFICER,
                jurisdiction=root,
                badge_number=f"37000000{i:04d}",
                password=make_password(None),  # unusable: nobody logs in as them
            )
            for i in range(count)
            if f"{PREFIX}{i:03d}" not in existing
        ]
        User.objects.bulk_create(missing, batch_size=500)
        officer, _ = User.objects.get_or_create(
            username="bench-draw-officer",
            defaults={
                "full_name": "基准抽取人",
                "role": Role.ENFORCEMENT_OFFICER,
                "jurisdiction": root,
                "password": make_password(None),
            },
        )
        return officer

    def _ensure_conflicts(self, root, count: int):
        have = Conflict.objects.active().count()
        if have >= count:
            return
        rng = random.Random(20261129)
        inspectors = list(
            User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True)
        )
        enterprise_ids = list(
            Enterprise.objects.filter(scope_path__startswith=root.path).values_list("pk", flat=True)
        )
        officer = User.objects.get(username="bench-draw-officer")
        pairs = {(rng.choice(inspectors), rng.choice(enterprise_ids)) for _ in range(count - have)}
        taken = set(Conflict.objects.active().values_list("inspector_id", "enterprise_id"))
        Conflict.objects.bulk_create(
            [
                Conflict(inspector_id=i, enterprise_id=e, reason="基准回避", declared_by=officer)
                for i, e in sorted(pairs - taken)
            ],
            batch_size=1000,
        )


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
