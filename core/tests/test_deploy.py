"""The production deployment files (deploy/): the example environment file names every setting
the code reads and passes `manage.py check --deploy --fail-level WARNING`; the nginx site parses
with `nginx -t`; the systemd units start commands that exist; gunicorn accepts its config."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
ENV_FILE = DEPLOY / "anjian.env.example"
READ = re.compile(r"""env_(?:str|int|bool|list)\(\s*["']([A-Z0-9_]+)["']""")
GUNICORN_READ = re.compile(r"""os\.environ\.get\(\s*["']([A-Z0-9_]+)["']""")
UNIT_READ = re.compile(r"\$\{([A-Z0-9_]+)\}")
LINE = re.compile(r"^\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_file() -> tuple[dict[str, str], set[str]]:
    """(the values set, every name the file mentions, set or commented)."""
    values, named = {}, set()
    for line in ENV_FILE.read_text().splitlines():
        found = LINE.match(line)
        if not found:
            continue
        named.add(found[2])
        if not found[1]:
            values[found[2]] = found[3].strip().strip('"')
    return values, named


def settings_read() -> set[str]:
    names = set()
    for path in (ROOT / "anjian" / "settings.py", ROOT / "anjian" / "env.py"):
        names |= set(READ.findall(path.read_text()))
    names |= set(GUNICORN_READ.findall((DEPLOY / "gunicorn.conf.py").read_text()))
    for unit in (DEPLOY / "systemd").glob("*.service"):  # ${NAME} on a unit's command line
        names |= set(UNIT_READ.findall(unit.read_text()))
    return names


def test_the_env_file_names_every_setting_the_code_reads():
    _, named = env_file()
    missing = sorted(settings_read() - named)
    assert missing == [], (
        f"add them to deploy/anjian.env.example (commented, with the default): {missing}"
    )
    # And nothing that no code reads (a misspelt name would silently do nothing).
    assert sorted(named - settings_read()) == []


def run(args, tmp_path, env):
    clean = {k: v for k, v in os.environ.items() if k not in settings_read()}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.update(env)
    return subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


def test_check_deploy_is_clean_with_the_example_env_file(tmp_path):
    values, _ = env_file()
    # The file's paths are the server's; the checks themselves touch no database or broker.
    values.update(ANJIAN_VAR_DIR=str(tmp_path), MEDIA_ROOT=str(tmp_path / "media"))
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, values)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_example_env_file_makes_json_logs_and_checks_the_broker(tmp_path):
    values, _ = env_file()
    values.update(ANJIAN_VAR_DIR=str(tmp_path))
    show = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'anjian.settings'; "
        "django.setup(); from django.conf import settings as s; "
        "print(s.LOG_FORMAT, s.LOG_REQUESTS, s.HEALTH_CHECK_BROKER, s.HUEY['huey_class'], "
        "s.DATABASES['default']['ENGINE'])"
    )
    result = run(["-c", show], tmp_path, values)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "json",
        "True",
        "True",
        "huey.RedisHuey",
        "django.db.backends.postgresql",
    ]


NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
)


