"""Query-count baselines for the list pages and list endpoints: the number of queries a list
takes does not grow with its rows (an N+1 fails here), and does not exceed the committed
baseline (query_baselines.json next to this file). After a deliberate change, rewrite the
baselines with `UPDATE_QUERY_BASELINES=1 pytest core/tests/test_query_counts.py` and commit
them with the change that moved them."""

import json
import os
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accidents import services as accident_services
from accidents.tests.conftest import local_data
from accounts.roles import Role
from conftest import make_enterprise
from enforcement.penalties import services as enforcement_penalty_services
from hazards import services as hazard_services
from monitoring import partitions
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest
from projects import services as project_services
from projects.tests.conftest import project_data
from risks import checks as risk_checks
from risks import services as risk_services

BASELINES = Path(__file__).with_name("query_baselines.json")


def _enterprises(ctx, n):
    for _ in range(n):
        ctx["serial"] += 1
        make_enterprise(
            ctx["town"], serial=100 + ctx["serial"], name=f"高唐县测试企业{ctx['serial']}"
        )


def _hazards(ctx, n):
    for _ in range(n):
        hazard_services.report(
            ctx["user"], ctx["enterprise"].pk, source="enforcement", description="积尘未清理"
        )


def _accidents(ctx, n):
    for _ in range(n):
        accident_services.record(ctx["user"], local_data(ctx["enterprise"]))


def _projects(ctx, n):
    for _ in range(n):
        project_services.register(ctx["user"], project_data(ctx["enterprise"]))


def _equipment(ctx, n):
    for _ in range(n):
        project_services.record_equipment(
            ctx["user"],
            {
                "enterprise_id": ctx["enterprise"].pk,
                "name": "无芯工频感应电炉",
                "kind": "production",
            },
        )


def _penalties(ctx, n):
    for _ in range(n):
        enforcement_penalty_services.file_penalty(
            ctx["user"], ctx["enterprise"].pk, "未按规定清理积尘", "第九条"
        )


def _alarms(ctx, n):
    if "gateway" not in ctx:
        ctx["gateway"] = make_gateway(ctx["enterprise"], "GW-Q")
    gateway = ctx["gateway"]
    now = timezone.now()
    for _ in range(n):
        ctx["serial"] += 1
        code = f"al{ctx['serial']}"
        make_point(gateway, code, "airlock_fault")
        ingest(gateway, [{"point": code, "ts": now.isoformat(), "value": True}], now=now)


def _ratings(ctx, n):
    from standardization.models import Rating

    for _ in range(n):
        ctx["serial"] += 1
        enterprise = make_enterprise(
            ctx["town"], serial=300 + ctx["serial"], name=f"高唐县定级企业{ctx['serial']}"
        )
        Rating.objects.create(enterprise=enterprise, grade="level3", applied_by=ctx["user"])


def _spot_checks(ctx, n):
    from standardization.models import Rating, SpotCheck

    for _ in range(n):
        ctx["serial"] += 1
        enterprise = make_enterprise(
            ctx["town"], serial=300 + ctx["serial"], name=f"高唐县抽查企业{ctx['serial']}"
        )
        rating = Rating.objects.create(
            enterprise=enterprise, grade="level3", state="checking", applied_by=ctx["user"]
        )
        SpotCheck.objects.create(rating=rating, reason="manual", started_by=ctx["user"])


def _benchmarks(ctx, n):
    from standardization.models import Benchmark

    for _ in range(n):
        ctx["serial"] += 1
        enterprise = make_enterprise(
            ctx["town"], serial=300 + ctx["serial"], name=f"高唐县标杆企业{ctx['serial']}"
        )
        Benchmark.objects.create(
            enterprise=enterprise,
            industry="machinery",
            grade="level3",
            year=2025,
            citation="示范",
            chosen_by=ctx["user"],
        )


def _risks(ctx, n):
    if "manager" not in ctx:
        from conftest import make_user

        ctx["manager"] = make_user("q_principal", Role.PRINCIPAL, enterprise=ctx["enterprise"])
    manager = ctx["manager"]
    for _ in range(n):
        ctx["serial"] += 1
        unit = risk_services.add_unit(
            manager, ctx["enterprise"].pk, name=f"单元{ctx['serial']}", kind="workshop"
        )
        point = risk_services.add_point(manager, unit.pk, name="风险点")
        risk = risk_services.add_risk(
            manager,
            point.pk,
            factor_kind="thing",
            accident_type="fire",
            description="电气线路老化",
            method="ls",
            factors={"l": 4, "s": 5},
        )
        risk_services.add_measure(
            manager,
            risk.pk,
            kind="engineering",
            description="更换线路",
            control_level="company",
            owner_name="王建国",
        )


def _checks(ctx, n):
    _risks(ctx, n)
    risk_checks.generate(timezone.localdate())  # a quarterly task per company-level measure


