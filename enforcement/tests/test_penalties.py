"""Penalty cases: numbered per year, moved along the state table, refusals change nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for
from core.errors import Refused
from enforcement.models import Penalty, PenaltyEvent
from enforcement.penalties import services as penalty_services

BASIS = "《中华人民共和国安全生产法》第一百零二条"


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


def test_case_numbers_per_year(enforcer, enterprise_a, enterprise_b):
    first = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "未建立隐患排查制度", BASIS, "20000"
    )
    second = penalty_services.file_penalty(enforcer, enterprise_b.pk, "未如实记录", BASIS, 0)
    last_year = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "旧案", BASIS, 1, date(timezone.localdate().year - 1, 5, 1)
    )
    year = timezone.localdate().year
    assert first.case_number == f"高唐应急罚〔{year}〕1号"
    assert second.case_number == f"高唐应急罚〔{year}〕2号"
    assert last_year.case_number == f"高唐应急罚〔{year - 1}〕1号"
    assert first.amount == Decimal("20000.00") and first.state_id == "filed"


def test_states_follow_the_table(enforcer, enterprise_a):
    penalty = penalty_services.file_penalty(enforcer, enterprise_a.pk, "违法事实", BASIS, 1000)
    with pytest.raises(Refused, match="当前为“立案”，不能转为“决定”"):
        penalty_services.advance_penalty(enforcer, penalty.pk, "decided")
    penalty_services.advance_penalty(enforcer, penalty.pk, "notified", "送达告知书")
    penalty = penalty_services.advance_penalty(
        enforcer, penalty.pk, "decided", decided_on=timezone.localdate(), amount="30000"
    )
    assert penalty.decided_on == timezone.localdate() and penalty.amount == Decimal("30000")
    penalty_services.advance_penalty(enforcer, penalty.pk, "executed")
    penalty = penalty_services.advance_penalty(enforcer, penalty.pk, "closed")
    assert penalty.state_id == "closed" and penalty.closed_on == timezone.localdate()
    assert list(PenaltyEvent.objects.values_list("to_state", flat=True)) == [
        "filed",
        "notified",
        "decided",
        "executed",
        "closed",
    ]
    with pytest.raises(Refused, match="不能转为"):
        penalty_services.advance_penalty(enforcer, penalty.pk, "filed")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("", BASIS, 0), "请填写违法事实"),
        (("事实", " ", 0), "请填写处罚依据"),
        (("事实", BASIS, -1), "罚款金额应在"),
        (("事实", BASIS, "abc"), "应为数字"),
        (("事实", BASIS, "1e12"), "罚款金额应在"),
    ],
)
def test_filing_refusals(enforcer, enterprise_a, args, reason):
    with pytest.raises(Refused, match=reason):
        penalty_services.file_penalty(enforcer, enterprise_a.pk, *args)
    assert not Penalty.objects.exists()


def test_out_of_scope_enterprise_is_not_found(users, enterprise_b, outsider):
    town = users[Role.TOWN_SUPERVISOR]
    with pytest.raises(Refused) as refused:
        penalty_services.file_penalty(town, enterprise_b.pk, "事实", BASIS)
    assert refused.value.status == 403  # a town supervisor does not handle cases


def test_penalty_api(client, enforcer, enterprise_a):
    client_for(client, enforcer)
    created = client.post(
        "/api/v1/penalties",
        {
            "enterprise_id": enterprise_a.pk,
            "violation": "事实",
            "legal_basis": BASIS,
            "amount": 500,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    penalty_id = created.json()["id"]
    wrong = client.post(
        f"/api/v1/penalties/{penalty_id}/advance",
        {"to_state": "closed_forever"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["detail"] == "目标状态无效"
    state = client.post(
        f"/api/v1/penalties/{penalty_id}/advance",
        {"to_state": "executed"},
        content_type="application/json",
    )
    assert state.status_code == 409
    ok = client.post(
        f"/api/v1/penalties/{penalty_id}/advance",
        {"to_state": "notified"},
        content_type="application/json",
    )
    assert ok.json()["state"] == "notified"
    listed = client.get("/api/v1/penalties?state=notified").json()
    assert listed["count"] == 1
    bad = client.post(
        "/api/v1/penalties",
        {"enterprise_id": enterprise_a.pk, "violation": "x\x00", "legal_basis": BASIS},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_penalty_pages(client, enforcer, enterprise_a):
    client_for(client, enforcer)
    response = client.post(
        "/enforcement/penalties/new/",
        {
            "enterprise": enterprise_a.credit_code,
            "violation": "未开展粉尘清扫",
            "legal_basis": BASIS,
            "amount": "8000",
            "filed_on": timezone.localdate().isoformat(),
        },
    )
    penalty = Penalty.objects.get()
    assert response.status_code == 302
    page = client.post(f"/enforcement/penalties/{penalty.pk}/", {"to_state": "notified"})
    assert page.status_code == 302
    html = client.get(f"/enforcement/penalties/{penalty.pk}/").content.decode()
    assert "告知" in html and penalty.case_number in html
