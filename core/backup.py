"""Backups and the restore check (manage.py backup, restore, check_restore).

A backup is one directory, `anjian-<UTC time>`, holding the database (PostgreSQL: `pg_dump -Fc`
taken inside a snapshot the manifest's figures are read from; SQLite: the online backup API,
so the app may keep writing), the media files as a tar, and `manifest.json`: when, which engine,
the latest migration per app, the rows per table, the latest event per hazard, and the checksum
of every file. It is written under a hidden `.partial-` name and renamed when complete, so a
failed backup never looks like one. A restore goes into a fresh database (a non-empty one only
when forced), then the check compares what was restored with the manifest.

The module reads the database through its own DB-API connections (psycopg, sqlite3), never
Django's, so a restore can target any database URL, and imports no domain app: the hazard event
table is looked up in the app registry.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_TAR = "media.tar"
PREFIX = "anjian-"
PARTIAL = ".partial-"
# The latest event per hazard is kept as a mapping up to this many hazards; beyond, only its
# digest (the check then says that the mapping differs, not for which hazards).
EVENT_MAP_LIMIT = 20_000
# A partial directory older than this is what a killed backup left: the next backup removes it.
STALE_PARTIAL_SECONDS = 12 * 3600
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A refusal or failure, said in Chinese for the operator."""


# The connection options of DATABASES' OPTIONS (or a URL's query: ?sslmode=verify-full&…) that
# libpq reads from the environment too, and the variable of each: pg_dump and pg_restore get them
# that way, like the password, never on their command line.
LIBPQ_ENVIRONMENT = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslcertmode": "PGSSLCERTMODE",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "sslsni": "PGSSLSNI",
    "sslcompression": "PGSSLCOMPRESSION",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "requirepeer": "PGREQUIREPEER",
    "require_auth": "PGREQUIREAUTH",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "gsslib": "PGGSSLIB",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "hostaddr": "PGHOSTADDR",
    "client_encoding": "PGCLIENTENCODING",
}


