"""A campaign's 台账 at scale (`manage.py bench_campaigns`, PostgreSQL; issue 16's goal: a
campaign of 10,000 target enterprises exported in under 30 s). Inside one transaction that is
rolled back at the end (nothing stays in the database): a bench county of 10 towns and
--enterprises enterprises (bulk insert), a campaign of task 8's confined-space template started
on all of them through campaigns.services.start (targets resolved into rows, one "answer due"
event each), every target's answers (5 items; --bad of them 不符合, each a hazard of source
专项整治 linked by a finding, a third of those closed), then timed:

1. start (resolving and storing the targets);
2. the per-town figures (services.town_rows);
3. the ledger (services.ledger) written to an .xlsx file, as the county supervisor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anjian_campaigns \\
        python manage.py bench_campaigns --enterprises 10000
"""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from campaigns import services
from campaigns.models import CampaignAnswer, CampaignFinding, FindingStage, Verdict
from core.models import Jurisdiction, JurisdictionKind
from enterprises import credit_code
from enterprises.models import Enterprise
from hazards.models import Hazard
from hazards.states import Source
from hazards.states import State as HazardState

GOAL_SECONDS = 30


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "专项整治台账性能基准：1 万家目标企业的整治台账导出（PostgreSQL，目标 30 秒内）"

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=10_000)
        parser.add_argument("--bad", type=float, default=0.1, help="不符合的条目比例（默认 0.1）")
        parser.add_argument("--any-database", action="store_true", help="允许在 SQLite 上运行")

    def handle(self, *args, **options):
        count = options["enterprises"]
        if not 1 <= count <= 200_000:
            raise CommandError("--enterprises 应在 1 至 200000 之间")
        if connection.vendor != "postgresql" and not options["any_database"]:
            raise CommandError("专项整治基准在 PostgreSQL 上运行（DATABASE_URL）")
        try:
            with transaction.atomic():
                self._run(count, options["bad"])
                raise Rollback
        except Rollback:
            self.stdout.write("（基准数据已回滚，数据库未改变）")

    def _run(self, count: int, bad: float) -> None:
        rng = random.Random(20240408)
        county = Jurisdiction.objects.create(
            code="BENCH-CAMPAIGNS", name="基准县", kind=JurisdictionKind.COUNTY
        )
        towns = [
            Jurisdiction.objects.create(
                code=f"BENCH-CAMPAIGNS-{i}",
                name=f"基准镇{i}",
                kind=JurisdictionKind.TOWN,
                parent=county,
            )
            for i in range(10)
        ]
        supervisor = User(username="bench_campaigns", role=Role.SUPERVISOR, jurisdiction=county)
        supervisor.set_unusable_password()
        supervisor.save()
        started = time.perf_counter()
        enterprises = []
        for i in range(count):
            town = towns[i % len(towns)]
            enterprises.append(
                Enterprise(
                    credit_code=credit_code.make(f"91379998{i:09d}"),
                    name=f"基准企业{i:06d}有限公司",
                    name_initials=f"jzqy{i}",
                    jurisdiction=town,
                    scope_path=town.path,
                    industry="machinery",
                    principal_name="王建国",
                    principal_phone="13800000000",
                )
            )
        Enterprise.objects.bulk_create(enterprises, batch_size=2000)
        self.stdout.write(f"企业 {count:,} 家已写入（{time.perf_counter() - started:.1f} 秒）")

        today = timezone.localdate()
        campaign = services.create_campaign(
            supervisor,
            name="基准有限空间作业专项整治",
            basis="安全生产法",
            starts_on=today,
            ends_on=today + timedelta(days=90),
            template_code="confined_space",
        )
        services.set_targeting(supervisor, campaign.pk, towns=[t.pk for t in towns])
        started = time.perf_counter()
        services.start(
            supervisor,
            campaign.pk,
            self_check_ends_on=today + timedelta(days=10),
            town_check_ends_on=today + timedelta(days=30),
            spot_check_ends_on=today + timedelta(days=60),
        )
        start_seconds = time.perf_counter() - started

        started = time.perf_counter()
        items = list(campaign.items.order_by("position"))
        targets = list(campaign.targets.values_list("pk", "enterprise_id"))
        answers, hazards, keys = [], [], []
        for target_id, enterprise_id in targets:
            for item in items:
                nonconform = rng.random() < bad
                answers.append(
                    CampaignAnswer(
                        target_id=target_id,
                        item=item,
                        verdict=Verdict.NONCONFORM if nonconform else Verdict.CONFORM,
                        note="未设置安全警示标志" if nonconform else "",
                    )
                )
                if nonconform:
                    closed = rng.random() < 0.33
                    hazards.append(
                        Hazard(
                            enterprise_id=enterprise_id,
                            source=Source.CAMPAIGN,
                            description=f"【{campaign.name}】{item.text}：未设置安全警示标志",
                            found_on=today,
                            found_by="王建国",
                            state=HazardState.CLOSED if closed else HazardState.REPORTED,
                            closed_at=timezone.now() if closed else None,
                        )
                    )
                    keys.append((target_id, item))
        CampaignAnswer.objects.bulk_create(answers, batch_size=5000)
        Hazard.objects.bulk_create(hazards, batch_size=5000)
        CampaignFinding.objects.bulk_create(
            [
                CampaignFinding(
                    campaign=campaign,
                    target_id=target_id,
                    item=item,
                    stage=FindingStage.SELF,
                    hazard=hazard,
                )
                for (target_id, item), hazard in zip(keys, hazards, strict=True)
            ],
            batch_size=5000,
        )
        campaign.targets.update(self_checked_at=timezone.now(), opened_at=timezone.now())
        self.stdout.write(
            f"自查答复 {len(answers):,} 条、问题隐患 {len(hazards):,} 项已写入"
            f"（{time.perf_counter() - started:.1f} 秒）"
        )

        started = time.perf_counter()
        rows = services.town_rows(campaign, supervisor)
        town_seconds = time.perf_counter() - started

        started = time.perf_counter()
        book = services.ledger(campaign, supervisor)
        with book.close() as file:
            size = len(file.read())
        ledger_seconds = time.perf_counter() - started

        total = services.totals(rows)
        self.stdout.write(
            f"目标企业 {total.targets:,} 家 · 问题 {total.findings:,} 项 · "
            f"已销号 {total.closed:,} 项"
        )
        self.stdout.write(f"启动（解析并写入目标企业）：{start_seconds:.2f} 秒")
        self.stdout.write(f"镇街统计：{town_seconds:.2f} 秒")
        verdict = "达标" if ledger_seconds < GOAL_SECONDS else "未达标"
        self.stdout.write(
            f"台账导出：{ledger_seconds:.2f} 秒（{size / 1_048_576:.1f} MB，"
            f"目标 < {GOAL_SECONDS} 秒，{verdict}）"
        )
