"""Build or update the inspection checklists from the criteria library
(enforcement.inspections.checklists): run after criteria were added or switched off in the admin."""

from django.core.management.base import BaseCommand
from django.db import transaction

from enforcement.inspections import checklists


class Command(BaseCommand):
    help = "按重大事故隐患判定标准库和通用检查项生成或更新执法检查清单"

    def handle(self, *args, **options):
        with transaction.atomic():
            result = checklists.build()
        self.stdout.write(f"检查清单 {result['templates']} 个，条目 {result['items']} 项")
