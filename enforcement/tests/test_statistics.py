"""Statistics per town and month; towns with zero penalties and towns that inspect without
penalties are flagged (seed task 24)."""

import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from conftest import client_for
from core.tests.test_xlsx import CONTROLS, FORMULAS, text_cells_only
from enforcement.penalties import services as penalty_services
from enforcement.penalties import statistics
from enforcement.plans import services


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


@pytest.fixture
def year_of_work(inspect, enforcer, enterprise_a, enterprise_a2, enterprise_b, town_a, town_b):
    """town_a: two inspections (three hazards, one major) and a penalty case from one of them;
    town_b: one inspection without findings and no case."""
    today = timezone.localdate()
    first = inspect(enterprise_a, wanting=2)
    inspect(enterprise_a2, wanting=1)
    inspect(enterprise_b)
    inspect(enterprise_b, complete=False)  # drafts do not count
    penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "事实", "依据", "5000", inspection_id=first.pk
    )
    return today


def test_figures_and_flags(enforcer, year_of_work, town_a, town_b):
    rows = {r.town.pk: r for r in statistics.by_town(enforcer, year_of_work.year)}
    a, b = rows[town_a.pk], rows[town_b.pk]
    assert a.totals["inspections"] == 2 and a.totals["hazards"] == 3
    assert a.totals["majors"] >= 1 and a.totals["penalties"] == 1
    assert a.totals["amount"] == 5000
    assert a.month(year_of_work.month)["inspections"] == 2
    assert a.flags == []
    assert b.totals["inspections"] == 1 and b.totals["penalties"] == 0
    assert b.flags == [statistics.ZERO_PENALTY, statistics.CHECK_ONLY]
    # another year: nothing done, every town zero-penalty but none check-only
    for row in statistics.by_town(enforcer, year_of_work.year - 1):
        assert row.flags == [statistics.ZERO_PENALTY]


def test_town_supervisor_sees_own_town(users, year_of_work, town_a):
    rows = statistics.by_town(users[Role.TOWN_SUPERVISOR], year_of_work.year)
    assert [r.town.pk for r in rows] == [town_a.pk]
    assert rows[0].totals["inspections"] == 2


def test_page_export_and_api(client, enforcer, year_of_work):
    client_for(client, enforcer)
    page = client.get(f"/enforcement/statistics/?year={year_of_work.year}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "只检查不处罚" in html and "清平镇" in html and "chart-months" in html
    export = client.get(f"/enforcement/statistics/?year={year_of_work.year}&format=xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.getvalue()))
    towns = {row[0]: row for row in book["按镇街"].iter_rows(min_row=3, values_only=True) if row}
    assert towns["清平镇"][1] == 1 and "只检查不处罚" in towns["清平镇"][6]
    assert towns["赵寨子镇"][4] == 1
    assert book["按镇街按月"].max_row == 1 + 12 * 2
    api = client.get(f"/api/v1/inspection-statistics?year={year_of_work.year}").json()
    by_name = {row["town"]: row for row in api}
    assert by_name["清平镇"]["flags"] == ["零处罚", "只检查不处罚"]
    assert by_name["赵寨子镇"]["inspections"] == 2
    assert client.get("/api/v1/inspection-statistics?year=1900").status_code == 422
    assert client.get("/enforcement/statistics/?year=abc").status_code == 200


def test_the_export_survives_stored_control_characters_and_formula_text(
    client, enforcer, year_of_work, town_a, town_b
):
    """Town names stored before input was checked (straight through the ORM)."""
    type(town_a).objects.filter(pk=town_a.pk).update(name=FORMULAS[0])
    type(town_b).objects.filter(pk=town_b.pk).update(name=f"清平{CONTROLS}镇")
    client_for(client, enforcer)
    export = client.get(f"/enforcement/statistics/?year={year_of_work.year}&format=xlsx")
    assert export.status_code == 200
    book = text_cells_only(export.getvalue())
    towns = [row[0] for row in book["按镇街"].iter_rows(min_row=3, max_row=4, values_only=True)]
    assert set(towns) == {FORMULAS[0], "清平镇"}


def test_plan_progress_on_the_plan_page(client, enforcer, inspect, enterprise_a):
    today = timezone.localdate()
    plan = services.create_plan(enforcer, today.year, random_by_month={"1": 10})
    inspect(enterprise_a, day=date(today.year, today.month, 1))  # on the key list, unlinked
    progress = services.plan_progress(plan)
    assert progress[today.month - 1]["done_key"] == 1
