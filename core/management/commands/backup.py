"""manage.py backup [--to DIR] [--keep N]: the database and the media files into a new backup
directory with its manifest (core/backup.py); with --keep, only the newest N backups stay."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "备份数据库和媒体文件（含清单：各表行数、各隐患最新处理记录、迁移、校验值）"

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="备份存放目录（默认 BACKUP_DIR）")
        parser.add_argument("--keep", type=int, help="只保留最新的 N 份备份，更早的删除")

    def handle(self, *args, **options):
        keep = options.get("keep")
        if keep is not None and keep < 1:
            raise CommandError("--keep 至少为 1")
        root = options.get("to") or backup.backup_root()
        try:
            path = backup.create(root, keep=keep)
        except backup.BackupError as exc:
            raise CommandError(f"备份失败：{exc}") from exc
        manifest = backup.load_manifest(path)
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"备份完成：{path}（{len(manifest['tables'])} 张表，{rows} 行，"
            f"{len(manifest['media'])} 个媒体文件）"
        )
        if keep is not None:
            self.stdout.write(f"保留最新 {keep} 份，现有 {len(backup.complete_backups(root))} 份")
