"""manage.py restore DIR [--database-url URL | --database-name NAME] [--media-root DIR]
[--force]: a backup into a fresh database and media directory, then the consistency check
(core/backup.py); a non-empty target is refused unless forced. --database-name: the app's
server, role and options, another database (no password on the command line)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "把一份备份恢复到空数据库和空媒体目录，然后核对"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="备份目录")
        parser.add_argument("--database-url", help="目标数据库地址（默认 DATABASE_URL）")
        parser.add_argument(
            "--database-name",
            help="目标数据库名：与 DATABASE_URL 同一服务器、同一角色和连接选项的另一个库",
        )
        parser.add_argument("--media-root", type=Path, help="目标媒体目录（默认 MEDIA_ROOT）")
        parser.add_argument("--force", action="store_true", help="目标不是空的也覆盖")

    def handle(self, *args, **options):
        url = options.get("database_url")
        try:
            database = backup.target(url, options.get("database_name"))
            differences = backup.restore(
                options["directory"],
                database=database,
                media_root=options.get("media_root"),
                force=options["force"],
            )
        except backup.BackupError as exc:
            raise CommandError(f"恢复失败：{exc}") from exc
        self.stdout.write(f"已恢复到 {database.label()}")
        report(self, differences)


def report(command: BaseCommand, differences: list[str]) -> None:
    for line in differences:
        command.stdout.write(f"不一致：{line}")
    if differences:
        raise CommandError(f"核对发现 {len(differences)} 处不一致")
    command.stdout.write("核对通过：各表行数、各隐患最新处理记录、迁移和媒体文件与备份一致")
