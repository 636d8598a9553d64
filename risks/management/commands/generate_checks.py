from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from risks import checks


class Command(BaseCommand):
    help = "生成某日的风险管控排查任务（默认今天）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD")

    def handle(self, *args, **options):
        day = timezone.localdate()
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
        made = checks.generate(day)
        self.stdout.write(f"{day}：" + "，".join(f"{k} {v}" for k, v in made.items()))