@pytest.mark.skipif(
    NGINX is None or shutil.which("openssl") is None,
    reason="nginx 未安装（make deploy-deps 安装 Debian 的 nginx）：未检查 deploy/nginx/anjian.conf",
)
def test_the_nginx_site_parses(tmp_path):
    key, cert = tmp_path / "anjian.key", tmp_path / "anjian.crt"
    subprocess.run(  # noqa: S603
        [
            shutil.which("openssl") or "openssl",
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=anjian.test", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "anjian.conf").read_text()
    site = site.replace("/etc/anjian/tls/anjian.crt", str(cert))
    site = site.replace("/etc/anjian/tls/anjian.key", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    # Debian's nginx.conf includes conf.d/*.conf inside http {}; so does this one.
    (tmp_path / "nginx.conf").write_text(
        f"error_log {tmp_path}/error.log;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(  # noqa: S603
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # Uploaded files are the app's to answer, never served from disk by nginx.
    assert re.search(r"location /media/ \{\s*return 404;", site)
    assert "proxy_set_header X-Request-ID" in site
    # Telemetry goes to the gateways' server, everything else to the app servers.
    assert re.search(r"location = /api/v1/telemetry \{\s*proxy_pass http://anjian_gateways;", site)


UNITS = sorted((DEPLOY / "systemd").glob("anjian-*@.service"))


def exec_start(unit: Path) -> str:
    [line] = [ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


def test_the_units_are_the_four_kinds_and_the_target():
    assert [u.name for u in UNITS] == [
        "anjian-gateway@.service",
        "anjian-ingest@.service",
        "anjian-web@.service",
        "anjian-worker@.service",
    ]
    for unit in UNITS:
        text = unit.read_text()
        assert "WantedBy=anjian.target" in text and "PartOf=anjian.target" in text, unit
        assert "EnvironmentFile=/etc/anjian/anjian.env" in text, unit
        assert "Restart=always" in text, unit
    assert (DEPLOY / "systemd" / "anjian.target").exists()


def test_the_units_name_commands_that_exist():
    commands = get_commands()
    home = "/opt/anjian/"
    for unit in UNITS:
        line = exec_start(unit)
        for program in re.findall(r"/opt/anjian/\.venv/bin/(\w+)", line):
            assert (ROOT / ".venv" / "bin" / program).exists(), (unit.name, program)
        for path in re.findall(r"/opt/anjian/(\S+\.py)", line):
            assert (ROOT / path).exists(), (unit.name, path)
        for command in re.findall(r"manage\.py (\w+)", line):
            assert command in commands, (unit.name, command)
        assert home in line
    assert "manage.py run_huey" in exec_start(DEPLOY / "systemd" / "anjian-worker@.service")
    ingest = exec_start(DEPLOY / "systemd" / "anjian-ingest@.service")
    assert "manage.py ingest_mqtt --worker %i" in ingest  # a stable client id per instance
    web = exec_start(DEPLOY / "systemd" / "anjian-web@.service")
    assert "anjian.wsgi" in web and "--bind 127.0.0.1:%i" in web
    gateway = exec_start(DEPLOY / "systemd" / "anjian-gateway@.service")
    assert "anjian.gateway:application" in gateway and "--port %i" in gateway
    assert "--host 127.0.0.1" in gateway and "--workers ${GATEWAY_WORKERS}" in gateway


def test_only_the_first_worker_schedules_the_periodic_tasks():
    line = exec_start(DEPLOY / "systemd" / "anjian-worker@.service")
    script = line.split("-c ", 1)[1].strip("'").replace("exec ", "echo ")
    for instance, expected in (("1", False), ("2", True)):
        shown = subprocess.run(  # noqa: S603
            ["/bin/sh", "-c", script.replace("%i", instance)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert ("--no-periodic" in shown) is expected, (instance, shown)


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(
    SYSTEMD_ANALYZE is None,
    reason="systemd-analyze 未安装（make deploy-deps 安装 Debian 的 systemd）：未校验 systemd 单元",
)
def test_systemd_analyze_verifies_every_unit(tmp_path):
    """`systemd-analyze verify` on each unit and timer (no running systemd needed), the checkout
    standing in for /opt/anjian so that every ExecStart names a program that exists: any
    warning (an unknown key, a value it cannot read, a missing command) fails."""
    units = [
        *sorted((DEPLOY / "systemd").glob("*.service")),
        *sorted((DEPLOY / "systemd").glob("*.target")),
        *sorted((DEPLOY / "backup").glob("*.service")),
        *sorted((DEPLOY / "backup").glob("*.timer")),
    ]
    assert len(units) == 9
    env_file = tmp_path / "anjian.env"
    env_file.write_text("")
    copies = tmp_path / "units"
    copies.mkdir()
    for unit in units:
        text = unit.read_text()
        assert "/opt/anjian/" in text or unit.suffix in (".target", ".timer"), unit
        text = text.replace("/etc/anjian/anjian.env", str(env_file))
        (copies / unit.name).write_text(text.replace("/opt/anjian", str(ROOT)))
    result = subprocess.run(  # noqa: S603
        [SYSTEMD_ANALYZE, "verify", *(str(copies / unit.name) for unit in units)],
        capture_output=True,
        text=True,
        check=False,
        cwd=copies,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (result.stdout + result.stderr).strip() == ""


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_gunicorn_accepts_its_config(tmp_path, log_format):
    values, _ = env_file()
    values.update(ANJIAN_VAR_DIR=str(tmp_path), LOG_FORMAT=log_format)
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    result = subprocess.run(  # noqa: S603
        [str(gunicorn), "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"), "anjian.wsgi"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in settings_read()}, **values},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
