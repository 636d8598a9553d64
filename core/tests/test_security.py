"""Deployment and security settings: read from the environment (HTTPS redirect, HSTS, the proxy's
HTTPS header, secure cookies), `manage.py check --deploy` clean with production settings, the
Content-Security-Policy and the templates it allows, the hosts answered, and Chinese answers
for a bad request and a CSRF refusal."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.roles import Role
from conftest import client_for

ROOT = Path(settings.BASE_DIR)
# What an operator sets for a production deployment behind a TLS-ending proxy (README).
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 10 + "production-secret-of-enough-length-and-variety-1234567890",
    "ALLOWED_HOSTS": "anjian.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://anjian.example.gov.cn",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_PROXY_SSL_HEADER": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}
# The settings' own variables, removed so the host's environment does not leak in.
OURS = {*PRODUCTION, "TRUSTED_PROXY_COUNT"}


def run(args, tmp_path, **env):
    clean = {key: value for key, value in os.environ.items() if key not in OURS}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.update(ANJIAN_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


SHOW = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "anjian.settings"
import django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "hosts": s.ALLOWED_HOSTS,
    "redirect": s.SECURE_SSL_REDIRECT,
    "proxy": s.SECURE_PROXY_SSL_HEADER,
    "hsts": [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD],
    "cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
}))
"""


def test_the_default_answers_no_testserver_and_forces_no_https(tmp_path):
    result = run(["-c", SHOW], tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["hosts"] == ["127.0.0.1", "localhost"]
    assert shown["redirect"] is False and shown["proxy"] is None
    assert shown["hsts"] == [0, False, False]
    assert shown["cookies"] == [False, False]


def test_https_settings_come_from_the_environment(tmp_path):
    result = run(["-c", SHOW], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["hosts"] == ["anjian.example.gov.cn"]
    assert shown["redirect"] is True
    assert shown["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["hsts"] == [31536000, True, True]
    assert shown["cookies"] == [True, True]


def test_a_misspelt_boolean_stops_the_process(tmp_path):
    result = run(["-c", SHOW], tmp_path, SECURE_SSL_REDIRECT="yes please")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be a boolean" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_the_embedded_default_leaves_off(tmp_path):
    # The embedded default serves http://127.0.0.1: the checks say what a deployment must set.
    result = run(["manage.py", "check", "--deploy"], tmp_path)
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stdout + result.stderr, code


# --- HTTPS in a request --------------------------------------------------------------------------


@pytest.fixture
def https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


def test_plain_http_is_redirected_and_https_gets_hsts(https, db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"

    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_health_check_is_answered_over_plain_http(https, db):
    assert Client().get("/healthz").status_code == 200


# --- Content-Security-Policy ---------------------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_a_strict_policy_and_inline_scripts_its_nonce(client, users):
    client_for(client, users[Role.SUPERVISOR])
    response = client.get("/hazards/zero-out/")
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    # The board's chart is set up by a static script (static/js/charts.js); the commitment
    # form's inline script carries the response's nonce.
    client_for(client, users[Role.PRINCIPAL])
    response = client.get("/reporting/commitments/new/")
    assert response.status_code == 200
    csp = policy(response)
    [nonce] = [value for value in csp["script-src"] if value.startswith("'nonce-")]
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert any("nonce=" in attributes for attributes in inline), "the form's script"
    for attributes in inline:
        assert "application/json" in attributes or f'nonce="{nonce[7:-1]}"' in attributes
    # A new nonce each response.
    assert policy(client.get("/reporting/commitments/new/"))["script-src"] != csp["script-src"]


def test_the_public_and_login_pages_carry_the_policy_too(client, db):
    for url in ("/accounts/login/", "/public/draws/"):
        assert "default-src 'self'" in client.get(url)["Content-Security-Policy"], url


TEMPLATES = [
    path
    for path in ROOT.glob("*/templates/**/*.html")
    if "node_modules" not in path.parts and ".venv" not in path.parts
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_without_the_nonce_or_an_event_handler():
    assert len(TEMPLATES) > 50
    for path in TEMPLATES:
        text = path.read_text()
        for tag in INLINE_SCRIPT.findall(text):
            assert "request.csp_nonce" in tag, (path, tag)
        assert not EVENT_HANDLER.search(text.replace("json_script", "")), path
        assert "<style" not in text, path


# --- hosts, bad requests and CSRF ----------------------------------------------------------------


def test_an_unknown_host_gets_the_chinese_400_page(client, db):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求有误" in html and "Bad Request" not in html


def test_a_page_post_without_csrf_gets_a_chinese_403(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.SUPERVISOR])
    response = client.post("/accounts/tokens/", {"name": "无令牌"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "请求未通过 CSRF 校验" in html and "Forbidden" not in html


def test_an_api_call_on_the_session_without_csrf_gets_chinese_json(users, enterprise_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.SUPERVISOR])
    response = client.patch(
        f"/api/v1/enterprises/{enterprise_a.pk}",
        json.dumps({"employee_count": 9}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "请求未通过 CSRF 校验，请刷新页面后重试"}
    enterprise_a.refresh_from_db()
    assert enterprise_a.employee_count == 120


CHART_KIND = re.compile(r'data-chart="([^"]+)"')


def test_every_chart_is_set_up_by_the_one_chart_script():
    """ECharts is set up in static/js/charts.js alone: no template calls it, and every chart a
    template declares (data-chart) is one the script knows, on a page that loads the script."""
    script = (ROOT / "static" / "js" / "charts.js").read_text()
    declared = 0
    for path in TEMPLATES:
        text = path.read_text()
        assert "echarts.init" not in text, path
        for kind in CHART_KIND.findall(text):
            declared += 1
            assert f'"{kind}": ' in script or f" {kind}: " in script, (path, kind)
    assert declared >= 7
    pages = [p for p in TEMPLATES if "echarts.min.js" in p.read_text()]
    assert pages and all("js/charts.js" in p.read_text() for p in pages)
