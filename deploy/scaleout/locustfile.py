"""The HTTP traffic of the scale-out test (deploy/scaleout/run.py starts Locust with this file).

Reads the plan run.py wrote (SCALEOUT_PLAN: JSON with the accounts, the enterprise officer's API
token, the gateways of the HTTP telemetry) and writes, per Locust process, into SCALEOUT_OUT:
- requests-<pid>.tsv: every request: start (epoch s), class, status (0: no answer), ms;
- readings-<pid>.tsv: every reading an HTTP 2xx acknowledged: gateway, point, ts.

Classes: `page` (signed-in pages of the county supervisor, the town supervisor and the
enterprise safety officer), `login` (the real log-in form, once per simulated user), `api-read`
and `api-write` (hazard reports through the API with the officer's token), `telemetry`
(POST /api/v1/telemetry with a gateway token, one message of every point of the gateway a
second).
"""

import itertools
import json
import os
import random
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from locust import FastHttpUser, between, constant_pacing, events, task
from values import value

PLAN = json.loads(Path(os.environ["SCALEOUT_PLAN"]).read_text())
OUT = Path(os.environ["SCALEOUT_OUT"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_files: dict[str, object] = {}


def _log(kind: str, line: str) -> None:
    handle = _files.get(kind)
    if handle is None:
        handle = _files[kind] = (OUT / f"{kind}-{os.getpid()}.tsv").open("a", buffering=1)
    handle.write(line)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response, exception, **kw):
    status = getattr(response, "status_code", 0) or 0
    start = kw.get("start_time") or time.time() - response_time / 1000
    kind = name.split(" ", 1)[0]
    _log("requests", f"{start:.3f}\t{kind}\t{status}\t{response_time:.1f}\n")


@events.quitting.add_listener
def _close(environment, **kw):
    for handle in _files.values():
        handle.close()


class _Signed(FastHttpUser):
    """A person signed in through the log-in form, reading the pages of their role."""

    abstract = True
    username = ""
    pages: tuple[str, ...] = ()
    wait_time = between(1, 3)

    def on_start(self):
        with self.client.get("/accounts/login/", name="login form", catch_response=True) as got:
            found = CSRF.search(got.text or "")
            if not found:
                got.failure("no CSRF field on the log-in form")
                return
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": found.group(1),
                "username": self.username,
                "password": PLAN["password"],
                "next": "/",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login submit",
            catch_response=True,
        ) as answer:
            if 'name="password"' in (answer.text or ""):  # the form again
                answer.failure("log-in refused")

    @task
    def page(self):
        path = random.choice(self.pages)
        self.client.get(path, name=f"page {path}")


class CountySupervisor(_Signed):
    fixed_count = PLAN["users"]["county"]
    username = PLAN["accounts"]["county"]
    pages = ("/", "/hazards/", "/hazards/zero-out/", "/enterprises/", "/monitoring/", "/grading/")


class TownSupervisor(_Signed):
    fixed_count = PLAN["users"]["town"]
    username = PLAN["accounts"]["town"]
    pages = ("/", "/hazards/", "/enterprises/", "/monitoring/alarms/")


class EnterpriseOfficer(_Signed):
    """The enterprise's safety officer: pages, and hazard reports through the API."""

    fixed_count = PLAN["users"]["enterprise"]
    username = PLAN["accounts"]["enterprise"]
    pages = ("/", "/hazards/", f"/enterprises/{PLAN['enterprise_id']}/")

    @task
    def report_hazard(self):
        self.client.post(
            "/api/v1/hazards",
            json={
                "enterprise_id": PLAN["enterprise_id"],
                "source": "self_inspection",
                "description": f"压力测试自查发现：消防通道堆放杂物（{random.randrange(10**6)}）",
                "place": "成品库",
            },
            headers={"Authorization": f"Bearer {PLAN['api_token']}"},
            name="api-write POST /api/v1/hazards",
        )

    @task
    def read_hazards(self):
        self.client.get(
            "/api/v1/hazards?limit=20",
            headers={"Authorization": f"Bearer {PLAN['api_token']}"},
            name="api-read GET /api/v1/hazards",
        )


_gateways = itertools.cycle(PLAN["http_gateways"])


class Gateway(FastHttpUser):
    """One gateway (its own token): every point once a second, each reading a new time."""

    fixed_count = len(PLAN["http_gateways"])
    wait_time = constant_pacing(1)

    def on_start(self):
        self.gateway = next(_gateways)
        self.rng = random.Random(self.gateway["code"])
        self.step = 0

    @task
    def send(self):
        gw = self.gateway
        ts = datetime.now(UTC).isoformat(timespec="microseconds")
        readings = [
            {"point": code, "ts": ts, "value": value(point, self.step, self.rng)}
            for code, point in gw["points"].items()
        ]
        self.step += 1
        answer = self.client.post(
            "/api/v1/telemetry",
            json={"readings": readings},
            headers={"Authorization": f"Bearer {gw['token']}"},
            name="telemetry POST /api/v1/telemetry",
        )
        if 200 <= (answer.status_code or 0) < 300:
            _log("readings", "".join(f"{gw['code']}\t{r['point']}\t{ts}\n" for r in readings))
