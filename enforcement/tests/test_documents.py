"""Documents open in Word's format and hold the inspection's data; numbers run per issuing
body, kind and year and restart with the year."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from accounts.roles import Role
from conftest import client_for
from enforcement.inspections import documents, numbering
from enforcement.inspections import services as inspections
from enforcement.models import DocumentKind, InspectionDocument, Penalty
from enforcement.penalties import services as penalty_services


def text_of(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


def test_record_and_order_hold_the_inspection(inspect, enterprise_a, inspectors):
    inspection = inspect(enterprise_a, wanting=2)
    record = inspection.documents.get(kind=DocumentKind.RECORD)
    order = inspection.documents.get(kind=DocumentKind.RECTIFY_ORDER)
    year = inspection.inspected_on.year
    assert record.number == f"高唐应急检记〔{year}〕1号"
    assert order.number == f"高唐应急责改〔{year}〕1号"
    wanting = list(inspection.answers.filter(result="not_compliant").order_by("id"))
    assert len(wanting) == 2

    text = text_of(documents.render(record))
    assert "现场检查记录" in text and "高唐县应急管理局" in text
    assert enterprise_a.name in text and record.number in text and enterprise_a.credit_code in text
    assert inspectors[0].display_name in text and inspectors[0].badge_number in text
    assert "检查情况说明" in text
    assert text.count("不符合") >= 2

    text = text_of(documents.render(order))
    assert "责令限期整改指令书" in text and order.number in text and enterprise_a.name in text
    for answer in wanting:
        assert answer.note in text
    deadline = inspection.rectify_deadline
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日前整改完毕" in text
    assert "重大事故隐患" in text  # the first item found wanting is a criterion


def test_runs_carry_east_asian_fonts(inspect, enterprise_b):
    inspection = inspect(enterprise_b)
    doc = Document(io.BytesIO(documents.render(inspection.documents.get())))
    fonts = {
        run._element.rPr.rFonts.get(qn("w:eastAsia"))
        for paragraph in doc.paragraphs
        for run in paragraph.runs
    }
    assert fonts <= {"宋体", "仿宋"} and "仿宋" in fonts


def test_recheck_document_lists_hazard_states(inspect, enterprise_a, enforcer):
    inspection = inspect(enterprise_a, wanting=1)
    recheck = inspections.recheck(enforcer, inspection.pk, timezone.localdate(), "隐患尚未整改完毕")
    document = recheck.document
    assert document.number == f"高唐应急复查〔{timezone.localdate().year}〕1号"
    text = text_of(documents.render(document))
    order = inspection.documents.get(kind=DocumentKind.RECTIFY_ORDER)
    assert "整改复查意见书" in text and order.number in text and enterprise_a.name in text
    assert "已确认" in text and "隐患尚未整改完毕" in text


def test_numbers_increment_and_restart_next_year(inspect, enterprise_a, enterprise_b):
    today = timezone.localdate()
    last_year = date(today.year - 1, 12, 30)
    old = inspect(enterprise_a, day=last_year)
    first = inspect(enterprise_b)
    second = inspect(enterprise_a, wanting=1)
    numbers = [i.documents.get(kind=DocumentKind.RECORD).number for i in (old, first, second)]
    assert numbers == [
        f"高唐应急检记〔{today.year - 1}〕1号",
        f"高唐应急检记〔{today.year}〕1号",
        f"高唐应急检记〔{today.year}〕2号",
    ]
    # the order counter is its own
    order = second.documents.get(kind=DocumentKind.RECTIFY_ORDER)
    assert order.number == f"高唐应急责改〔{today.year}〕1号"
    assert InspectionDocument.objects.count() == 4


def test_allocate_counts_per_body_kind_and_year(county, town_a):
    with transaction.atomic():
        assert numbering.allocate(county, DocumentKind.RECORD, 2030)[0] == 1
        assert numbering.allocate(county, DocumentKind.RECORD, 2030)[0] == 2
        assert numbering.allocate(county, DocumentKind.RECORD, 2031)[0] == 1
        serial, number = numbering.allocate(town_a, DocumentKind.RECORD, 2030)
    assert (serial, number) == (1, "赵寨子镇应急检记〔2030〕1号")


def test_penalty_numbers_continue_from_cases_filed_before_counters(enforcer, enterprise_a, county):
    year = timezone.localdate().year
    Penalty.objects.create(
        enterprise=enterprise_a,
        jurisdiction=county,
        year=year,
        serial=7,
        case_number=f"高唐应急罚〔{year}〕7号",
        violation="旧案",
        legal_basis="依据",
        amount=Decimal(0),
        state_id="filed",
        filed_on=timezone.localdate() - timedelta(days=1),
        created_by=enforcer,
    )
    penalty = penalty_services.file_penalty(enforcer, enterprise_a.pk, "事实", "依据")
    assert penalty.case_number == f"高唐应急罚〔{year}〕8号"


def test_download_page_and_api(client, inspect, enterprise_a, enforcer):
    inspection = inspect(enterprise_a, wanting=1)
    client_for(client, enforcer)
    for document in inspection.documents.all():
        response = client.get(f"/enforcement/documents/{document.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "filename*=UTF-8''" in response["Content-Disposition"]
        assert document.number in text_of(response.content)
        api = client.get(f"/api/v1/inspections/{inspection.pk}/documents/{document.pk}")
        assert api.status_code == 200 and enterprise_a.name in text_of(api.content)
    detail = client.get(f"/api/v1/inspections/{inspection.pk}").json()
    assert {d["kind"] for d in detail["documents"]} == {"record", "rectify_order"}
    page = client.get(f"/enforcement/inspections/{inspection.pk}/").content.decode()
    assert all(d.number in page for d in inspection.documents.all())


def test_documents_survive_stored_control_characters(client, inspect, enterprise_a, enforcer):
    """An enterprise stored before input was checked (updated straight through the ORM) with a
    vertical tab in its address and a unit separator in its name: the documents issued from it,
    and their stored data, still download and open, without those characters."""
    type(enterprise_a).objects.filter(pk=enterprise_a.pk).update(
        name="高唐县精工\x1f铸造有限公司", address="赵寨子镇\x0b工业园1号"
    )
    enterprise_a.refresh_from_db()
    inspection = inspect(enterprise_a, wanting=1)
    record = inspection.documents.get(kind=DocumentKind.RECORD)
    record.data["findings"] = "检查\x01情况\x08说明"
    record.data["items"][0]["note"] = "不符合\x0c项"
    InspectionDocument.objects.filter(pk=record.pk).update(data=record.data)

    client_for(client, enforcer)
    for document in inspection.documents.all():
        for url in (
            f"/enforcement/documents/{document.pk}/",
            f"/api/v1/inspections/{inspection.pk}/documents/{document.pk}",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            text = text_of(response.content)
            assert "高唐县精工铸造有限公司" in text
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    text = text_of(client.get(f"/enforcement/documents/{record.pk}/").content)
    assert "赵寨子镇工业园1号" in text and "检查情况说明" in text and "不符合项" in text
