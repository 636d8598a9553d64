"""The gap and its major hazard, the Excel import (all or nothing), scoping per role, the ID
number masked, bad input refused in Chinese with nothing saved, the list and the API."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.roles import Role
from certificates import services, spreadsheet
from certificates.models import Certificate, CertificateEvent, RequiredOperation
from certificates.tests.conftest import make_certificate, make_id
from conftest import client_for, post_json
from hazards.models import Hazard

D = datetime.date


def today():
    return timezone.localdate()


# --- the gap -----------------------------------------------------------------------------------


@pytest.fixture
def gap(users, enterprise_a, manager):
    """Two low-voltage electricians needed; one valid holder, one expired."""
    item = services.declare(manager, enterprise_a.pk, "1.2", 2, "配电室")
    make_certificate(enterprise_a, serial=1, issued_on=today() - datetime.timedelta(days=400))
    make_certificate(
        enterprise_a,
        serial=2,
        issued_on=D(2015, 1, 5),
        review_due_on=None,
        expires_on=D(2021, 1, 5),
    )
    return item


def test_the_gap_counts_valid_holders_only(gap, enterprise_a):
    [item] = services.work_items(enterprise_a)
    assert (item.valid, item.missing) == (1, 1)
    assert [g.required.pk for g in services.gaps(enterprise_a)] == [gap.pk]
    found = services.enterprises_with_gap(RequiredOperation.objects.all(), today())
    assert list(found) == [gap]


def test_the_tab_shows_the_gap_and_the_expired_holder_red(client, gap, users, enterprise_a):
    response = client_for(client, users[Role.SUPERVISOR]).get(
        reverse("certificates:enterprise", args=[enterprise_a.pk])
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "持证缺口 1 项" in text
    assert "持证人2（已过期）" in text
    assert 'class="table-danger"' in text
    assert "登记为重大事故隐患" in text


def test_an_inspector_raises_the_gap_as_a_major_hazard(client, gap, users, enterprise_a):
    officer = users[Role.ENFORCEMENT_OFFICER]
    response = client_for(client, officer).post(reverse("certificates:raise_gap", args=[gap.pk]))
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.is_major
    assert (hazard.criterion.article, hazard.criterion.item) == (3, 2)
    assert hazard.enterprise == enterprise_a
    assert "低压电工作业" in hazard.description
    gap.refresh_from_db()
    assert gap.hazard == hazard
    # Once while it is open.
    with pytest.raises(services.CertificateRefused) as refused:
        services.raise_gap(officer, gap.pk)
    assert refused.value.status == 409
    assert Hazard.objects.count() == 1


def test_only_inspectors_raise_and_only_a_real_gap(client, gap, users, enterprise_a, manager):
    response = client_for(client, manager).post(reverse("certificates:raise_gap", args=[gap.pk]))
    assert response.status_code == 403
    make_certificate(enterprise_a, serial=3, issued_on=today() - datetime.timedelta(days=10))
    with pytest.raises(services.CertificateRefused) as refused:
        services.raise_gap(users[Role.SUPERVISOR], gap.pk)
    assert refused.value.status == 409
    assert "没有缺口" in str(refused.value)
    assert not Hazard.objects.exists()


# --- import ------------------------------------------------------------------------------------


def workbook_file(rows, headers=None):
    book = Workbook()
    sheet = book.active
    sheet.append(headers or spreadsheet.HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "证书.xlsx"
    return out


def row(serial, **change):
    values = {
        "姓名": f"张{serial}",
        "身份证号": make_id(serial),
        "作业类别及操作项目": "焊接与热切割作业—熔化焊接与热切割作业",
        "证号": f"H{serial:08d}",
        "初领日期": datetime.datetime(2023, 5, 6),
        "应复审日期": None,
        "有效期至": "2029-05-06",
        "发证机关": "聊城市应急管理局",
        "作业岗位": "焊接车间",
    }
    values.update(change)
    return [values[h] for h in spreadsheet.HEADERS]


def test_import_saves_a_clean_file(client, users, enterprise_a, manager):
    upload = workbook_file([row(1), row(2)])
    response = client_for(client, manager).post(
        reverse("certificates:import", args=[enterprise_a.pk]), {"file": upload}
    )
    assert response.status_code == 302
    saved = Certificate.objects.order_by("number")
    assert [c.number for c in saved] == ["H00000001", "H00000002"]
    assert saved[0].review_due_on == D(2026, 5, 6)
    assert saved[0].expires_on == D(2029, 5, 6)
    assert saved[0].scope_path == enterprise_a.scope_path


def test_import_is_all_or_nothing_with_row_errors(client, users, enterprise_a, manager):
    make_certificate(enterprise_a, serial=9, operation="2.1", number="H00000009")
    upload = workbook_file(
        [
            row(1),
            row(2, 身份证号="371526198001011235"),
            row(3, 作业类别及操作项目="挖掘机作业"),
            row(4, 初领日期="去年"),
            row(5, 证号="H00000001"),
            row(9),
            row(6, 有效期至="2035-01-01"),
        ]
    )
    response = client_for(client, manager).post(
        reverse("certificates:import", args=[enterprise_a.pk]), {"file": upload}
    )
    assert response.status_code == 200
    errors = [(e.row, e.column) for e in response.context["errors"]]
    assert errors == [
        (3, "身份证号"),
        (4, "作业类别及操作项目"),
        (5, "初领日期"),
        (6, "证号"),
        (7, "证号"),
        (8, "有效期至"),
    ]
    text = response.content.decode()
    assert "校验位不正确" in text and "未导入任何数据" in text
    assert Certificate.objects.count() == 1


def test_import_refuses_a_file_that_is_not_the_template(client, users, enterprise_a, manager):
    upload = workbook_file([["a"]], headers=["名字"])
    response = client_for(client, manager).post(
        reverse("certificates:import", args=[enterprise_a.pk]), {"file": upload}
    )
    assert "表头与导入模板不一致" in response.content.decode()
    assert not Certificate.objects.exists()


def test_template_and_export_read_back(client, users, enterprise_a, manager):
    make_certificate(enterprise_a, serial=1)
    client_for(client, manager)
    template = client.get(reverse("certificates:template"))
    book = load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert [c.value for c in book.worksheets[0][1]] == spreadsheet.HEADERS
    exported = client.get(reverse("certificates:export", args=[enterprise_a.pk]))
    book = load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    values = [c.value for c in book.worksheets[0][2]]
    assert values[1] == make_id(1) and values[2] == "电工作业—低压电工作业"


# --- bad input ---------------------------------------------------------------------------------


GOOD = {
    "holder_name": "李四",
    "id_number": make_id(7),
    "operation": "3.1",
    "number": "G123",
    "issued_on": D(2023, 1, 1),
    "authority": "聊城市应急管理局",
}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"id_number": "12345"}, "id_number", "18 位"),
        ({"operation": "9.9"}, "operation", "请选择作业类别"),
        ({"issued_on": D(2999, 1, 1)}, "issued_on", "日期超出合理范围"),
        ({"expires_on": D(2022, 1, 1)}, "expires_on", "应晚于初领日期"),
        ({"expires_on": D(2030, 1, 1)}, "expires_on", "不能超过 6 年"),
        ({"holder_name": "  "}, "holder_name", "请填写姓名"),
        ({"number": "A\x00"}, "number", "控制字符"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_saved(
    users, enterprise_a, manager, change, field, words
):
    with pytest.raises(services.CertificateRefused) as refused:
        services.record(manager, {"enterprise_id": enterprise_a.pk, **GOOD, **change})
    assert refused.value.field == field
    assert words in str(refused.value)
    assert not Certificate.objects.exists()
    assert not CertificateEvent.objects.exists()


def test_the_form_shows_the_reason(client, users, enterprise_a, manager):
    data = {**GOOD, "id_number": "371526198001011235", "issued_on": "2023-01-01"}
    response = client_for(client, manager).post(
        reverse("certificates:create", args=[enterprise_a.pk]), data
    )
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    assert not Certificate.objects.exists()


def test_a_duplicate_number_is_refused(users, enterprise_a, manager):
    services.record(manager, {"enterprise_id": enterprise_a.pk, **GOOD})
    with pytest.raises(services.CertificateRefused) as refused:
        services.record(
            manager, {"enterprise_id": enterprise_a.pk, **GOOD, "id_number": make_id(8)}
        )
    assert refused.value.status == 409
    assert Certificate.objects.count() == 1


def test_a_bad_evidence_file_is_refused(users, enterprise_a, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("证.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(services.CertificateRefused) as refused:
        services.record(manager, {"enterprise_id": enterprise_a.pk, **GOOD}, fake)
    assert refused.value.field == "evidence"
    assert not Certificate.objects.exists()


# --- scoping -----------------------------------------------------------------------------------

# Who sees enterprise_a's (in town A) and enterprise_b's (town B) certificates.
SEES = {
    Role.COUNTY_ADMIN: (True, True),
    Role.SUPERVISOR: (True, True),
    Role.ENFORCEMENT_OFFICER: (True, True),
    Role.TOWN_SUPERVISOR: (True, False),
    Role.GRID_MEMBER: (True, False),
    Role.EXPERT: (True, False),
    Role.PRINCIPAL: (True, False),
    Role.SAFETY_OFFICER: (True, False),
    Role.EMPLOYEE: (False, False),
}


@pytest.mark.parametrize("role", list(SEES))
def test_scoping_per_role(client, users, enterprise_a, enterprise_b, role):
    mine = make_certificate(enterprise_a, serial=1)
    theirs = make_certificate(enterprise_b, serial=2)
    user = users[role]
    visible = set(Certificate.objects.for_user(user).values_list("pk", flat=True))
    assert (mine.pk in visible, theirs.pk in visible) == SEES[role]
    client_for(client, user)
    for enterprise, sees in zip((enterprise_a, enterprise_b), SEES[role], strict=True):
        response = client.get(reverse("certificates:enterprise", args=[enterprise.pk]))
        assert response.status_code == (200 if sees else (403 if role == Role.EMPLOYEE else 404))
    listed = client.get(reverse("certificates:list") + "?within=36500")
    if role in (Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR):
        names = {c.pk for c in listed.context["page"]}
        assert names == {c for c, s in zip((mine.pk, theirs.pk), SEES[role], strict=True) if s}
    else:
        assert listed.status_code == 403


@pytest.mark.parametrize(
    ("role", "full"),
    [
        (Role.SUPERVISOR, True),
        (Role.SAFETY_OFFICER, True),
        (Role.TOWN_SUPERVISOR, False),
        (Role.EXPERT, False),
    ],
)
def test_the_id_number_is_masked_except_to_the_enterprise_and_the_bureau(
    client, users, enterprise_a, role, full
):
    certificate = make_certificate(enterprise_a, serial=1)
    response = client_for(client, users[role]).get(
        reverse("certificates:enterprise", args=[enterprise_a.pk])
    )
    text = response.content.decode()
    assert (certificate.id_number in text) is full
    assert (certificate.masked_id in text) is not full


def test_the_list_filters_by_town_category_and_days(
    client, users, enterprise_a, enterprise_b, town_a
):
    soon = today() - datetime.timedelta(days=3 * 365 - 20)  # review due in about 20 days
    a = make_certificate(enterprise_a, serial=1, issued_on=soon)
    make_certificate(enterprise_b, serial=2, issued_on=soon, operation="3.1")
    make_certificate(enterprise_a, serial=3, issued_on=today() - datetime.timedelta(days=30))
    client_for(client, users[Role.SUPERVISOR])
    url = reverse("certificates:list")
    assert len(client.get(url).context["page"]) == 2
    assert [c.pk for c in client.get(url, {"town": town_a.pk}).context["page"]] == [a.pk]
    assert [c.pk for c in client.get(url, {"category": "1"}).context["page"]] == [a.pk]
    assert len(client.get(url, {"within": 5}).context["page"]) == 0
    exported = client.get(reverse("certificates:list_export"), {"town": town_a.pk})
    book = load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    assert book.worksheets[0].max_row == 2


# --- API ---------------------------------------------------------------------------------------


def test_api_lists_in_scope_and_masks(users, enterprise_a, enterprise_b, api):
    make_certificate(enterprise_a, serial=1)
    make_certificate(enterprise_b, serial=2)
    response = api(Role.TOWN_SUPERVISOR).get("/api/v1/certificates")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["enterprise_id"] for i in items] == [enterprise_a.pk]
    assert "*" in items[0]["id_number"]
    full = api(Role.SUPERVISOR).get("/api/v1/certificates").json()["items"]
    assert len(full) == 2 and "*" not in full[0]["id_number"]
    other = Certificate.objects.get(enterprise=enterprise_b)
    assert api(Role.TOWN_SUPERVISOR).get(f"/api/v1/certificates/{other.pk}").status_code == 404


def test_api_creates_and_refuses_in_chinese(users, enterprise_a, enterprise_b, api):
    client = api(Role.SAFETY_OFFICER)
    payload = {**GOOD, "issued_on": "2023-01-01"}
    response = post_json(client, "/api/v1/certificates", payload)
    assert response.status_code == 201, response.content
    assert response.json()["expires_on"] == "2029-01-01"
    bad = post_json(client, "/api/v1/certificates", {**payload, "number": "X", "id_number": "1"})
    assert bad.status_code == 422
    assert "身份证号" in bad.json()["detail"]
    foreign = post_json(
        client, "/api/v1/certificates", {**payload, "number": "Y", "enterprise_id": enterprise_b.pk}
    )
    assert foreign.status_code == 404
    assert Certificate.objects.count() == 1
    assert api(Role.EMPLOYEE).get("/api/v1/certificates").status_code in (403, 401)


def test_api_gaps_and_openapi(users, enterprise_a, manager, api):
    services.declare(manager, enterprise_a.pk, "4.1", 1)
    gaps = api(Role.SUPERVISOR).get(f"/api/v1/certificates/enterprises/{enterprise_a.pk}/gaps")
    assert gaps.json()[0]["missing"] == 1
    schema = api(Role.SUPERVISOR).get("/api/v1/openapi.json").json()
    assert "/api/v1/certificates" in schema["paths"]


# --- workbench and the gap list ----------------------------------------------------------------


def test_workbench_items_and_the_gap_list(client, gap, users, enterprise_a, manager):
    from workbench.items import items_for

    keys = {item.key: item.count for item in items_for(manager)}
    assert keys["certificates_gap"] == 1
    assert keys["certificates_due"] == 1  # the expired one
    county = {item.key: item for item in items_for(users[Role.SUPERVISOR])}
    assert county["certificates_gap"].url == reverse("certificates:gaps")
    assert not any(i.key.startswith("certificates") for i in items_for(users[Role.EMPLOYEE]))
    page = client_for(client, users[Role.TOWN_SUPERVISOR]).get(reverse("certificates:gaps"))
    assert [r.pk for r in page.context["page"]] == [gap.pk]


def test_api_records_a_review(users, enterprise_a, enterprise_b, api):
    certificate = make_certificate(enterprise_a, serial=1, issued_on=D(2020, 6, 1))
    client = api(Role.SAFETY_OFFICER)
    response = post_json(
        client, f"/api/v1/certificates/{certificate.pk}/review", {"on": "2023-05-20"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["review_due_on"] is None  # 2026-06-01 is the expiry: 延期换证 next
    assert response.json()["last_reviewed_on"] == "2023-05-20"
    other = make_certificate(enterprise_b, serial=2)
    foreign = post_json(client, f"/api/v1/certificates/{other.pk}/review", {"on": "2023-05-20"})
    assert foreign.status_code == 404
