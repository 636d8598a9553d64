"""Assistance to weak towns (执法指导帮扶: flags, records, before/after figures hand-computed,
the town told, scoping) and the typical cases published (曝光: closed cases only, no personal
data on the public page, withdrawal keeps the row)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accidents.models import AccidentCase
from accounts.roles import Role
from conftest import bearer, client_for
from core.errors import Refused
from core.models import Notification
from enforcement.models import AssistanceEvent, AssistanceRecord, PublicCase
from enforcement.penalties import services as penalty_services
from enforcement.penalties.statistics import CHECK_ONLY, ZERO_PENALTY
from enforcement.remote import services

BASIS = "《中华人民共和国安全生产法》第九十九条第（二）项"


@pytest.fixture(autouse=True)
def _tasks(immediate_tasks):
    pass


@pytest.fixture
def supervisor(users):
    return users[Role.SUPERVISOR]


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


def accident(enterprise, user, days_ago, near_miss=False):
    when = timezone.now() - timedelta(days=days_ago)
    return AccidentCase.objects.create(
        source="local",
        enterprise=enterprise,
        title="机械伤害事故",
        occurred_at=when,
        industry=enterprise.industry,
        category="mechanical_injury",
        level="general",
        summary="经过",
        is_near_miss=near_miss,
        recorded_by=user,
    )


# --- flags --------------------------------------------------------------------------------------


def test_town_flags_zero_penalty_check_only_and_frequent_accidents(
    supervisor, enforcer, enterprise_a, enterprise_b, inspect
):
    today = timezone.localdate()
    inspect(enterprise_a, day=today)
    penalty_services.file_penalty(enforcer, enterprise_b.pk, "违法", BASIS, 100)
    # Town B: two accidents in 12 months (one near miss and one older than 12 months do not
    # count) -> 事故多发 although it has a penalty case.
    accident(enterprise_b, supervisor, 10)
    accident(enterprise_b, supervisor, 300)
    accident(enterprise_b, supervisor, 20, near_miss=True)
    accident(enterprise_b, supervisor, 400)
    flags = {row.town.pk: row for row in services.town_flags(supervisor, today)}
    assert flags[enterprise_a.jurisdiction_id].flags == [ZERO_PENALTY, CHECK_ONLY]
    assert flags[enterprise_b.jurisdiction_id].flags == [services.FREQUENT_ACCIDENTS]
    assert flags[enterprise_b.jurisdiction_id].accidents == 2


# --- records ------------------------------------------------------------------------------------


def test_record_tells_the_town_and_refusals_change_nothing(
    supervisor, enforcer, users, enterprise_a, enterprise_b, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    town_a = enterprise_a.jurisdiction_id
    with django_capture_on_commit_callbacks(execute=True):
        record = services.record_assistance(
            supervisor,
            town_a,
            "four_no_two_direct",
            [enforcer.pk, supervisor.pk],
            today,
            "检查偏软",
        )
    assert record.reasons == [ZERO_PENALTY]
    assert sorted(record.staff.values_list("username", flat=True)) == ["enforcer", "supervisor"]
    told = Notification.objects.filter(title__contains="执法指导帮扶")
    assert list(told.values_list("recipient__username", flat=True)) == ["town_a_supervisor"]
    # Refusals: a town's staff may not record; a town not flagged; staff outside the county;
    # a date in the future; an unknown method.
    with pytest.raises(Refused) as exc:
        services.record_assistance(
            users[Role.TOWN_SUPERVISOR], town_a, "cross_area", [], today, "x"
        )
    assert exc.value.status == 403
    penalty_services.file_penalty(enforcer, enterprise_b.pk, "违法", BASIS, 100)
    with pytest.raises(Refused, match="未被标记"):
        services.record_assistance(
            supervisor, enterprise_b.jurisdiction_id, "cross_area", [enforcer.pk], today, "x"
        )
    with pytest.raises(Refused, match="本县局在职人员"):
        services.record_assistance(
            supervisor, town_a, "cross_area", [users[Role.TOWN_SUPERVISOR].pk], today, "x"
        )
    with pytest.raises(Refused, match="帮扶日期"):
        services.record_assistance(
            supervisor, town_a, "cross_area", [enforcer.pk], today + timedelta(days=1), "x"
        )
    with pytest.raises(Refused, match="帮扶方式无效"):
        services.record_assistance(supervisor, town_a, "phone_call", [enforcer.pk], today, "x")
    assert AssistanceRecord.objects.count() == 1
    assert AssistanceEvent.objects.count() == 1


def test_before_and_after_hand_computed(
    supervisor, enforcer, enterprise_a, enterprise_a2, enterprise_b, inspect
):
    today = timezone.localdate()
    day = today - timedelta(days=30)
    record = services.record_assistance(
        supervisor, enterprise_a.jurisdiction_id, "open_and_covert", [enforcer.pk], day, "指导"
    )
    # Before (day-90 .. day-1): one inspection with 1 hazard at day-10, one penalty at day-1.
    inspect(enterprise_a, wanting=1, day=day - timedelta(days=10))
    inspect(enterprise_a2, day=day - timedelta(days=100))  # outside both windows
    penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "违法", BASIS, 100, filed_on=day - timedelta(days=1)
    )
    # After (day .. today): inspections on the day itself (0 hazards) and at day+5 (2
    # hazards), a penalty at day+1, one remote inspection opened today.
    inspect(enterprise_a, day=day)
    inspect(enterprise_a2, wanting=2, day=day + timedelta(days=5))
    penalty_services.file_penalty(
        enforcer, enterprise_a2.pk, "违法", BASIS, 100, filed_on=day + timedelta(days=1)
    )
    services.open_remote(enforcer, enterprise_a.pk, "documents", "资料")
    # Another town's figures are not counted.
    inspect(enterprise_b, wanting=1, day=day + timedelta(days=5))
    penalty_services.file_penalty(enforcer, enterprise_b.pk, "违法", BASIS, 100, filed_on=day)
    effect = services.before_after(record, today)
    assert effect["before_period"] == (day - timedelta(days=90), day - timedelta(days=1))
    assert effect["after_period"] == (day, today)
    assert not effect["after_complete"]
    assert effect["before"] == {"inspections": 1, "hazards": 1, "penalties": 1, "remote": 0}
    assert effect["after"] == {"inspections": 2, "hazards": 2, "penalties": 1, "remote": 1}


def test_assistance_scoping_for_every_role(client, users, supervisor, enforcer, enterprise_a):
    today = timezone.localdate()
    record = services.record_assistance(
        supervisor, enterprise_a.jurisdiction_id, "cross_area", [enforcer.pk], today, "指导"
    )
    sees = {
        Role.COUNTY_ADMIN,
        Role.SUPERVISOR,
        Role.ENFORCEMENT_OFFICER,
        Role.TOWN_SUPERVISOR,
        Role.CITY_SUPERVISOR,
        Role.PROVINCE_SUPERVISOR,
    }
    for role, user in users.items():
        client_for(client, user)
        response = client.get(f"/enforcement/assistance/{record.pk}/")
        assert response.status_code == (200 if role in sees else 403), role
        listed = AssistanceRecord.objects.for_user(user, "assistance.view")
        assert listed.filter(pk=record.pk).exists() == (role in sees), role


def test_another_town_does_not_see_the_record(client, supervisor, enforcer, outsider, enterprise_a):
    record = services.record_assistance(
        supervisor,
        enterprise_a.jurisdiction_id,
        "cross_area",
        [enforcer.pk],
        timezone.localdate(),
        "指导",
    )
    client_for(client, outsider)
    assert client.get(f"/enforcement/assistance/{record.pk}/").status_code == 404
    assert bearer(outsider).get("/api/v1/assistance-records").json()["items"] == []


def test_pages_and_api(client, supervisor, enforcer, users, enterprise_a):
    client_for(client, supervisor)
    page = client.get("/enforcement/assistance/")
    assert page.status_code == 200
    assert "assistance-form" in page.content.decode()
    response = client.post(
        "/enforcement/assistance/",
        {
            "town": enterprise_a.jurisdiction_id,
            "method": "cross_area",
            "staff": [enforcer.pk],
            "assisted_on": timezone.localdate().isoformat(),
            "findings": "执法文书不规范",
        },
    )
    assert response.status_code == 302
    record = AssistanceRecord.objects.get()
    assert client.get(f"/enforcement/assistance/{record.pk}/").status_code == 200
    bad = client.post("/enforcement/assistance/", {"town": "abc", "method": "cross_area"})
    assert bad.status_code == 200 and AssistanceRecord.objects.count() == 1
    rows = bearer(users[Role.TOWN_SUPERVISOR]).get("/api/v1/assistance-records").json()["items"]
    assert [(r["town_id"], r["method"], r["reasons"]) for r in rows] == [
        (enterprise_a.jurisdiction_id, "cross_area", [ZERO_PENALTY])
    ]
    assert rows[0]["before"] == {"inspections": 0, "hazards": 0, "penalties": 0, "remote": 0}


# --- typical cases ------------------------------------------------------------------------------


def closed_case(enforcer, enterprise, amount=30000):
    penalty = penalty_services.file_penalty(
        enforcer, enterprise.pk, "未按规定开展有限空间作业审批", BASIS, amount
    )
    for state in ("notified", "decided", "executed", "closed"):
        penalty_services.advance_penalty(enforcer, penalty.pk, state)
    return penalty


@pytest.fixture
def person_enterprise(enterprise_a):
    enterprise_a.principal_name = "王建国"
    enterprise_a.principal_phone = "13812345678"
    enterprise_a.safety_officer_name = "李安全"
    enterprise_a.address = "高唐县人和街道鱼邱湖路100号"
    enterprise_a.save()
    return enterprise_a


def test_publish_refuses_personal_data_and_open_cases(supervisor, enforcer, person_enterprise):
    penalty = closed_case(enforcer, person_enterprise)
    for text, problem in (
        ("主要负责人王建国未组织审批", "个人姓名“王建国”"),
        ("联系电话13812345678", "电话号码"),
        ("身份证号 37152619800101123X", "身份证号码"),
        ("座机 0635-3951234", "电话号码"),
        ("安全员李安全未到场", "个人姓名“李安全”"),
    ):
        with pytest.raises(Refused, match=problem):
            services.publish_case(supervisor, penalty.pk, violation=text)
    open_case = penalty_services.file_penalty(enforcer, person_enterprise.pk, "违法", BASIS, 1)
    with pytest.raises(Refused, match="已结案") as exc:
        services.publish_case(supervisor, open_case.pk)
    assert exc.value.status == 409
    with pytest.raises(Refused) as exc:
        services.publish_case(enforcer, penalty.pk)
    assert exc.value.status == 403
    assert not PublicCase.objects.exists()


def test_public_page_shows_the_case_and_no_personal_data(
    client, supervisor, enforcer, person_enterprise, enterprise_b
):
    enforcer.full_name = "赵执法"
    enforcer.save()
    first = closed_case(enforcer, person_enterprise)
    second = closed_case(enforcer, enterprise_b, amount=0)
    case = services.publish_case(supervisor, first.pk)
    services.publish_case(supervisor, second.pk, penalty_text="警告")
    assert case.penalty_text == "罚款人民币 30,000.00 元"
    client.logout()
    page = client.get("/public/cases/").content.decode()
    assert person_enterprise.name in page
    assert "未按规定开展有限空间作业审批" in page
    assert BASIS in page
    assert "罚款人民币 30,000.00 元" in page and "警告" in page
    for secret in (
        "王建国",
        "13812345678",
        "李安全",
        "赵执法",
        person_enterprise.credit_code,
        person_enterprise.address,
        first.case_number,
    ):
        assert secret and secret not in page, secret
    # Withdrawing keeps the row and hides it.
    services.withdraw_case(supervisor, case.pk)
    case.refresh_from_db()
    assert not case.published and case.withdrawn_at is not None
    page = client.get("/public/cases/").content.decode()
    assert "未按规定开展有限空间作业审批" in page  # the second case's violation
    assert person_enterprise.name not in page
    with pytest.raises(Refused) as exc:
        services.withdraw_case(supervisor, case.pk)
    assert exc.value.status == 409
    # Republished: the same row.
    services.publish_case(supervisor, first.pk)
    assert PublicCase.objects.count() == 2


def test_case_pages_for_the_bureau(client, supervisor, enforcer, enterprise_a, users):
    penalty = closed_case(enforcer, enterprise_a)
    client_for(client, supervisor)
    assert client.get("/enforcement/cases/").status_code == 200
    response = client.post("/enforcement/cases/", {"penalty": penalty.pk})
    assert response.status_code == 302
    case = PublicCase.objects.get()
    client.post("/enforcement/cases/", {"withdraw": case.pk})
    case.refresh_from_db()
    assert not case.published
    client_for(client, users[Role.TOWN_SUPERVISOR])
    assert client.get("/enforcement/cases/").status_code == 403


def test_another_county_cannot_publish_our_case(supervisor, enforcer, enterprise_a, far_enterprise):
    from conftest import make_user

    far = make_user("far_supervisor", Role.SUPERVISOR, far_enterprise.jurisdiction.parent)
    penalty = closed_case(enforcer, enterprise_a)
    with pytest.raises(Refused) as exc:
        services.publish_case(far, penalty.pk)
    assert exc.value.status == 404
