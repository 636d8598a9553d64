"""manage.py compute_targets: the targets' live figures now (what the nightly task does), and
with --backfill YEAR the month ends and year ends since that year not yet stored."""

from django.core.management.base import BaseCommand, CommandError

from targets import services
from targets.measures import YEARS


class Command(BaseCommand):
    help = "计算三年目标指标（实时值；--backfill 补算月末、年末值）"

    def add_arguments(self, parser):
        parser.add_argument("--backfill", type=int, help=f"从该年起补算（{YEARS[0]}—{YEARS[-1]}）")

    def handle(self, *args, **options):
        first = options.get("backfill")
        if first is not None:
            if first not in YEARS:
                raise CommandError(f"--backfill 须在 {YEARS[0]} 到 {YEARS[-1]} 之间")
            for run in services.backfill(first):
                self.stdout.write(
                    f"{run.get_period_display()} {run.period_end}：{run.rows} 条，"
                    f"{run.duration_ms} 毫秒{'（补算）' if run.backfilled else ''}"
                )
        run = services.refresh_live()
        self.stdout.write(f"实时 {run.period_end}：{run.rows} 条，{run.duration_ms} 毫秒")
