"""Enterprise.standardization is derived from the rating that stands: set only by this app's
services (announcement, downgrade, revocation, expiry); the edit form, the API and the Excel
import cannot change it (the import ignores the column); grading's frequency reduction reads
it."""

import pytest
from django.forms.models import model_to_dict

from accounts.roles import Role
from conftest import client_for
from enterprises import services as enterprise_services
from enterprises.forms import EnterpriseForm
from enterprises.models import Enterprise
from enterprises.tests.test_import import post_import, row, xlsx_upload
from grading import services as grading_services
from grading.frequency import for_enterprise_grade
from grading.models import EnterpriseGrade
from standardization.tests.conftest import rated, today

pytestmark = pytest.mark.django_db


def _form_data(enterprise, **changes):
    data = model_to_dict(enterprise, fields=EnterpriseForm.Meta.fields)
    data["sector_tags"] = [tag.pk for tag in data["sector_tags"]]
    data.update(changes)
    return {key: ("" if value is None else value) for key, value in data.items()}


def test_the_edit_form_has_no_such_field():
    assert "standardization" not in EnterpriseForm.Meta.fields


def test_the_bureau_cannot_set_it_on_the_edit_page(client, users, enterprise_a):
    client_for(client, users[Role.COUNTY_ADMIN])
    response = client.post(
        f"/enterprises/{enterprise_a.pk}/edit/",
        _form_data(enterprise_a, standardization="level1", address="新地址1号"),
    )
    assert response.status_code == 302
    enterprise_a.refresh_from_db()
    assert enterprise_a.address == "新地址1号"
    assert enterprise_a.standardization == "none"


def test_a_form_loaded_before_a_rating_does_not_write_the_old_grade_back(users, enterprise_a):
    admin = users[Role.COUNTY_ADMIN]
    stale = Enterprise.objects.get(pk=enterprise_a.pk)  # the edit page opened, grade 未达标
    rated(users, enterprise_a, "level2")  # meanwhile the rating is announced
    form = EnterpriseForm(admin, _form_data(stale, address="新地址3号"), instance=stale)
    assert form.is_valid(), form.errors
    enterprise_services.save_enterprise(admin, form)
    enterprise_a.refresh_from_db()
    assert (enterprise_a.address, enterprise_a.standardization) == ("新地址3号", "level2")


def test_the_api_cannot_set_it(client, users, enterprise_a):
    client_for(client, users[Role.COUNTY_ADMIN])
    response = client.patch(
        f"/api/v1/enterprises/{enterprise_a.pk}",
        {"standardization": "level1", "address": "新地址2号"},
        content_type="application/json",
    )
    assert response.status_code == 200
    enterprise_a.refresh_from_db()
    assert (enterprise_a.address, enterprise_a.standardization) == ("新地址2号", "none")
    assert response.json()["standardization"] == "none"


def test_the_import_ignores_the_column(client, users, enterprise_a):
    rated(users, enterprise_a, "level2")
    enterprise_a.refresh_from_db()
    code = enterprise_a.credit_code
    upload = xlsx_upload([row(1, credit_code=code, name=enterprise_a.name, standardization="一级")])
    response = post_import(client, users[Role.COUNTY_ADMIN], upload)
    assert response.status_code == 302
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level2"  # kept: derived from the rating


def test_the_import_takes_a_file_without_the_column(client, users, town_a):
    from enterprises import spreadsheet

    headers = [h for h in spreadsheet.HEADERS if h != "安全生产标准化"]
    values = row(77)
    index = spreadsheet.HEADERS.index("安全生产标准化")
    upload = xlsx_upload([values[:index] + values[index + 1 :]], headers=headers)
    response = post_import(client, users[Role.COUNTY_ADMIN], upload)
    assert response.status_code == 302
    assert Enterprise.objects.filter(name="高唐县测试77号有限公司").exists()


def test_the_export_still_shows_it(client, users, enterprise_a):
    rated(users, enterprise_a, "level3")
    client_for(client, users[Role.COUNTY_ADMIN])
    response = client.get("/enterprises/export.xlsx")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("安全生产标准化")
    assert "三级" in [r[column] for r in rows[1:]]


def test_grading_reduction_reads_the_derived_grade(users, enterprise_a, supervisor):
    grading_services.recompute(supervisor, enterprise_a.pk)
    grade = EnterpriseGrade.objects.select_related("enterprise").get(enterprise=enterprise_a)
    assert for_enterprise_grade(grade).reduction == ""
    rated(users, enterprise_a, "level2")
    grading_services.recompute(supervisor, enterprise_a.pk)
    grade = EnterpriseGrade.objects.select_related("enterprise").get(enterprise=enterprise_a)
    frequency = for_enterprise_grade(grade)
    assert frequency.reduction.startswith("二级：×0.5")
    assert today()  # the rating stands today
