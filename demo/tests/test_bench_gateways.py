"""manage.py bench_gateways keeps working: a tiny run over HTTP (a real gunicorn, or the
gateways' own server under uvicorn) or MQTT (a real Mosquitto and ingest worker), steady and
burst, every reading acknowledged and stored.

It runs as its own process (the command switches to a database of its own), in a var directory
of the test's own; on PostgreSQL in a database of its own (dropped afterwards)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings


def _mosquitto() -> bool:
    return bool(shutil.which("mosquitto")) or Path("/usr/sbin/mosquitto").exists()


@pytest.mark.parametrize("transport", ["http", "gateway", "mqtt"])
def test_bench_gateways_smoke(tmp_path, transport):
    if transport == "mqtt" and not _mosquitto():
        pytest.skip("未安装 mosquitto")
    env = {**os.environ, "ANJIAN_VAR_DIR": str(tmp_path), "SECRET_KEY": "bench-smoke"}
    url = os.environ.get("DATABASE_URL")
    database = None
    if url:  # the bench's database is named after this one: <name>_bench_gateways
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'anjian'}_smoke_{transport}"
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        database = f"{name}_bench_gateways"
    try:
        run = subprocess.run(  # noqa: S603 (our own manage.py)
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "bench_gateways",
                "--transport",
                transport,
                "--gateways",
                "5",
                "--messages",
                "2",
                "--burst",
                "--burst-seconds",
                "30",
                "--sample",
                "0.5",
                "--timeout",
                "60",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        if database:
            _drop(url, database)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    # 10 steady messages (5 gateways × 2 polls), then a burst of 15 (3 polls of 10 s).
    assert f"{transport} · " in out
    answered = re.findall(r"^([\d,]+) of ([\d,]+) messages answered", out, re.M)
    assert answered == [("10", "10"), ("15", "15")], out
    stored = re.findall(r"^Stored ([\d,]+) of ([\d,]+) readings sent \(([\d,]+)", out, re.M)
    assert stored == [("250", "250", "250"), ("375", "375", "375")], out
    table = [line for line in out.splitlines() if line.startswith(f"| {transport} |")]
    assert [line.split(" | ")[2] for line in table] == ["steady", "burst"]
    assert "Server RSS" in out and "load clients" in out


def _drop(url, database):
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
