"""Backups and the restore drill (core/backup.py, manage.py backup / restore / check_restore), on
the engine the suite runs on: PostgreSQL is dumped and restored into a database the test creates
and drops, SQLite is copied through the online backup API into a new file."""

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from PIL import Image

from accounts.roles import Role
from core import backup
from enterprises.models import Enterprise
from hazards import services as hazards
from hazards.models import Hazard, HazardEvent, HazardPhoto, Source

ROOT = Path(django_settings.BASE_DIR)


def png(name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def url_for(conf, name):
    """A database URL on the same server as the suite's database, for another database name."""
    if "sqlite3" in conf["ENGINE"]:
        return f"sqlite:///{name}"
    user = quote(conf.get("USER") or "")
    password = conf.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


@contextlib.contextmanager
def scratch_postgresql():
    """A new PostgreSQL database on the suite's server, dropped at the end; yields its URL."""
    import psycopg

    conf = connection.settings_dict
    name = f"{conf['NAME']}_drill_{uuid.uuid4().hex[:8]}"
    server = backup.Database.from_settings({**conf, "NAME": "postgres"})
    with server.connect() as admin:
        admin.autocommit = True
        admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    try:
        yield url_for(conf, name)
    finally:
        with server.connect() as admin:
            admin.autocommit = True
            admin.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(name)
                )
            )


@pytest.fixture
def fresh_database(tmp_path):
    """A new, empty database of the suite's engine: a new PostgreSQL database created and
    dropped here, or a new SQLite file. Yields its URL."""
    if connection.vendor == "sqlite":
        yield url_for(connection.settings_dict, tmp_path / "restored" / "anjian.sqlite3")
        return
    with scratch_postgresql() as url:
        yield url


def execute(url, statement):
    """One statement committed in the database at url, through a connection of its own."""
    target = backup.Database.from_url(url)
    link = target.connect()
    try:
        cursor = link.cursor()
        cursor.execute(statement)
        link.commit()
    finally:
        link.close()


