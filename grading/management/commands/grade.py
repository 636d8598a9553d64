from django.core.management.base import BaseCommand

from grading import engine


class Command(BaseCommand):
    help = "计算企业风险等级（分类分级）：默认全部企业，或 --enterprise 指定企业"

    def add_arguments(self, parser):
        parser.add_argument("--enterprise", type=int, nargs="*", help="企业ID（可多个）")

    def handle(self, *args, **options):
        ids = options["enterprise"] or None
        run = engine.run(ids, trigger="manage.py grade")
        self.stdout.write(
            f"分级完成：{run.enterprises} 家企业，写入 {run.written} 条，"
            f"等级变化 {run.level_changes} 次，耗时 {run.seconds:.2f} 秒"
        )
