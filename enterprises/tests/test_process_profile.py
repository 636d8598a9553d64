"""The equipment and process profile (设备工艺画像, seed task 21): filled on the enterprise form
(grouped by kind), in the Excel import (a column like the sector tags', unknown names a row
error, a file without the column keeping the profile) and export, and in the API by code; on
the accident form and API too."""

import io
import json

from openpyxl import load_workbook

from accidents.models import AccidentCase
from accounts.roles import Role
from conftest import client_for, post_json
from enterprises import spreadsheet
from enterprises.models import Enterprise, ProcessKind

from .test_import import errors_at, post_import, rejected, row, success_message, xlsx_upload


def codes(enterprise):
    return sorted(enterprise.process_kinds.values_list("code", flat=True))


def test_the_form_shows_the_kinds_grouped_and_saves_them(client, users, enterprise_a):
    client_for(client, users[Role.PRINCIPAL])
    page = client.get(f"/enterprises/{enterprise_a.pk}/edit/").content.decode()
    page = page[page.index('id="id_process_kinds"') :]
    # Grouped: each group's label before its kinds.
    marks = [
        'me-2">设备设施<',
        "冲天炉",
        'me-2">工艺<',
        "喷涂",
        'me-2">有限空间<',
        "污水池、化粪池、窨井",
    ]
    places = [page.index(mark) for mark in marks]
    assert places == sorted(places)
    form = client.get(f"/enterprises/{enterprise_a.pk}/edit/").context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("sector_tags", "process_kinds")
    }
    data["sector_tags"] = ["foundry"]
    data["process_kinds"] = ["induction_furnace", "spray_painting"]
    response = client.post(f"/enterprises/{enterprise_a.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert codes(enterprise_a) == ["induction_furnace", "spray_painting"]
    detail = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert "中频炉" in detail and "喷涂" in detail


def test_the_import_reads_the_column(client, users):
    rows = [row(101, sector_tags="机械铸造", process_kinds="中频炉、喷涂，除尘系统")]
    response = post_import(client, users[Role.COUNTY_ADMIN], xlsx_upload(rows))
    assert response.status_code == 302, response.context.get("errors")
    assert "新增 1 家" in success_message(response)
    enterprise = Enterprise.objects.get(name="高唐县测试101号有限公司")
    assert codes(enterprise) == ["dust_collector", "induction_furnace", "spray_painting"]


def test_an_unknown_kind_is_a_row_error(client, users):
    errors = rejected(
        client, users[Role.COUNTY_ADMIN], [row(101, process_kinds="中频炉、炼钢转炉、烤箱")]
    )
    assert errors_at(errors, 2, "设备工艺") == ["未知的设备工艺：炼钢转炉、烤箱"]


def test_a_file_without_the_column_keeps_the_profile(client, users, enterprise_a):
    enterprise_a.process_kinds.set(ProcessKind.objects.filter(code="cupola"))
    headers = [h for h in spreadsheet.HEADERS if h != "设备工艺"]
    values = row(
        1,
        credit_code=enterprise_a.credit_code,
        name=enterprise_a.name,
        sector_tags="机械铸造",
        employee_count=130,
    )
    index = spreadsheet.HEADERS.index("设备工艺")
    values = values[:index] + values[index + 1 :]
    response = post_import(client, users[Role.COUNTY_ADMIN], xlsx_upload([values], headers))
    assert response.status_code == 302, response.context.get("errors")
    enterprise_a.refresh_from_db()
    assert enterprise_a.employee_count == 130
    assert codes(enterprise_a) == ["cupola"]


def test_the_export_names_the_kinds(client, users, enterprise_a):
    enterprise_a.process_kinds.set(ProcessKind.objects.filter(code__in=["silo", "boiler"]))
    workbook = spreadsheet.export_workbook(Enterprise.objects.filter(pk=enterprise_a.pk))
    sheet = load_workbook(io.BytesIO(workbook.getvalue())).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("设备工艺") + 1).value == "筒仓、锅炉"


def test_the_api_reads_and_writes_codes(client, api, enterprise_a):
    client = api(Role.COUNTY_ADMIN)
    url = f"/api/v1/enterprises/{enterprise_a.pk}"
    response = client.patch(
        url, json.dumps({"process_kinds": ["silo", "tank"]}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["process_kinds"]) == ["silo", "tank"]
    response = client.patch(
        url, json.dumps({"process_kinds": ["no_such_kind"]}), content_type="application/json"
    )
    assert response.status_code == 422
    assert codes(enterprise_a) == ["silo", "tank"]


def test_an_accident_takes_kinds_and_a_local_one_the_enterprises(api, users, enterprise_a):
    enterprise_a.process_kinds.set(ProcessKind.objects.filter(code="cupola"))
    client = api(Role.SUPERVISOR)
    base = {
        "occurred_at": "2026-01-05T09:00:00+08:00",
        "category": "machinery",
        "deaths": 0,
        "minor_injuries": 1,
        "summary": "经过",
    }
    response = post_json(
        client,
        "/api/v1/accidents",
        {**base, "source": "local", "enterprise_id": enterprise_a.pk, "title": "本县事故"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["process_kinds"] == ["cupola"]
    response = post_json(
        client,
        "/api/v1/accidents",
        {
            **base,
            "source": "external",
            "title": "外地事故",
            "location": "江苏省某市",
            "industry": "machinery",
            "process_kinds": ["spray_painting", "dust_collector"],
        },
    )
    assert response.status_code == 201, response.content
    external = AccidentCase.objects.get(title="外地事故")
    assert sorted(external.process_kinds.values_list("code", flat=True)) == [
        "dust_collector",
        "spray_painting",
    ]
    response = post_json(
        client,
        "/api/v1/accidents",
        {
            **base,
            "source": "external",
            "title": "坏",
            "location": "某地",
            "industry": "machinery",
            "process_kinds": ["nope"],
        },
    )
    assert response.status_code == 422
    assert "涉及设备工艺代码无效：nope" in response.content.decode()
    assert not AccidentCase.objects.filter(title="坏").exists()