@dataclass(frozen=True)
class Database:
    """Where a database is: the engine ("postgresql" or "sqlite"), its connection values and
    the libpq options among DATABASES' OPTIONS (Django's own there, such as pool or
    isolation_level, are not libpq's and are left out)."""

    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, conf: dict[str, Any]) -> Database:
        backend = str(conf.get("ENGINE", ""))
        if "postgresql" in backend:
            engine = "postgresql"
        elif "sqlite3" in backend:
            engine = "sqlite"
        else:
            raise BackupError(f"不支持的数据库类型：{backend}")
        return cls(
            engine=engine,
            name=str(conf.get("NAME") or ""),
            user=str(conf.get("USER") or ""),
            password=str(conf.get("PASSWORD") or ""),
            host=str(conf.get("HOST") or ""),
            port=str(conf.get("PORT") or ""),
            options=tuple(
                sorted(
                    (key, str(value))
                    for key, value in (conf.get("OPTIONS") or {}).items()
                    if key in LIBPQ_ENVIRONMENT and value is not None and value != ""
                )
            )
            if engine == "postgresql"
            else (),
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        try:
            conf = dj_database_url.parse(url)
        except Exception as exc:  # the library raises plain ValueError and others
            raise BackupError(f"无法识别的数据库地址：{exc}") from exc
        return cls.from_settings(dict(conf))

    @classmethod
    def default(cls) -> Database:
        from django.db import connections

        return cls.from_settings(connections["default"].settings_dict)

    def pg_env(self) -> dict[str, str]:
        """The libpq environment for pg_dump and pg_restore (no password on the command line)."""
        env = dict(os.environ)
        values = {
            "PGDATABASE": self.name,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGHOST": self.host,
            "PGPORT": self.port,
            **{LIBPQ_ENVIRONMENT[key]: value for key, value in self.options},
        }
        env.update({key: value for key, value in values.items() if value})
        return env

    def connect(self) -> Any:
        """A DB-API connection of its own (autocommit off)."""
        if self.engine == "postgresql":
            import psycopg
            from psycopg.conninfo import make_conninfo

            values = {
                "dbname": self.name,
                "user": self.user,
                "password": self.password,
                "host": self.host,
                "port": self.port,
                **dict(self.options),
            }
            try:
                conninfo = make_conninfo(**{key: value for key, value in values.items() if value})
                return psycopg.connect(conninfo)
            except psycopg.OperationalError as exc:
                raise BackupError(f"无法连接数据库 {self.name}：{exc}") from exc
        return sqlite3.connect(self.name, uri=self.name.startswith("file:"))

    def named(self, name: str) -> Database:
        """Another database on the same server, as the same role with the same options."""
        return replace(self, name=name)

    def label(self) -> str:
        if self.engine == "postgresql":
            return f"PostgreSQL 数据库 {self.name}"
        return f"SQLite 数据库 {self.name}"


def target(url: str | None = None, name: str | None = None) -> Database:
    """The database a command names: url, else the app's; with name, another database of the
    same server, role and options (no password on a command line)."""
    database = Database.from_url(url) if url else Database.default()
    return database.named(name) if name else database


# --- What a database holds ----------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cursor: Any, engine: str) -> list[str]:
    if engine == "postgresql":
        # Ordinary and partitioned tables of the current schema; a partition is counted in its
        # parent.
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition ORDER BY c.relname"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    return [row[0] for row in cursor.fetchall()]


def _hazard_event_table() -> tuple[str, str] | None:
    """The hazard event table and its hazard column, from the app registry (core imports no
    domain app)."""
    try:
        model = apps.get_model("hazards", "HazardEvent")
    except LookupError:
        return None
    return model._meta.db_table, model._meta.get_field("hazard").column


def _digest(mapping: dict[str, int]) -> str:
    lines = "".join(f"{key}:{mapping[key]}\n" for key in sorted(mapping, key=int))
    return hashlib.sha256(lines.encode()).hexdigest()


def facts(connection: Any, engine: str) -> dict[str, Any]:
    """Rows per table, the latest migration per app and the latest event per hazard, read
    through one connection (inside whatever snapshot it holds)."""
    cursor = connection.cursor()
    tables = _tables(cursor, engine)
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (quoted name)
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, str] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations")
        for app, name in cursor.fetchall():
            if name > migrations.get(app, ""):
                migrations[app] = name
    events: dict[str, Any] = {"table": None, "hazards": 0, "digest": "", "latest": {}}
    located = _hazard_event_table()
    if located and located[0] in counts:
        table, column = located
        cursor.execute(
            f"SELECT {_quote(column)}, MAX(id) FROM {_quote(table)} "  # noqa: S608 (quoted names)
            f"GROUP BY {_quote(column)}"
        )
        latest = {str(hazard): int(event) for hazard, event in cursor.fetchall()}
        events = {
            "table": table,
            "hazards": len(latest),
            "digest": _digest(latest),
            "latest": latest if len(latest) <= EVENT_MAP_LIMIT else None,
        }
    cursor.close()
    return {
        "tables": counts,
        "migrations": dict(sorted(migrations.items())),
        "hazard_events": events,
    }


# --- Files ----------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def media_checksums(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): sha256_file(path) for path in _media_files(root)}