@pytest.fixture
def county_data(users, enterprise_a, enterprise_b, settings, tmp_path):
    """Two enterprises, three hazards with events (one confirmed since), a photo in media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    officer, principal = users[Role.SAFETY_OFFICER], users[Role.PRINCIPAL]
    first = hazards.report(
        officer,
        enterprise_a.pk,
        source=Source.SELF_INSPECTION,
        description="配电箱门损坏",
        photos=[png()],
    )
    hazards.confirm(principal, first.pk, "情况属实")
    for description in ("消防通道堵塞", "安全标志缺失"):
        hazards.report(
            officer, enterprise_a.pk, source=Source.SELF_INSPECTION, description=description
        )
    return first


@pytest.mark.django_db(transaction=True)
def test_restore_drill(county_data, fresh_database, settings, tmp_path, capsys):
    root = tmp_path / "backups"
    call_command("backup", "--to", str(root))
    (directory,) = backup.complete_backups(root)
    manifest = backup.load_manifest(directory)
    assert manifest["engine"] == ("sqlite" if connection.vendor == "sqlite" else "postgresql")
    assert manifest["tables"]["hazards_hazard"] == Hazard.objects.count() == 3
    assert manifest["tables"]["hazards_hazardevent"] == HazardEvent.objects.count()
    assert manifest["tables"]["enterprises_enterprise"] == Enterprise.objects.count() >= 2
    latest = manifest["hazard_events"]["latest"]
    assert latest[str(county_data.pk)] == county_data.events.order_by("-id").first().pk
    assert manifest["migrations"]["hazards"].startswith("00")
    photo = HazardPhoto.objects.get()
    assert photo.image.name in manifest["media"]

    # Restored into a fresh database and an empty media directory: the check passes.
    media = tmp_path / "restored-media"
    call_command(
        "restore", str(directory), "--database-url", fresh_database, "--media-root", str(media)
    )
    assert "核对通过" in capsys.readouterr().out
    assert (media / photo.image.name).read_bytes() == photo.image.open("rb").read()
    assert (
        backup.check(directory, database=backup.Database.from_url(fresh_database), media_root=media)
        == []
    )

    # A second restore into the now filled database is refused, in Chinese.
    with pytest.raises(CommandError, match="不是空库，拒绝覆盖"):
        call_command(
            "restore", str(directory), "--database-url", fresh_database, "--media-root", str(media)
        )

    # Tampered: a hazard's latest event deleted and the photo changed in the restored copy.
    last_event = latest[str(county_data.pk)]
    execute(fresh_database, f"DELETE FROM hazards_hazardevent WHERE id = {int(last_event)}")  # noqa: S608
    (media / photo.image.name).write_bytes(b"not the photo")
    with pytest.raises(CommandError, match="核对发现"):
        call_command(
            "check_restore",
            str(directory),
            "--database-url",
            fresh_database,
            "--media-root",
            str(media),
        )
    out = capsys.readouterr().out
    assert "数据表 hazards_hazardevent（隐患处理记录） 行数不同：备份" in out
    assert f"隐患 {county_data.pk} 的最新处理记录不同：备份为 {last_event}" in out
    assert f"媒体文件 {photo.image.name} 的校验值不同" in out

    # --force restores over it, and the check passes again.
    call_command(
        "restore",
        str(directory),
        "--database-url",
        fresh_database,
        "--media-root",
        str(media),
        "--force",
    )
    assert "核对通过" in capsys.readouterr().out


def small_sqlite(tmp_path):
    source = tmp_path / "source.sqlite3"
    with sqlite3.connect(source) as link:
        link.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    return backup.Database("sqlite", str(source))


def test_a_changed_backup_is_refused(tmp_path):
    directory = backup.create(
        tmp_path / "backups", database=small_sqlite(tmp_path), media_root=tmp_path / "m"
    )
    with open(directory / backup.MEDIA_TAR, "ab") as handle:
        handle.write(b"\0" * 512)
    target = backup.Database("sqlite", str(tmp_path / "new.sqlite3"))
    with pytest.raises(backup.BackupError, match=r"备份文件 media\.tar 的校验值不符"):
        backup.restore(directory, database=target, media_root=tmp_path / "m2")
    assert not (tmp_path / "new.sqlite3").exists()


def test_a_backup_is_not_restored_into_the_other_engine(tmp_path):
    directory = tmp_path / "anjian-x"
    directory.mkdir()
    manifest = {"format": backup.FORMAT, "engine": "postgresql", "files": {}}
    (directory / backup.MANIFEST).write_text(json.dumps(manifest))
    target = backup.Database(engine="sqlite", name=str(tmp_path / "new.sqlite3"))
    with pytest.raises(backup.BackupError, match="备份来自 PostgreSQL，不能恢复到 SQLite"):
        backup.restore(directory, database=target, media_root=tmp_path / "m")


def test_a_failed_backup_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    source = small_sqlite(tmp_path)

    def broken(root, target):
        target.write_bytes(b"half a tar")
        raise OSError("disk full")

    monkeypatch.setattr(backup, "_tar_media", broken)
    root = tmp_path / "backups"
    with pytest.raises(OSError, match="disk full"):
        backup.create(root, database=source, media_root=tmp_path / "m")
    assert list(root.iterdir()) == []
    assert backup.complete_backups(root) == []


def test_keep_prunes_the_oldest(tmp_path):
    source = small_sqlite(tmp_path)
    root = tmp_path / "backups"
    made = [
        backup.create(
            root,
            database=source,
            media_root=tmp_path / "m",
            now=datetime(2026, 12, day, 2, 0, tzinfo=UTC),
            keep=2,
        )
        for day in (1, 2, 3)
    ]
    assert backup.complete_backups(root) == made[1:]
    assert made[0].name == "anjian-20261201T020000Z"


def test_a_backup_taken_while_another_thread_writes_is_consistent(tmp_path):
    """SQLite's online backup while a writer commits pairs of rows: the copy holds whole
    transactions only, and its manifest counts what the copy holds."""
    source = tmp_path / "busy.sqlite3"
    with sqlite3.connect(source) as link:
        link.execute("PRAGMA journal_mode=WAL")
        link.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)")
        link.execute("CREATE TABLE order_lines (id INTEGER PRIMARY KEY, note TEXT)")
    started, stop = threading.Event(), threading.Event()
    written = [0]

    def writer():
        link = sqlite3.connect(source, timeout=20)
        try:
            extra = 20  # rows committed after the copy is taken
            while extra:
                with link:
                    link.execute("INSERT INTO orders (note) VALUES (?)", ("x" * 200,))
                    link.execute("INSERT INTO order_lines (note) VALUES (?)", ("y" * 200,))
                written[0] += 1
                if written[0] == 200:
                    started.set()
                if stop.is_set():
                    extra -= 1
        finally:
            link.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(30)
        directory = backup.create(
            tmp_path / "backups",
            database=backup.Database("sqlite", str(source)),
            media_root=tmp_path / "m",
        )
    finally:
        stop.set()
        thread.join(30)
    manifest = backup.load_manifest(directory)
    copy = sqlite3.connect(directory / backup.SQLITE_COPY)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orders = copy.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
        lines = copy.execute("SELECT COUNT(*) FROM order_lines").fetchone()[0]
    finally:
        copy.close()
    assert orders == lines >= 200
    assert manifest["tables"] == {"orders": orders, "order_lines": lines}
    assert written[0] > orders  # the writer went on after the copy was taken


def test_a_media_file_removed_during_the_backup_is_left_out(tmp_path, monkeypatch):
    media = tmp_path / "media"
    (media / "hazards").mkdir(parents=True)
    (media / "hazards" / "kept.png").write_bytes(b"kept")
    listed = list(backup._media_files(media))
    monkeypatch.setattr(backup, "_media_files", lambda root: [*listed, root / "stash" / "gone"])
    directory = backup.create(
        tmp_path / "backups", database=small_sqlite(tmp_path), media_root=media
    )
    assert list(backup.load_manifest(directory)["media"]) == ["hazards/kept.png"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the suite runs on SQLite")
def test_a_postgresql_backup_taken_while_another_thread_writes_is_consistent(tmp_path):
    """pg_dump and the manifest's figures share one snapshot while a writer commits pairs of
    rows: the restored copy holds whole transactions only, as many as the manifest says."""
    with scratch_postgresql() as source_url, scratch_postgresql() as target_url:
        source = backup.Database.from_url(source_url)
        execute(source_url, "CREATE TABLE orders (id serial PRIMARY KEY, note text)")
        execute(source_url, "CREATE TABLE order_lines (id serial PRIMARY KEY, note text)")
        started, stop = threading.Event(), threading.Event()
        written = [0]

        def writer():
            link = source.connect()
            try:
                extra = 20  # transactions committed after the backup
                while extra:
                    link.execute("INSERT INTO orders (note) VALUES (%s)", ("x" * 200,))
                    link.execute("INSERT INTO order_lines (note) VALUES (%s)", ("y" * 200,))
                    link.commit()
                    written[0] += 1
                    if written[0] == 100:
                        started.set()
                    if stop.is_set():
                        extra -= 1
            finally:
                link.close()

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            assert started.wait(30)
            directory = backup.create(
                tmp_path / "backups", database=source, media_root=tmp_path / "m"
            )
        finally:
            stop.set()
            thread.join(30)
        manifest = backup.load_manifest(directory)
        orders = manifest["tables"]["orders"]
        assert manifest["tables"]["order_lines"] == orders >= 100
        assert written[0] > orders
        target = backup.Database.from_url(target_url)
        assert backup.restore(directory, database=target, media_root=tmp_path / "m2") == []
        with target.connect() as link:
            restored = link.execute(
                "SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM order_lines)"
            ).fetchone()
        assert restored == (orders, orders)


# --- A production connection: libpq options, and a role that owns its database only -----------


def test_the_libpq_environment_carries_the_options_and_never_the_command_line():
    conf = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "anjian",
        "USER": "anjian",
        "PASSWORD": "s3cret",
        "HOST": "db.internal",
        "PORT": 6432,
        "OPTIONS": {
            "sslmode": "verify-full",
            "sslrootcert": "/etc/anjian/tls/db-ca.crt",
            "sslcert": "/etc/anjian/tls/client.crt",
            "sslkey": "/etc/anjian/tls/client.key",
            "connect_timeout": 5,
            "application_name": "anjian-backup",
            "pool": True,  # Django's, not libpq's: left out
            "isolation_level": 1,
        },
    }
    database = backup.Database.from_settings(conf)
    env = database.pg_env()
    assert (
        env.items()
        >= {
            "PGDATABASE": "anjian",
            "PGUSER": "anjian",
            "PGPASSWORD": "s3cret",
            "PGHOST": "db.internal",
            "PGPORT": "6432",
            "PGSSLMODE": "verify-full",
            "PGSSLROOTCERT": "/etc/anjian/tls/db-ca.crt",
            "PGSSLCERT": "/etc/anjian/tls/client.crt",
            "PGSSLKEY": "/etc/anjian/tls/client.key",
            "PGCONNECT_TIMEOUT": "5",
            "PGAPPNAME": "anjian-backup",
        }.items()
    )
    assert dict(database.options) == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/anjian/tls/db-ca.crt",
        "sslcert": "/etc/anjian/tls/client.crt",
        "sslkey": "/etc/anjian/tls/client.key",
        "connect_timeout": "5",
        "application_name": "anjian-backup",
    }
    # A URL's query is read the same way (dj-database-url puts it into OPTIONS).
    from_url = backup.Database.from_url(
        "postgres://anjian:s3cret@db.internal:6432/anjian?sslmode=require&sslrootcert=/ca.crt"
    )
    assert from_url.pg_env()["PGSSLMODE"] == "require"
    assert from_url.pg_env()["PGSSLROOTCERT"] == "/ca.crt"
    # The tools' command lines hold no password.
    commands = []

    def run(command, env, what):
        commands.append(command)
        raise backup.BackupError("stop")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backup, "_run", run)
        patch.setattr(backup.Database, "connect", lambda self: _FakeConnection())
        with pytest.raises(backup.BackupError):
            backup._dump_postgresql(database, __import__("pathlib").Path("/nonexistent"))
    assert commands and not any("s3cret" in part for part in commands[0])


class _FakeConnection:
    isolation_level = read_only = None

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, *args):
        self.result = ("snap", "15")

    def fetchone(self):
        return self.result

    def fetchall(self):
        return []

    def rollback(self):
        pass

    def close(self):
        pass


@contextlib.contextmanager
def owner_role():
    """A role that may log in and create databases, and nothing more (not a superuser, no
    other role's rights): what a production installation gives the app. Dropped at the end with
    what it owns."""
    import psycopg

    conf = connection.settings_dict
    server = backup.Database.from_settings({**conf, "NAME": "postgres"})
    role = f"anjian_owner_{uuid.uuid4().hex[:8]}"
    ident = psycopg.sql.Identifier(role)
    with server.connect() as admin:
        admin.autocommit = True
        admin.execute(psycopg.sql.SQL("CREATE ROLE {} LOGIN CREATEDB NOSUPERUSER").format(ident))
    made: list[str] = []
    try:
        yield role, made
    finally:
        with server.connect() as admin:
            admin.autocommit = True
            for name in made:
                admin.execute(
                    psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        psycopg.sql.Identifier(name)
                    )
                )
            admin.execute(psycopg.sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the suite runs on SQLite")
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_as_a_role_that_only_owns_its_database(county_data, tmp_path):
    """The drill as the app's own role: restore the suite's backup into a database that role
    made (CREATEDB), back that up as the role, restore it into another of its databases: every
    step passes the check without a superuser."""
    import psycopg

    conf = connection.settings_dict
    with owner_role() as (role, made):
        as_role = {**conf, "USER": role, "PASSWORD": ""}

        def database_of_role(name):
            with backup.Database.from_settings({**as_role, "NAME": "postgres"}).connect() as link:
                link.autocommit = True
                link.execute(
                    psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name))
                )
            made.append(name)
            return backup.Database.from_settings({**as_role, "NAME": name})

        suffix = uuid.uuid4().hex[:8]
        first = database_of_role(f"anjian_role_a_{suffix}")
        second = database_of_role(f"anjian_role_b_{suffix}")
        with first.connect() as link:
            is_super = link.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert is_super.fetchone() == (False,)

        taken = backup.create(tmp_path / "one")
        assert backup.restore(taken, database=first, media_root=tmp_path / "media-a") == []

        again = backup.create(tmp_path / "two", database=first, media_root=tmp_path / "media-a")
        assert backup.restore(again, database=second, media_root=tmp_path / "media-b") == []
        # Forced over itself, as the role, it passes too.
        assert (
            backup.restore(again, database=second, media_root=tmp_path / "media-b", force=True)
            == []
        )
        # The drill script as the role: its scratch database made, restored, checked, dropped.
        url = url_for({**as_role, "PASSWORD": ""}, first.name)
        drill = subprocess.run(  # noqa: S603
            [str(ROOT / "deploy" / "backup" / "restore-drill"), str(again)],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": url,
                "PY": sys.executable,
                "MEDIA_ROOT": str(tmp_path / "media-a"),
                "ANJIAN_VAR_DIR": str(tmp_path / "var"),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert drill.returncode == 0, drill.stdout + drill.stderr
        assert "核对通过" in drill.stdout
