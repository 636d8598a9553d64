"""The pages: the public form behind the report link (as a user of the enterprise, by name
where allowed, refused otherwise), bad photos refused with nothing saved, 我的报告, the
enterprise's ledger and rule form, approval and payment, the poster and the export, the
bureau's statistics, and scoping per role."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for, make_user
from hazards import services as hazards
from hazards.models import Hazard
from rewards import services
from rewards.models import EmployeeReport, Reward, RewardRule, RewardState
from rewards.tests.conftest import RULE, employee_report, png

pytestmark = pytest.mark.django_db


def link(enterprise):
    return f"/r/{services.channel_for(enterprise).token}/"


FORM = {"description": "配电箱门未关闭", "place": "二号车间", "within_duty": "no"}


def test_employee_reports_through_the_link(client, employee, enterprise_a):
    client_for(client, employee)
    page = client.get(link(enterprise_a))
    assert page.status_code == 200 and "以 <strong>" in page.content.decode()
    response = client.post(link(enterprise_a), {**FORM, "photos": [png()]})
    assert response.status_code == 200 and "报告已提交" in response.content.decode()
    report = EmployeeReport.objects.get()
    assert report.reporter == employee and report.within_duty is False
    assert report.hazard.photos.count() == 1


def test_unknown_or_rotated_token_is_404(client, officer, employee, enterprise_a):
    client_for(client, employee)
    old = link(enterprise_a)
    services.rotate(officer, enterprise_a.pk)
    assert client.get(old).status_code == 404
    assert client.get("/r/AAAAAAAAAAAAAAAAAAAAAA/").status_code == 404
    assert client.get(link(enterprise_a)).status_code == 200


def test_anonymous_needs_the_enterprise_to_allow_it(client, officer, enterprise_a):
    services.set_rule(officer, enterprise_a.pk, **RULE)
    page = client.get(link(enterprise_a))
    assert "登录后报告" in page.content.decode()
    response = client.post(link(enterprise_a), {**FORM, "name": "李四", "phone": "13900000000"})
    assert "登录后报告" in response.content.decode()
    assert not Hazard.objects.exists()
    services.set_rule(officer, enterprise_a.pk, **RULE, allow_by_name=True)
    response = client.post(link(enterprise_a), {**FORM, "name": "李四", "phone": "13900000000"})
    assert "报告已提交" in response.content.decode()
    report = EmployeeReport.objects.get()
    assert report.reporter is None and report.reporter_name == "李四"
    assert report.address == "127.0.0.1"


def test_user_of_another_enterprise_is_not_taken_for_an_employee(
    client, officer, enterprise_a, enterprise_b
):
    stranger = make_user("employee_b", Role.EMPLOYEE, enterprise=enterprise_b)
    client_for(client, stranger)
    assert "不属于该企业" in client.get(link(enterprise_a)).content.decode()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png"),
        SimpleUploadedFile("doc.pdf", b"%PDF-1.4 not an image", content_type="application/pdf"),
    ],
)
def test_bad_photos_are_refused_nothing_saved(client, employee, enterprise_a, upload):
    client_for(client, employee)
    response = client.post(link(enterprise_a), {**FORM, "photos": [upload]})
    assert response.status_code == 200 and "报告已提交" not in response.content.decode()
    assert "invalid-feedback" in response.content.decode()
    assert not Hazard.objects.exists() and not EmployeeReport.objects.exists()


def test_oversize_photo_is_refused(client, employee, enterprise_a, settings):
    settings.HAZARD_PHOTO_MAX_BYTES = 10
    client_for(client, employee)
    response = client.post(link(enterprise_a), {**FORM, "photos": [png()]})
    assert "超过" in response.content.decode()
    assert not Hazard.objects.exists()


def test_missing_duty_answer_is_refused(client, employee, enterprise_a):
    client_for(client, employee)
    response = client.post(link(enterprise_a), {**FORM, "within_duty": ""})
    assert "报告已提交" not in response.content.decode()
    assert not Hazard.objects.exists()


def test_mine_shows_only_own_reports(client, employee, officer, enterprise_a, rule):
    mine = employee_report(employee, enterprise_a, description="我的隐患描述")
    services.report_as_user(officer, enterprise_a.pk, description="别人的隐患", within_duty=True)
    hazards.confirm(officer, mine.hazard_id)
    client_for(client, employee)
    page = client.get("/rewards/mine/").content.decode()
    assert "我的隐患描述" in page and "别人的隐患" not in page and "50.00 元" in page
    # An employee does not see the enterprise's ledger.
    assert client.get(f"/rewards/enterprises/{enterprise_a.pk}/").status_code == 403


def test_ledger_rule_approve_pay(client, employee, officer, principal, enterprise_a):
    client_for(client, officer)
    response = client.post(
        f"/rewards/enterprises/{enterprise_a.pk}/rule/", {**RULE, "outside_duty": "50"}
    )
    assert response.status_code == 200 and "提高奖励标准" in response.content.decode()
    assert not RewardRule.objects.exists()
    response = client.post(f"/rewards/enterprises/{enterprise_a.pk}/rule/", RULE)
    assert response.status_code == 302
    report = employee_report(employee, enterprise_a, within=False)
    hazards.confirm(officer, report.hazard_id)
    reward = Reward.objects.get()
    page = client.get(f"/rewards/enterprises/{enterprise_a.pk}/").content.decode()
    assert "100.00 元" in page and "审批" in page
    client_for(client, principal)
    assert client.post(f"/rewards/rewards/{reward.pk}/approve/").status_code == 302
    today = timezone.localdate().isoformat()
    client.post(f"/rewards/rewards/{reward.pk}/pay/", {"paid_on": today, "method": "现金"})
    reward.refresh_from_db()
    assert reward.state == RewardState.PAID and reward.approved_by == principal
    export = client.get(f"/rewards/enterprises/{enterprise_a.pk}/export/")
    assert export.status_code == 200
    content = b"".join(export.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "配电箱门未关闭" in sheet


def test_poster_is_a_word_file_with_the_qr_code(client, officer, enterprise_a):
    client_for(client, officer)
    response = client.get(f"/rewards/enterprises/{enterprise_a.pk}/poster/")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as document:
        names = document.namelist()
        body = document.read("word/document.xml").decode()
    assert any(name.startswith("word/media/") for name in names)
    assert services.channel_for(enterprise_a).token in body


def test_rotate_through_the_page(client, officer, enterprise_a):
    old = services.channel_for(enterprise_a).token
    client_for(client, officer)
    assert client.post(f"/rewards/enterprises/{enterprise_a.pk}/rotate/").status_code == 302
    assert services.channel_for(enterprise_a).token != old


def test_stats_for_bureau_staff_scoped(client, users, employee, officer, enterprise_a, outsider):
    employee_report(employee, enterprise_a)
    client_for(client, users[Role.SUPERVISOR])
    page = client.get("/rewards/stats/")
    assert page.status_code == 200 and enterprise_a.name in page.content.decode()
    client_for(client, outsider)
    assert enterprise_a.name not in client.get("/rewards/stats/").content.decode()
    client_for(client, employee)
    assert client.get("/rewards/stats/").status_code == 403


@pytest.mark.parametrize(
    "role,status",
    [
        (Role.COUNTY_ADMIN, 200),
        (Role.SUPERVISOR, 200),
        (Role.TOWN_SUPERVISOR, 200),
        (Role.GRID_MEMBER, 200),
        (Role.EXPERT, 200),
        (Role.PRINCIPAL, 200),
        (Role.SAFETY_OFFICER, 200),
        (Role.EMPLOYEE, 403),
    ],
)
def test_enterprise_ledger_per_role(client, users, enterprise_a, enterprise_b, role, status):
    client_for(client, users[role])
    assert client.get(f"/rewards/enterprises/{enterprise_a.pk}/").status_code == status
    other = client.get(f"/rewards/enterprises/{enterprise_b.pk}/").status_code
    if role in (Role.COUNTY_ADMIN, Role.SUPERVISOR):
        assert other == 200
    else:
        assert other in (403, 404)


def test_others_cannot_approve(client, users, employee, officer, enterprise_a, rule):
    report = employee_report(employee, enterprise_a)
    hazards.confirm(officer, report.hazard_id)
    reward = Reward.objects.get()
    client_for(client, users[Role.TOWN_SUPERVISOR])
    assert client.post(f"/rewards/rewards/{reward.pk}/approve/").status_code == 403
    client_for(client, employee)
    assert client.post(f"/rewards/rewards/{reward.pk}/approve/").status_code == 403
    reward.refresh_from_db()
    assert reward.state == RewardState.PROPOSED


def test_workbench_item_for_rewards_to_approve(
    client, employee, officer, principal, enterprise_a, rule
):
    from workbench.items import items_for

    report = employee_report(employee, enterprise_a)
    hazards.confirm(officer, report.hazard_id)
    keys = {item.key: item for item in items_for(principal)}
    assert keys["rewards_proposed"].count == 1 and keys["rewards_proposed"].label == "奖励待审批"
    assert "rewards_proposed" not in {item.key for item in items_for(employee)}
    client_for(client, principal)
    assert "奖励待审批" in client.get("/").content.decode()


def test_enterprise_page_loads_the_reports_summary(client, users, employee, enterprise_a, rule):
    employee_report(employee, enterprise_a)
    client_for(client, users[Role.TOWN_SUPERVISOR])
    detail = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert f"/rewards/enterprises/{enterprise_a.pk}/tab/" in detail
    tab = client.get(f"/rewards/enterprises/{enterprise_a.pk}/tab/").content.decode()
    assert "报告 1 条" in tab and "岗位职责外 100.00 元" in tab
    client_for(client, employee)
    page = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert f"/rewards/enterprises/{enterprise_a.pk}/tab/" not in page
