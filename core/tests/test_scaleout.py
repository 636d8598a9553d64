"""The scale-out test's own parts (deploy/scaleout/run.py; the run itself, minutes long, is
`make scaleout`): the nginx configuration it generates is one nginx accepts, with failover for
idempotent requests and for the telemetry; a 5xx counts as allowed only if it was in flight on
the killed app server; the readings' values."""

import importlib.util
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

HERE = Path(settings.BASE_DIR) / "deploy" / "scaleout"


def _module(name):
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location(f"scaleout_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nginx_configuration_fails_over_and_nginx_accepts_it(tmp_path):
    run = _module("run")
    config = run.nginx_config(tmp_path / "nginx", 18080, [18081, 18082])
    text = config.read_text()
    assert "listen 127.0.0.1:18080;" in text
    assert "server 127.0.0.1:18081" in text and "server 127.0.0.1:18082" in text
    assert "proxy_next_upstream error timeout;" in text
    # Telemetry alone is retried on the other server after it reached a dead one.
    assert text.count("non_idempotent") == 1
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        pytest.skip("nginx is not installed (make scaleout-deps)")
    checked = subprocess.run(  # noqa: S603 (a fixed command)
        [nginx, "-t", "-p", str(tmp_path / "nginx"), "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_only_5xx_in_flight_on_the_killed_server_are_allowed(tmp_path):
    run = _module("run")
    killed_at = 1_000_000.0
    lines = [
        # end, took, status, upstreams: in flight on the killed server when it died
        (killed_at + 0.01, 0.30, 502, "127.0.0.1:9001"),
        # tried the killed server after its death, answered by the other: a 200
        (killed_at + 2.00, 0.05, 200, "127.0.0.1:9001, 127.0.0.1:9002"),
        # a 5xx of the surviving server: not allowed
        (killed_at + 3.00, 0.05, 500, "127.0.0.1:9002"),
        # a 5xx of the killed server that began after its death: not allowed
        (killed_at + 4.00, 0.05, 502, "127.0.0.1:9001"),
    ]
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f'{end:.3f} {took:.3f} {status} "{up}" "-" POST /api/v1/hazards\n'
            for end, took, status, up in lines
        )
    )
    requests = [["1.0", "page", "200", "12.0"], ["2.0", "api-write", "502", "300.0"]]
    result = run.check_5xx(log, requests, {"at": killed_at}, 9001)
    assert (result["in_flight"], result["other"], result["unanswered"]) == (1, 2, 0)
    assert not result["ok"]
    assert len(result["listed"]) == 3
    clean = tmp_path / "clean.log"
    clean.write_text(log.read_text().splitlines()[0] + "\n")
    assert run.check_5xx(clean, requests, {"at": killed_at}, 9001)["ok"]
    assert not run.check_5xx(clean, [["1.0", "page", "0", "5.0"]], {"at": killed_at}, 9001)["ok"]


def test_readings_breach_once_a_cycle():
    values = _module("values")
    rng = random.Random(1)
    spark = {"normal": False, "noise": None, "breach": True, "cycle": 60, "phase": 7}
    sent = [values.value(spark, step, rng) for step in range(120)]
    assert [n for n, v in enumerate(sent) if v] == [7, 67]
    level = {"normal": 30.0, "noise": 0.5, "breach": None, "cycle": 60, "phase": 0}
    assert all(29.5 <= values.value(level, step, rng) <= 30.5 for step in range(50))
