"""Grading at province scale (`manage.py bench_grading`): the time to grade every enterprise of
the benchmark database `manage.py bench` loads (var/bench.sqlite3, or the PostgreSQL database
anjian_bench: 100,000 enterprises, and the hazard ledger when bench --scenario hazards loaded
it). It never loads or reloads that database: run `manage.py bench` first.

Three runs, each the whole of grading.engine.run (every measure's query, the scores, the
writes and the history, in one transaction):

1. cold: no grade stored yet (the grading tables are emptied first), so every enterprise's
   grade and its first history row are written;
2. unchanged: the nightly run on the next day with nothing changed, which writes nothing;
3. rule changed: one factor's weight changed, so every enterprise carrying it is rewritten and
   the history records those whose grade moved; the weight is then put back.

So that every measure reads rows, the first run adds (once) accidents at 1 % of the enterprises
and this year's 动态清零 commitments at 2 %, half of them with a breach.

Goal (issue 5): grading 100,000 enterprises under 30 s. The load averages are printed beside
the figures: the machine is shared.
"""

import os
import time
from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from demo.management.commands.bench import Command as Bench
from enterprises.models import Enterprise
from grading import engine
from grading.models import EnterpriseGrade, GradeChange, GradingFactor, GradingRun

GOAL_SECONDS = 30
CHANGED_FACTOR = "headcount"
ACCIDENT_EVERY = 100  # one enterprise in a hundred has had an accident
COMMITMENT_EVERY = 50  # one in fifty has a 动态清零 commitment, every other one broken


class Command(BaseCommand):
    help = "分类分级性能基准：在基准数据库中为全部企业（默认 10 万家）计算风险等级并计时"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-exchange",
            action="store_true",
            help="不写数据交换记录（断开 exchange 的监听），用于测量其开销",
        )

    def handle(self, *args, **options):
        if options["without_exchange"]:
            from exchange import signals as exchange_signals

            exchange_signals.disconnect()
        self.stdout.write(
            f"Exchange entries: {'without' if options['without_exchange'] else 'with'}"
        )
        where = Bench()._use_bench_database(reset=False)
        call_command("migrate", interactive=False, verbosity=0)
        count = Enterprise.objects.count()
        if count == 0:
            raise CommandError(f"{where} 中没有企业：请先运行 manage.py bench 加载基准数据")
        self.stdout.write(f"Database: {self._engine()} · {where} · enterprises: {count:,}")
        accidents, breaches = self._facts()
        self.stdout.write(f"Accidents: {accidents:,} · commitment breaches: {breaches:,}")
        EnterpriseGrade.objects.all().delete()
        GradeChange.objects.all().delete()
        GradingRun.objects.all().delete()
        results = [("cold (all written)", *self._timed(lambda: engine.run(trigger="bench")))]
        results.append(("unchanged (nightly)", *self._timed(lambda: engine.run(trigger="bench"))))
        factor = GradingFactor.objects.get(code=CHANGED_FACTOR)
        weight = factor.weight
        GradingFactor.objects.filter(pk=factor.pk).update(weight=weight + Decimal("0.5"))
        try:
            results.append(
                (
                    f"rule changed ({factor.label} weight +0.5)",
                    *self._timed(lambda: engine.run(trigger="bench")),
                )
            )
        finally:
            GradingFactor.objects.filter(pk=factor.pk).update(weight=weight)
        self.stdout.write("")
        self.stdout.write(
            "| run | enterprises | written | grade changes | exchange entries | seconds "
            "| load (1/5/15 min) |"
        )
        self.stdout.write("|---|---:|---:|---:|---:|---:|---|")
        for label, run, seconds, load, entries in results:
            self.stdout.write(
                f"| {label} | {run.enterprises:,} | {run.written:,} | {run.level_changes:,} "
                f"| {entries:,} | {seconds:.1f} | {load} |"
            )
        levels = dict(
            EnterpriseGrade.objects.order_by()
            .values_list("level")
            .annotate(n=Count("pk"))
            .values_list("level", "n")
        )
        self.stdout.write("")
        self.stdout.write("Grades: " + ", ".join(f"{k} {v:,}" for k, v in sorted(levels.items())))
        worst = max(seconds for _, _, seconds, _, _ in results)
        verdict = "met" if worst < GOAL_SECONDS else "MISSED"
        self.stdout.write(f"Goal: under {GOAL_SECONDS} s per run: {verdict}.")

    @staticmethod
    def _facts() -> tuple[int, int]:
        """Accidents and broken commitments for the measures that read them (added once)."""
        from accidents.models import AccidentCase, AccidentSource
        from accounts.models import User
        from accounts.roles import Role
        from reporting.models import (
            BreachCause,
            CommitmentBreach,
            CommitmentKind,
            SafetyCommitment,
        )

        if not AccidentCase.objects.exists():
            recorder, _ = User.objects.get_or_create(
                username="bench_grading", defaults={"role": Role.SUPERVISOR}
            )
            now = timezone.now()
            rows = Enterprise.objects.order_by("pk").values_list("pk", "industry")
            AccidentCase.objects.bulk_create(
                (
                    AccidentCase(
                        source=AccidentSource.LOCAL,
                        enterprise_id=pk,
                        title="基准测试事故",
                        occurred_at=now - timedelta(days=pk % 300),
                        industry=industry,
                        category="machinery",
                        serious_injuries=1,
                        level="general",
                        summary="基准测试",
                        recorded_by=recorder,
                    )
                    for index, (pk, industry) in enumerate(rows.iterator(chunk_size=10_000))
                    if index % ACCIDENT_EVERY == 0
                ),
                batch_size=2000,
            )
        if not SafetyCommitment.objects.exists():
            today = timezone.localdate()
            start, end = date(today.year, 1, 1), date(today.year, 12, 31)
            ids = Enterprise.objects.order_by("pk").values_list("pk", flat=True)
            SafetyCommitment.objects.bulk_create(
                (
                    SafetyCommitment(
                        enterprise_id=pk,
                        kind=CommitmentKind.ZERO_OUT,
                        committer_name="基准",
                        committer_post="主要负责人",
                        content="基准测试",
                        period_start=start,
                        period_end=end,
                        signed_on=start,
                    )
                    for index, pk in enumerate(ids.iterator(chunk_size=10_000))
                    if index % COMMITMENT_EVERY == 0
                ),
                batch_size=2000,
            )
            commitments = SafetyCommitment.objects.order_by("pk").values_list("pk", "enterprise_id")
            CommitmentBreach.objects.bulk_create(
                (
                    CommitmentBreach(
                        commitment_id=pk,
                        enterprise_id=enterprise_id,
                        found_on=today - timedelta(days=pk % 200),
                        cause=BreachCause.REPORTED,
                        description="基准测试",
                    )
                    for index, (pk, enterprise_id) in enumerate(commitments)
                    if index % 2 == 0
                ),
                batch_size=2000,
            )
        return AccidentCase.objects.count(), CommitmentBreach.objects.count()

    @staticmethod
    def _timed(call):
        from exchange.models import ExchangeEntry

        before = ExchangeEntry.objects.count()
        started = time.perf_counter()
        run = call()
        seconds = time.perf_counter() - started
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        return run, seconds, load, ExchangeEntry.objects.count() - before

    @staticmethod
    def _engine() -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("select sqlite_version()")
                return f"SQLite {cursor.fetchone()[0]}"
            cursor.execute("show server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