def _town_plans(ctx, n):
    """Towns of the county, each with a plan (a goal and a note), written directly."""
    from core.models import Jurisdiction, JurisdictionKind
    from targets.models import PlanNote, TownPlan, TownTarget

    for _ in range(n):
        ctx["serial"] += 1
        town = Jurisdiction.objects.create(
            code=f"q-town-{ctx['serial']}",
            name=f"测试镇{ctx['serial']}",
            kind=JurisdictionKind.TOWN,
            parent=ctx["town"].parent,
        )
        plan = TownPlan.objects.create(jurisdiction=town, title="方案", created_by=ctx["user"])
        TownTarget.objects.create(plan=plan, measure="connect", year=2026, goal=100)
        PlanNote.objects.create(
            plan=plan, written_on=timezone.localdate(), text="推进", author=ctx["user"]
        )


def _target_reports(ctx, n):
    from datetime import date

    from targets.models import Report

    user = ctx["user"]
    for _ in range(n):
        ctx["serial"] += 1
        Report.objects.create(
            jurisdiction=user.jurisdiction,
            kind="annual",
            period_start=date(2000 + ctx["serial"], 1, 1),
            period_end=date(2000 + ctx["serial"], 12, 31),
            title=f"报告{ctx['serial']}",
            drafted_by=user,
        )


def _register_url(ctx) -> str:
    return f"/risks/enterprises/{ctx['enterprise'].pk}/"


# name → (URL, how to add n rows). Pages and API endpoints alike, as the supervisor sees them.
LISTS = {
    "page enterprises": ("/enterprises/", _enterprises),
    "page hazards": ("/hazards/", _hazards),
    "page alarms": ("/monitoring/alarms/", _alarms),
    "page accidents": ("/accidents/", _accidents),
    "page penalties": ("/enforcement/penalties/", _penalties),
    "page standardization": ("/standardization/", _ratings),
    "page standardization checks": ("/standardization/checks/", _spot_checks),
    "page standardization benchmarks": ("/standardization/benchmarks/", _benchmarks),
    "page public benchmarks": ("/public/benchmarks/", _benchmarks),
    "page risks": ("/risks/", _risks),
    "page risk register": (_register_url, _risks),
    "page risk checks": ("/risks/checks/", _checks),
    "page risk distribution": ("/risks/distribution/", _risks),
    "page risks not running": ("/risks/not-running/", _enterprises),
    "page target reports": ("/targets/reports/", _target_reports),
    "api target reports": ("/api/v1/targets/reports", _target_reports),
    "api enterprises": ("/api/v1/enterprises", _enterprises),
    "api standardization": ("/api/v1/standardization", _ratings),
    "api hazards": ("/api/v1/hazards", _hazards),
    "api alarms": ("/api/v1/alarms", _alarms),
    "api accidents": ("/api/v1/accidents", _accidents),
    "api penalties": ("/api/v1/penalties", _penalties),
    "page projects": ("/projects/", _projects),
    "api projects": ("/api/v1/projects", _projects),
    "api project equipment": ("/api/v1/projects/equipment", _equipment),
    "api risks": ("/api/v1/risks", _risks),
    "api risk checks": ("/api/v1/risks/checks", _checks),
    "page town plans": ("/targets/plans/", _town_plans),
    "api town plans": ("/api/v1/targets/plans", _town_plans),
    "page targets screen": ("/targets/screen/", _alarms),
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _counts(client, users, enterprise_a, town_a, name) -> tuple[int, int]:
    url, add = LISTS[name]
    user = users[Role.SUPERVISOR]
    client.force_login(user)
    ctx = {"user": user, "enterprise": enterprise_a, "town": town_a, "serial": 0}
    add(ctx, 1)
    if callable(url):
        url = url(ctx)
    one = _count(client, url)
    add(ctx, 4)
    return one, _count(client, url)


@pytest.fixture(autouse=True)
def _fresh_partitions():
    # Readings are stored here; a reading partition made in a test's rolled-back transaction is
    # gone afterwards, so none is remembered across tests (as in monitoring's own).
    partitions.forget()
    yield
    partitions.forget()


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_takes_as_many_queries_for_five_rows_as_for_one(
    client, users, enterprise_a, town_a, immediate_tasks, name
):
    one, five = _counts(client, users, enterprise_a, town_a, name)
    assert five == one, f"{name}: {one} queries for one row, {five} for five"
    if os.environ.get("UPDATE_QUERY_BASELINES"):
        baselines = json.loads(BASELINES.read_text()) if BASELINES.exists() else {}
        baselines[name] = five
        BASELINES.write_text(json.dumps(dict(sorted(baselines.items())), indent=2) + "\n")
        return
    baseline = json.loads(BASELINES.read_text())[name]
    assert five <= baseline, f"{name}: {five} queries, the baseline is {baseline}"


def test_every_list_has_a_baseline():
    assert sorted(json.loads(BASELINES.read_text())) == sorted(LISTS)
