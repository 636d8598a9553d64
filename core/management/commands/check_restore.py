"""manage.py check_restore DIR [--database-url URL | --database-name NAME] [--media-root DIR]:
compares a database and its media directory with a backup's manifest (core/backup.py); exit
status 1 on any difference. --database-name: the app's server, role and options, another
database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backup
from core.management.commands.restore import report


class Command(BaseCommand):
    help = "核对数据库和媒体文件是否与备份清单一致"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="备份目录")
        parser.add_argument("--database-url", help="要核对的数据库地址（默认 DATABASE_URL）")
        parser.add_argument(
            "--database-name",
            help="目标数据库名：与 DATABASE_URL 同一服务器、同一角色和连接选项的另一个库",
        )
        parser.add_argument("--media-root", type=Path, help="要核对的媒体目录（默认 MEDIA_ROOT）")

    def handle(self, *args, **options):
        url = options.get("database_url")
        try:
            database = backup.target(url, options.get("database_name"))
            differences = backup.check(
                options["directory"], database=database, media_root=options.get("media_root")
            )
        except backup.BackupError as exc:
            raise CommandError(f"核对失败：{exc}") from exc
        report(self, differences)