def _tar_media(root: Path, target: Path) -> dict[str, str]:
    """The media files as a tar; returns the checksum of each file as stored."""
    sums: dict[str, str] = {}
    with tarfile.open(target, "w") as archive:
        for path in _media_files(root):
            name = path.relative_to(root).as_posix()
            # Read once: the checksum is of the bytes that went into the tar, even if the file
            # changes meanwhile.
            try:
                data = path.read_bytes()
                info = archive.gettarinfo(str(path), arcname=name)
            except FileNotFoundError:
                continue  # removed meanwhile (the hourly sweep of kept uploads): not in the backup
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            sums[name] = hashlib.sha256(data).hexdigest()
    return sums


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _pg_tool(name: str) -> str:
    directory = settings.PG_BIN_DIR
    return str(Path(directory) / name) if directory else name


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        # The PostgreSQL client tools with arguments made here, never a shell.
        result = subprocess.run(  # noqa: S603
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {command[0]}，请安装与数据库服务器同版本的 PostgreSQL 客户端"
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{what}失败：{result.stderr.strip()}")


# --- Backup ---------------------------------------------------------------------------------


def backup_root() -> Path:
    return Path(settings.BACKUP_DIR)


def create(
    root: Path | None = None,
    *,
    database: Database | None = None,
    media_root: Path | None = None,
    keep: int | None = None,
    now: datetime | None = None,
) -> Path:
    """Back up the database and the media files into a new directory under root; returns it.
    With keep, only the newest keep backups stay."""
    root = Path(root or backup_root())
    database = database or Database.default()
    media = Path(media_root or settings.MEDIA_ROOT)
    moment = now or datetime.now(UTC)
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(root)
    stamp = f"{PREFIX}{moment:%Y%m%dT%H%M%SZ}"
    final, serial = root / stamp, 1
    while final.exists():  # two backups in one second
        final, serial = root / f"{stamp}-{serial}", serial + 1
    work = Path(tempfile.mkdtemp(prefix=PARTIAL, dir=root))
    try:
        if database.engine == "postgresql":
            dumped, server = _dump_postgresql(database, work / PG_DUMP)
            database_file = PG_DUMP
        else:
            dumped, server = _copy_sqlite(database, work / SQLITE_COPY)
            database_file = SQLITE_COPY
        media_sums = _tar_media(media, work / MEDIA_TAR)
        files = {
            name: {"sha256": sha256_file(work / name), "bytes": (work / name).stat().st_size}
            for name in (database_file, MEDIA_TAR)
        }
        manifest = {
            "format": FORMAT,
            "created_at": moment.isoformat(),
            "engine": database.engine,
            "database": database.name if database.engine == "postgresql" else "",
            "server_version": server,
            "database_file": database_file,
            **dumped,
            "media": media_sums,
            "files": files,
        }
        with open(work / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(work)
        os.rename(work, final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if keep is not None:
        prune(root, keep)
    return final


def _dump_postgresql(database: Database, target: Path) -> tuple[dict[str, Any], str]:
    """pg_dump inside a snapshot exported by a repeatable-read transaction that reads the
    manifest's figures too: both see the same committed state, whatever the app writes."""
    import psycopg

    connection = database.connect()
    try:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server = cursor.fetchone()
        found = facts(connection, "postgresql")
        _run(
            [
                _pg_tool("pg_dump"),
                "-Fc",
                "--no-password",
                f"--snapshot={snapshot}",
                "-f",
                str(target),
            ],
            database.pg_env(),
            "pg_dump 导出数据库",
        )
        connection.rollback()
    finally:
        connection.close()
    return found, str(server)


def _copy_sqlite(database: Database, target: Path) -> tuple[dict[str, Any], str]:
    """SQLite's online backup API: one step under a read transaction, so the copy is one
    committed state while other connections go on writing (WAL)."""
    if not database.name.startswith("file:") and not Path(database.name).is_file():
        raise BackupError(f"找不到数据库文件：{database.name}")
    source = database.connect()
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # The copy stands alone: no write-ahead log beside it (the app sets WAL again on open).
        copy.execute("PRAGMA journal_mode=DELETE")
        # The figures are read from the copy itself, which nobody writes.
        found = facts(copy, "sqlite")
        copy.commit()
    finally:
        copy.close()
        source.close()
    return found, sqlite3.sqlite_version


def _on_server(database: Database, statement: str, name: str) -> None:
    """CREATE or DROP DATABASE name, through the server's maintenance database as the same
    role (which needs the CREATEDB right, or to own the database it drops)."""
    import psycopg
    from psycopg import sql

    if database.engine != "postgresql":
        raise BackupError("只有 PostgreSQL 需要单独建库")
    link = database.named("postgres").connect()
    try:
        link.autocommit = True
        link.execute(sql.SQL(statement).format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise BackupError(f"数据库 {name} 操作失败：{exc}") from exc
    finally:
        link.close()


def create_database(name: str, database: Database | None = None) -> Database:
    """A new, empty database beside the app's (the restore drill's scratch database)."""
    database = database or Database.default()
    _on_server(database, "CREATE DATABASE {}", name)
    return database.named(name)


def drop_database(name: str, database: Database | None = None) -> None:
    _on_server(database or Database.default(), "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _remove_stale_partials(root: Path) -> None:
    limit = time.time() - STALE_PARTIAL_SECONDS
    for path in root.glob(f"{PARTIAL}*"):
        if path.is_dir() and path.stat().st_mtime < limit:
            shutil.rmtree(path, ignore_errors=True)


def complete_backups(root: Path) -> list[Path]:
    """The complete backups under root, oldest first (the names sort by time)."""
    if not root.is_dir():
        return []
    return sorted(
        path for path in root.glob(f"{PREFIX}*") if path.is_dir() and (path / MANIFEST).is_file()
    )


def prune(root: Path, keep: int) -> list[Path]:
    """Remove all but the newest keep backups; returns those removed."""
    if keep < 1:
        raise BackupError("--keep 至少为 1")
    backups = complete_backups(root)
    removed = backups[: max(0, len(backups) - keep)]
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- Restore --------------------------------------------------------------------------------


def load_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} 不是完整的备份（没有清单文件）")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"清单文件无法读取：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
    return manifest


def verify_files(directory: Path, manifest: dict[str, Any]) -> None:
    """Refuse a backup whose files are missing or changed since it was taken."""
    for name, expected in manifest["files"].items():
        path = Path(directory) / name
        if not path.is_file():
            raise BackupError(f"备份缺少文件 {name}")
        if sha256_file(path) != expected["sha256"]:
            raise BackupError(f"备份文件 {name} 的校验值不符，文件已损坏或被改动")


def _is_empty(database: Database) -> bool:
    if database.engine == "sqlite" and not database.name.startswith("file:"):
        path = Path(database.name)
        if not path.exists() or path.stat().st_size == 0:
            return True
    connection = database.connect()
    try:
        cursor = connection.cursor()
        return not _tables(cursor, database.engine)
    finally:
        connection.close()


def _clear_postgresql(database: Database) -> None:
    connection = database.connect()
    try:
        with connection.cursor() as cursor:
            for table in _tables(cursor, "postgresql"):
                cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'S'"
            )
            for (sequence,) in cursor.fetchall():
                cursor.execute(f"DROP SEQUENCE IF EXISTS {_quote(sequence)} CASCADE")
        connection.commit()
    finally:
        connection.close()


def restore(
    directory: Path,
    *,
    database: Database | None = None,
    media_root: Path | None = None,
    force: bool = False,
) -> list[str]:
    """Restore a backup into a fresh database and media directory, then check it; returns the
    differences found (none: the restore is complete)."""
    directory = Path(directory)
    manifest = load_manifest(directory)
    verify_files(directory, manifest)
    database = database or Database.default()
    media = Path(media_root or settings.MEDIA_ROOT)
    if database.engine != manifest["engine"]:
        engines = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
        raise BackupError(
            f"备份来自 {engines[manifest['engine']]}，不能恢复到 {engines[database.engine]}"
        )
    if not force:
        if not _is_empty(database):
            raise BackupError(f"{database.label()} 不是空库，拒绝覆盖；确需覆盖请加 --force")
        if any(_media_files(media)):
            raise BackupError(f"媒体目录 {media} 不是空的，拒绝覆盖；确需覆盖请加 --force")
    _close_django_connections_to(database)
    if database.engine == "postgresql":
        # Forced: every table goes first, then pg_restore drops each other object of the dump
        # it is about to create (functions, extensions).
        if force:
            _clear_postgresql(database)
        _run(
            [
                _pg_tool("pg_restore"),
                "--no-password",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *(["--clean", "--if-exists"] if force else []),
                "-d",
                database.name,
                str(directory / PG_DUMP),
            ],
            database.pg_env(),
            "pg_restore 恢复数据库",
        )
    else:
        _restore_sqlite(directory / SQLITE_COPY, database)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / MEDIA_TAR) as archive:
        archive.extractall(media, filter="data")
    return check(directory, database=database, media_root=media)


def _close_django_connections_to(database: Database) -> None:
    """Django's own connection may point at the target: nothing may hold it while it is
    replaced."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.vendor not in ("postgresql", "sqlite"):
            continue
        own = Database.from_settings(connection.settings_dict)
        if (own.engine, own.name, own.host, own.port) == (
            database.engine,
            database.name,
            database.host,
            database.port,
        ):
            connection.close()


def _restore_sqlite(copy: Path, database: Database) -> None:
    if database.name.startswith("file:"):
        # An in-memory or URI database: copied page by page through the backup API.
        source = sqlite3.connect(copy)
        target = database.connect()
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    path = Path(database.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.restoring")
    shutil.copyfile(copy, staging)
    # A write-ahead log left beside the old file would be replayed into the new one.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(staging, path)


# --- The check ------------------------------------------------------------------------------


def _table_label(table: str) -> str:
    for model in apps.get_models():
        if model._meta.db_table == table:
            return f"{table}（{model._meta.verbose_name}）"
    return table


def check(
    directory: Path, *, database: Database | None = None, media_root: Path | None = None
) -> list[str]:
    """Compare a database and media directory with a backup's manifest; each difference in
    Chinese (none: they hold what the backup held)."""
    manifest = load_manifest(Path(directory))
    database = database or Database.default()
    media = Path(media_root or settings.MEDIA_ROOT)
    if database.engine != manifest["engine"]:
        return [f"数据库类型不同：备份为 {manifest['engine']}，目标为 {database.engine}"]
    connection = database.connect()
    try:
        found = facts(connection, database.engine)
    finally:
        connection.close()
    differences: list[str] = []
    expected_tables: dict[str, int] = manifest["tables"]
    for table, rows in expected_tables.items():
        if table not in found["tables"]:
            differences.append(f"缺少数据表 {_table_label(table)}（备份中 {rows} 行）")
        elif found["tables"][table] != rows:
            differences.append(
                f"数据表 {_table_label(table)} 行数不同：备份 {rows} 行，恢复后 "
                f"{found['tables'][table]} 行"
            )
    for table in sorted(set(found["tables"]) - set(expected_tables)):
        differences.append(f"多出数据表 {_table_label(table)}（备份中没有）")
    expected_migrations: dict[str, str] = manifest["migrations"]
    for app in sorted(set(expected_migrations) | set(found["migrations"])):
        want, have = expected_migrations.get(app), found["migrations"].get(app)
        if want != have:
            differences.append(
                f"应用 {app} 的最新迁移不同：备份为 {want or '无'}，恢复后为 {have or '无'}"
            )
    differences.extend(_event_differences(manifest["hazard_events"], found["hazard_events"]))
    differences.extend(_media_differences(manifest["media"], media))
    return differences


def _event_differences(want: dict[str, Any], have: dict[str, Any]) -> list[str]:
    if want["digest"] == have["digest"]:
        return []
    if want["latest"] is None or have["latest"] is None:
        return [
            f"各隐患的最新处理记录不同（备份 {want['hazards']} 条隐患，"
            f"恢复后 {have['hazards']} 条）"
        ]
    lines = []
    for hazard in sorted(set(want["latest"]) | set(have["latest"]), key=int):
        before, after = want["latest"].get(hazard), have["latest"].get(hazard)
        if before != after:
            lines.append(
                f"隐患 {hazard} 的最新处理记录不同：备份为 {before or '无'}，"
                f"恢复后为 {after or '无'}"
            )
    return _capped(lines, "条隐患")


def _media_differences(want: dict[str, str], root: Path) -> list[str]:
    have = media_checksums(root)
    lines = []
    for name in sorted(set(want) | set(have)):
        if name not in have:
            lines.append(f"缺少媒体文件 {name}")
        elif name not in want:
            lines.append(f"多出媒体文件 {name}（备份中没有）")
        elif want[name] != have[name]:
            lines.append(f"媒体文件 {name} 的校验值不同")
    return _capped(lines, "个媒体文件")


def _capped(lines: list[str], unit: str, limit: int = 20) -> list[str]:
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"……另有 {len(lines) - limit} {unit}不同"]
