"""The 31 January rule after New Year (seed task 6, hazards.transitions.ZERO_OUT:
每年1月底前，要全面完成整改上一年度查出的重大事故隐患), with "today" fixed by patching
timezone.localdate.

A major hazard of year N still open after 31 January of N+1 is overdue whatever its own
deadline: the board counts and lists it, and the ledger's overdue filter, the API's filter and
its `overdue` field agree with it. A plan deadline or an extension past that day needs a reason,
which is kept and shown with the break on the hazard page, the ledger and the API.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for, post_json
from core import workdays
from hazards import board, services
from hazards.models import Extension, Hazard, HazardEvent, Source, State
from hazards.transitions import ZERO_OUT

D = datetime.date
DESCRIPTION = "除尘系统未按规定设置泄爆装置"
FOUND = D(2025, 3, 10)
# A plan for a 2025 hazard whose deadline falls after 31 January 2026.
PLAN_PAST_ZERO_OUT = {
    "owner": "李强",
    "measures": "更换泄爆片",
    "funds": "80000",
    "deadline": "2026-03-01",
    "contingency_plan": "停用除尘系统",
}


@pytest.fixture
def on_day(monkeypatch):
    def set_day(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_day


def make(enterprise, *, major=True, found_on=FOUND, deadline=None, state=None, **extra):
    planned = deadline is not None
    return Hazard.objects.create(
        enterprise=enterprise,
        source=Source.ENFORCEMENT,
        description=extra.pop("description", DESCRIPTION),
        found_on=found_on,
        found_by="张检查",
        is_major=major,
        major_reason="测试：认定为重大事故隐患" if major else "",
        state=state or (State.RECTIFYING if planned else State.CONFIRMED),
        owner="李强" if planned else "",
        measures="加装泄爆片" if planned else "",
        funds=80000 if planned else None,
        contingency_plan="停用除尘系统" if planned else "",
        deadline=deadline,
        **extra,
    )


def api_ids(client, query):
    response = client.get(f"/api/v1/hazards?{query}")
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()["items"]}


def test_the_rule_is_data_with_its_source():
    assert (ZERO_OUT.month, ZERO_OUT.day) == (1, 31)
    assert "任务6" in ZERO_OUT.source
    assert ZERO_OUT.text == "每年1月底前，要全面完成整改上一年度查出的重大事故隐患"
    assert ZERO_OUT.overdue_before(D(2026, 1, 31)) == D(2025, 1, 1)
    assert ZERO_OUT.overdue_before(D(2026, 2, 1)) == D(2026, 1, 1)


# --- the hazard of the issue: found 2025-03-10, still open on 2026-02-01 ----------------------


@pytest.mark.parametrize("deadline", [None, D(2026, 6, 30)])
def test_last_years_open_major_is_overdue_on_the_board_the_ledger_and_the_api(
    client, users, enterprise_a, on_day, deadline
):
    hazard = make(enterprise_a, deadline=deadline)
    general = make(enterprise_a, major=False, deadline=D(2026, 6, 30), description="一般隐患")
    supervisor = users[Role.SUPERVISOR]
    client_for(client, supervisor)

    # On 31 January 2026 it is within the rule: not overdue (unless its deadline passed).
    on_day(D(2026, 1, 31))
    assert not hazard.is_overdue()
    assert not Hazard.objects.overdue().filter(pk=hazard.pk).exists()
    assert board.build(supervisor).total.overdue == 0

    on_day(D(2026, 2, 1))
    # The board: moved on to 2026, and still counting and listing 2025's open major.
    result = board.build(supervisor)
    assert result.year == 2026
    assert result.total.overdue == 1
    assert result.total.carried_over == 1
    assert result.total.blocking == 1
    assert [h.pk for h in result.blockers] == [hazard.pk]
    page = client.get("/hazards/zero-out/").content.decode()
    assert DESCRIPTION in page
    assert "2025年结转" in page

    # The model, the queryset, the ledger's overdue filter and the API agree.
    assert hazard.is_overdue()
    assert hazard.is_zero_out_overdue()
    assert not general.is_overdue()
    assert list(Hazard.objects.overdue().values_list("pk", flat=True)) == [hazard.pk]
    html = client.get("/hazards/?overdue=on").content.decode()
    assert DESCRIPTION in html and "一般隐患" not in html
    assert "共 1 条隐患" in html
    found = api_ids(client, "overdue=true")
    assert set(found) == {hazard.pk}
    assert found[hazard.pk]["overdue"] is True
    assert found[hazard.pk]["zero_out_overdue"] is True
    assert found[hazard.pk]["zero_out_deadline"] == "2026-01-31"
    assert set(api_ids(client, "overdue=false")) == {hazard.pk, general.pk}  # no filter
    detail = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'id="zero-out-overdue"' in detail
    assert "2026年1月31日" in detail

    # Until it is closed.
    Hazard.objects.filter(pk=hazard.pk).update(state=State.CLOSED)
    assert board.build(supervisor).total.overdue == 0
    assert not api_ids(client, "overdue=true")


def test_a_hazard_two_years_old_is_overdue_in_january_too(users, enterprise_a, on_day):
    old = make(enterprise_a, found_on=D(2024, 5, 1))
    last_year = make(enterprise_a, found_on=D(2025, 5, 1))
    on_day(D(2026, 1, 20))
    assert set(Hazard.objects.overdue().values_list("pk", flat=True)) == {old.pk}
    result = board.build(users[Role.SUPERVISOR])
    assert (result.year, result.total.blocking, result.total.carried_over) == (2025, 2, 1)
    assert [h.pk for h in result.blockers] == [old.pk, last_year.pk]


def test_the_queryset_takes_the_day_it_is_given(users, enterprise_a):
    make(enterprise_a)
    assert Hazard.objects.overdue(D(2026, 2, 1)).major().count() == 1
    assert Hazard.objects.overdue(D(2026, 1, 31)).major().count() == 0


# --- a plan past the rule ------------------------------------------------------------------------


def plan(user, hazard, deadline, **extra):
    return services.plan(
        user,
        hazard.pk,
        owner="李强",
        measures="更换泄爆片",
        deadline=deadline,
        funds=80000,
        contingency_plan="停用除尘系统",
        **extra,
    )


def test_a_plan_past_31_january_needs_a_reason_and_shows_the_break(
    client, users, enterprise_a, on_day
):
    on_day(D(2025, 12, 1))
    officer = users[Role.SAFETY_OFFICER]
    hazard = make(enterprise_a, found_on=D(2025, 3, 10))
    with pytest.raises(services.TransitionRefused, match="2026年1月31日前完成整改") as refused:
        plan(officer, hazard, D(2026, 3, 1))
    assert refused.value.status == 422
    hazard.refresh_from_db()
    assert (hazard.state, hazard.deadline) == (State.CONFIRMED, None)

    # Up to the day itself no reason is asked for.
    plan(officer, hazard, D(2026, 1, 31))
    hazard.refresh_from_db()
    assert not hazard.breaks_zero_out and hazard.zero_out_reason == ""

    hazard = make(enterprise_a, found_on=D(2025, 3, 10), description="另一项重大隐患")
    plan(officer, hazard, D(2026, 3, 1), zero_out_reason="泄爆片须进口，供货周期三个月")
    hazard.refresh_from_db()
    assert hazard.breaks_zero_out
    assert hazard.zero_out_reason == "泄爆片须进口，供货周期三个月"
    event = HazardEvent.objects.get(hazard=hazard, action="plan")
    assert event.payload == {
        "breaks_zero_out": True,
        "zero_out_reason": "泄爆片须进口，供货周期三个月",
    }

    # Shown on the hazard page and in the ledger.
    client_for(client, users[Role.SUPERVISOR])
    detail = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'id="breaks-zero-out"' in detail
    assert "泄爆片须进口，供货周期三个月" in detail
    ledger = client.get("/hazards/?q=另一项").content.decode()
    assert "超出清零时限" in ledger


def test_a_general_hazard_is_not_held_to_the_rule(users, enterprise_a, on_day):
    on_day(D(2025, 12, 1))
    hazard = make(enterprise_a, major=False)
    plan(users[Role.SAFETY_OFFICER], hazard, D(2026, 6, 1))
    hazard.refresh_from_db()
    assert hazard.deadline == D(2026, 6, 1) and not hazard.breaks_zero_out


def test_the_plan_page_refuses_without_a_reason_in_chinese(client, users, enterprise_a, on_day):
    on_day(D(2025, 12, 1))
    hazard = make(enterprise_a)
    client_for(client, users[Role.SAFETY_OFFICER])
    form = dict(PLAN_PAST_ZERO_OUT)
    response = client.post(f"/hazards/{hazard.pk}/plan/", form, follow=True)
    assert "期限晚于该日须填写超出清零时限的理由" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.state == State.CONFIRMED

    form["zero_out_reason"] = "设备须停产检修，安排在春节停产期间"
    response = client.post(f"/hazards/{hazard.pk}/plan/", form, follow=True)
    hazard.refresh_from_db()
    assert hazard.state == State.PLANNED and hazard.breaks_zero_out
    assert "设备须停产检修，安排在春节停产期间" in response.content.decode()


def test_the_api_plan_refuses_without_a_reason_and_reports_the_break(
    client, users, enterprise_a, on_day
):
    on_day(D(2025, 12, 1))
    hazard = make(enterprise_a)
    client_for(client, users[Role.SAFETY_OFFICER])
    body = dict(PLAN_PAST_ZERO_OUT)
    url = f"/api/v1/hazards/{hazard.pk}/plan"
    response = post_json(client, url, body)
    assert response.status_code == 422
    assert "超出清零时限的理由" in response.json()["detail"]
    response = post_json(client, url, {**body, "zero_out_reason": "进口部件供货周期长"})
    assert response.status_code == 200
    data = response.json()
    assert data["breaks_zero_out"] is True
    assert data["zero_out_reason"] == "进口部件供货周期长"
    assert data["zero_out_deadline"] == "2026-01-31"


# --- an extension past the rule ------------------------------------------------------------------


def test_an_extension_past_31_january_needs_a_reason_and_shows_the_break(
    client, users, enterprise_a, on_day
):
    on_day(D(2026, 1, 10))
    officer, supervisor = users[Role.SAFETY_OFFICER], users[Role.SUPERVISOR]
    hazard = make(enterprise_a, deadline=D(2026, 1, 20))
    with pytest.raises(services.TransitionRefused, match="超出清零时限的理由"):
        services.request_extension(
            officer, hazard.pk, new_deadline=D(2026, 3, 1), reason="进口部件未到货"
        )
    assert not Extension.objects.exists()

    extension = services.request_extension(
        officer,
        hazard.pk,
        new_deadline=D(2026, 3, 1),
        reason="进口部件未到货",
        zero_out_reason="泄爆片须进口，海关查验延误",
    )
    assert extension.breaks_zero_out
    assert extension.zero_out_reason == "泄爆片须进口，海关查验延误"
    client_for(client, supervisor)
    detail = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert "超出清零时限（2026-01-31），理由：泄爆片须进口，海关查验延误" in detail

    services.decide_extension(supervisor, extension.pk, approved=True, note="同意")
    hazard.refresh_from_db()
    assert hazard.deadline == D(2026, 3, 1)
    assert hazard.breaks_zero_out
    assert hazard.zero_out_reason == "泄爆片须进口，海关查验延误"
    found = api_ids(client, "major=1")
    assert found[hazard.pk]["breaks_zero_out"] is True
    assert "超出清零时限" in client.get("/hazards/?major=1").content.decode()

    # An extension within the rule needs no such reason.
    other = make(enterprise_a, deadline=D(2026, 1, 15), description="第二项")
    extension = services.request_extension(
        officer, other.pk, new_deadline=D(2026, 1, 31), reason="施工队伍延误"
    )
    assert not extension.breaks_zero_out and extension.zero_out_reason == ""


def test_the_api_extension_refuses_without_a_reason(client, users, enterprise_a, on_day):
    on_day(D(2026, 1, 10))
    hazard = make(enterprise_a, deadline=D(2026, 1, 20))
    client_for(client, users[Role.SAFETY_OFFICER])
    url = f"/api/v1/hazards/{hazard.pk}/extensions"
    body = {"new_deadline": "2026-03-01", "reason": "进口部件未到货"}
    response = post_json(client, url, body)
    assert response.status_code == 422
    assert "超出清零时限的理由" in response.json()["detail"]
    response = post_json(client, url, {**body, "zero_out_reason": "海关查验延误"})
    assert response.status_code == 201
    assert response.json()["breaks_zero_out"] is True
    assert response.json()["zero_out_reason"] == "海关查验延误"


# --- a deadline counted across a year without a holiday notice (item 20) -------------------------


@pytest.fixture
def fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def test_a_deadline_counted_across_2027_is_provisional_everywhere(
    client, users, enterprise_a, on_day, fresh_calendar
):
    on_day(D(2026, 12, 1))
    across = make(enterprise_a, found_on=D(2026, 11, 20), deadline=D(2027, 1, 15))
    within = make(
        enterprise_a, found_on=D(2026, 11, 20), deadline=D(2026, 12, 20), description="年内"
    )
    assert across.deadline_provisional() and not within.deadline_provisional()

    client_for(client, users[Role.SUPERVISOR])
    found = api_ids(client, "")
    assert found[across.pk]["deadline_provisional"] is True
    assert found[within.pk]["deadline_provisional"] is False
    detail = client.get(f"/hazards/{across.pk}/").content.decode()
    assert 'id="deadline-provisional"' in detail
    assert 'id="deadline-provisional"' not in client.get(f"/hazards/{within.pk}/").content.decode()
    ledger = client.get("/hazards/").content.decode()
    assert ledger.count(">暂定</span>") == 1

    # Once the 2027 notice is loaded, the same deadline is not provisional.
    from core.models import CalendarYear

    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    assert not across.deadline_provisional()
    assert api_ids(client, "")[across.pk]["deadline_provisional"] is False
