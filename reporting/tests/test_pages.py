"""The commitment pages for every role: what each list shows, a commitment or a breach outside
the user's scope is a 404, a page a role may not use a 403; recording, withdrawing, recording
and revoking a breach from the pages; and forms with bad input answered in Chinese with nothing
changed."""

import json

import pytest
from django.urls import reverse

from accounts.roles import Role
from conftest import client_for
from reporting.kinds import default_content
from reporting.models import CommitmentBreach, SafetyCommitment
from reporting.tests.conftest import days, post, this_year, today, world, zero_out
from reporting.tests.roles import BREACHERS, RECORDERS, REVOKERS, ROLES, SCOPE

NAMES = {"a": "高唐县精工铸造有限公司", "a2": "山东鑫泰纺织有限公司", "b": "清平木业有限公司"}


def shown(html):
    return {key for key, name in NAMES.items() if name in html}


def table(html):
    """The page's table, without the filters above it."""
    return html[html.index("<table") : html.index("</table>")]


def page(client, user, name, *args, **params):
    client_for(client, user)
    return client.get(reverse(f"reporting:{name}", args=args), params)


# --- lists and scope ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["commitments", "breaches"])
def test_lists_show_exactly_the_scope(client, users, commitments, role, name):
    response = page(client, users[role], name)
    if SCOPE[role] is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert shown(response.content.decode()) == SCOPE[role]


@pytest.mark.parametrize("role", ROLES)
def test_a_commitment_outside_scope_is_a_404(client, users, commitments, role):
    for key, commitment in commitments["commitments"].items():
        response = page(client, users[role], "commitment_detail", commitment.pk)
        if SCOPE[role] is not None and key in SCOPE[role]:
            assert response.status_code == 200
            html = response.content.decode()
            assert NAMES[key] in html and f"检查发现违反承诺（{key}）" in html
            assert "登记承诺" in html  # the event trail
        elif SCOPE[role] is None and key == "a":
            assert response.status_code == 403  # their own enterprise's: they may not look
        else:
            assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_enterprise_tab(client, users, commitments, enterprise_a, enterprise_b, role):
    for key, enterprise in (("a", enterprise_a), ("b", enterprise_b)):
        response = page(client, users[role], "enterprise", enterprise.pk)
        if SCOPE[role] is not None and key in SCOPE[role]:
            assert response.status_code == 200
            html = response.content.decode()
            assert "动态清零承诺" in html and f"检查发现违反承诺（{key}）" in html
            assert "违反承诺 1 次" in html
            assert ("登记安全承诺" in html) == (role in RECORDERS)
            assert "<html" not in html  # a partial for the enterprise page
        elif SCOPE[role] is None and key == "a":
            assert response.status_code == 403
        else:
            assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_action_pages_per_role(client, users, commitments, role):
    """Each action page: 200 for the roles that may act in scope, 403 for other roles in
    scope, 404 outside scope."""
    user = users[role]
    visible = SCOPE[role] or {"a"}  # the employee's own enterprise is found, then refused
    future = {
        key: post(c.enterprise, period_start=days(5))
        for key, c in commitments["commitments"].items()
    }
    actions = {
        "commitment_withdraw": (RECORDERS, lambda key: future[key].pk),
        "breach_create": (BREACHERS, lambda key: commitments["commitments"][key].pk),
        "breach_revoke": (REVOKERS, lambda key: commitments["breaches"][key].pk),
    }
    for name, (allowed, pk_of) in actions.items():
        for key in ("a", "b"):
            status = page(client, user, name, pk_of(key)).status_code
            if key not in visible:
                assert status == 404, (name, key)
            else:
                assert status == (200 if role in allowed else 403), (name, key)
    create = page(client, user, "commitment_create").status_code
    assert create == (200 if role in RECORDERS else 403)


def test_the_outsider_sees_only_their_town(client, outsider, commitments):
    assert shown(page(client, outsider, "commitments").content.decode()) == {"b"}
    a = commitments["commitments"]["a"]
    assert page(client, outsider, "commitment_detail", a.pk).status_code == 404
    assert page(client, outsider, "breach_create", a.pk).status_code == 404


def test_posting_outside_scope_changes_nothing(client, outsider, users, commitments):
    a = commitments["commitments"]["a"]
    before = world()
    client_for(client, outsider)
    response = client.post(
        reverse("reporting:breach_create", args=[a.pk]),
        {"found_on": today().isoformat(), "description": "越权记录"},
    )
    assert response.status_code == 404
    client_for(client, users[Role.GRID_MEMBER])
    response = client.post(
        reverse("reporting:breach_revoke", args=[commitments["breaches"]["a"].pk]),
        {"reason": "越权撤销"},
    )
    assert response.status_code == 403
    assert world() == before


# --- filters and pagination --------------------------------------------------------------------


def test_list_filters(client, users, commitments, enterprise_a, enterprise_a2, town_b, principal):
    future = post(enterprise_a, period_start=days(5))
    from reporting import services

    services.withdraw(principal, future.pk, reason="登记有误")
    high = post(enterprise_a2, kind="high_risk_work", work_type="hot_work")
    supervisor = users[Role.SUPERVISOR]

    def titles(**params):
        return table(page(client, supervisor, "commitments", **params).content.decode())

    assert "动火作业（电气焊）安全承诺" in titles(kind="high_risk_work")
    assert "动态清零承诺" not in titles(kind="high_risk_work")
    assert shown(titles(town=town_b.pk)) == {"b"}
    assert shown(titles(q="鑫泰")) == {"a2"}
    withdrawn = titles(status="withdrawn")
    assert shown(withdrawn) == {"a"} and "已撤回" in withdrawn
    assert "已撤回" not in titles(status="active")
    assert shown(titles(status="expired")) == set()
    # A bad value is dropped, not an error.
    assert shown(titles(kind="nonsense", town="abc", status="x")) == {"a", "a2", "b"}
    assert high.pk


def test_breach_list_filters(client, users, commitments, county_supervisor):
    from reporting import services

    services.revoke_breach(county_supervisor, commitments["breaches"]["b"].pk, reason="误记")
    supervisor = users[Role.SUPERVISOR]
    assert shown(page(client, supervisor, "breaches").content.decode()) == {"a", "a2"}
    assert shown(page(client, supervisor, "breaches", revoked="revoked").content.decode()) == {"b"}
    assert shown(page(client, supervisor, "breaches", revoked="all").content.decode()) == {
        "a",
        "a2",
        "b",
    }
    html = page(client, supervisor, "breaches", cause="overdue_major_hazard").content.decode()
    assert shown(html) == set()


def test_lists_are_paginated(client, users, enterprise_a):
    for n in range(55):
        post(enterprise_a, committer_name=f"员工{n:02d}")
    html = page(client, users[Role.SUPERVISOR], "commitments", kind="post").content.decode()
    assert "第 1 / 2 页，共 55 条" in html
    second = page(client, users[Role.SUPERVISOR], "commitments", kind="post", page=2)
    assert "第 2 / 2 页" in second.content.decode()
    assert "kind=post" in html  # the next page keeps the filter


# --- recording from the pages ------------------------------------------------------------------


def test_the_form_starts_with_the_standard_text(client, principal, enterprise_a):
    html = page(client, principal, "commitment_create", kind="zero_out").content.decode()
    assert "确保重大事故隐患“动态清零”" in html
    assert enterprise_a.principal_name in html
    html = page(client, principal, "commitment_create", kind="high_risk_work").content.decode()
    script = html[html.index('id="commitment-defaults"') :]
    defaults = json.loads(script[script.index(">") + 1 : script.index("</script>")])
    # The wording the page switches to when a work type is chosen.
    assert defaults["high_risk_work:confined_space"] == default_content(
        "high_risk_work", "confined_space"
    )
    assert defaults["zero_out"] == default_content("zero_out")


def test_a_principal_records_from_the_page(client, principal, enterprise_a):
    start, end = this_year()
    client_for(client, principal)
    response = client.post(
        reverse("reporting:commitment_create"),
        {
            "kind": "high_risk_work",
            "work_type": "confined_space",
            "committer_name": "张立新",
            "committer_post": "设备科科长",
            "period_start": today().isoformat(),
            "period_end": end.isoformat(),
            "signed_on": today().isoformat(),
            "content": "",
        },
    )
    commitment = SafetyCommitment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:commitment_detail", args=[commitment.pk])
    assert (commitment.enterprise, commitment.work_type) == (enterprise_a, "confined_space")
    assert "有限空间作业" in commitment.content
    assert start <= commitment.period_start


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"kind": "bogus"}, "选择一个有效的选项"),
        ({"committer_name": ""}, "这个字段是必填项"),
        ({"period_start": "2026-13-01"}, "输入一个有效的日期"),
        ({"period_end": "明天"}, "输入一个有效的日期"),
        (
            {"period_start": "2026-06-01", "period_end": "2026-05-01"},
            "承诺期结束日期不能早于开始日期",
        ),
        ({"period_start": "2026-01-01", "period_end": "2030-01-01"}, "承诺期最长三年"),
        ({"kind": "high_risk_work", "work_type": ""}, "请选择高风险作业类型"),
        ({"committer_name": "王" * 41}, "不超过 40 字符"),
        ({"committer_name": "王\x00"}, "不允许是用空字符串"),
    ],
)
def test_bad_input_is_answered_in_chinese(client, principal, changes, field_error):
    start, end = this_year()
    data = {
        "kind": "zero_out",
        "work_type": "",
        "committer_name": "王建国",
        "committer_post": "主要负责人",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "signed_on": start.isoformat(),
        "content": "",
    }
    data.update(changes)
    before = world()
    client_for(client, principal)
    response = client.post(reverse("reporting:commitment_create"), data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert world() == before


def test_a_refusal_from_the_service_shows_on_the_form(client, principal, enterprise_a):
    zero_out(enterprise_a, recorder=principal)
    start, end = this_year()
    before = world()
    client_for(client, principal)
    response = client.post(
        reverse("reporting:commitment_create"),
        {
            "kind": "zero_out",
            "committer_name": "王建国",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "signed_on": start.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "承诺期不能重叠" in response.content.decode()
    assert world() == before


def test_withdraw_breach_and_revoke_from_the_pages(
    client, principal, town, county_supervisor, enterprise_a
):
    future = post(enterprise_a, period_start=days(3))
    client_for(client, principal)
    url = reverse("reporting:commitment_withdraw", args=[future.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    response = client.post(url, {"reason": "登记有误"})
    assert response.status_code == 302
    future.refresh_from_db()
    assert future.withdraw_reason == "登记有误"
    # Once withdrawn the page says so and a second post is refused without change.
    before = world()
    response = client.post(url, {"reason": "再次"})
    assert response.status_code == 200 and "该承诺已撤回" in response.content.decode()
    assert world() == before

    commitment = zero_out(enterprise_a, recorder=principal)
    client_for(client, town)
    url = reverse("reporting:breach_create", args=[commitment.pk])
    before = world()
    response = client.post(url, {"found_on": days(1).isoformat(), "description": "未带队检查"})
    assert response.status_code == 200 and "发现日期不能晚于今天" in response.content.decode()
    response = client.post(url, {"found_on": "", "description": ""})
    assert "这个字段是必填项" in response.content.decode()
    assert world() == before
    response = client.post(
        url, {"found_on": today().isoformat(), "description": "本季度未带队检查"}
    )
    assert response.status_code == 302
    breach = CommitmentBreach.objects.get()
    detail = client.get(reverse("reporting:commitment_detail", args=[commitment.pk]))
    assert "本季度未带队检查" in detail.content.decode()

    client_for(client, county_supervisor)
    url = reverse("reporting:breach_revoke", args=[breach.pk])
    response = client.post(url, {"reason": "经核实为误记"})
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.revoke_reason == "经核实为误记"
    detail = client.get(reverse("reporting:commitment_detail", args=[commitment.pk]))
    assert "已撤销" in detail.content.decode()


def test_lists_read_a_fixed_number_of_queries(client, users, enterprise_a, enterprise_b):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting import services

    supervisor = users[Role.SUPERVISOR]
    client_for(client, supervisor)

    def queries(name, *args):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"reporting:{name}", args=args)).status_code == 200
        return len(captured)

    def add(n):
        for i in range(n):
            commitment = post(enterprise_a if i % 2 else enterprise_b, committer_name=f"员工{i}")
            services.record_breach(supervisor, commitment.pk, description="未佩戴防护用品")

    add(2)
    few = [queries("commitments"), queries("breaches"), queries("enterprise", enterprise_a.pk)]
    add(20)
    many = [queries("commitments"), queries("breaches"), queries("enterprise", enterprise_a.pk)]
    assert many == few


def test_admin_pages_are_read_only(client, platform_admin, commitments):
    client_for(client, platform_admin)
    commitment = commitments["commitments"]["a"]
    breach = commitments["breaches"]["a"]
    assert client.get("/admin/reporting/safetycommitment/").status_code == 200
    assert client.get("/admin/reporting/commitmentbreach/").status_code == 200
    detail = client.get(f"/admin/reporting/safetycommitment/{commitment.pk}/change/")
    assert detail.status_code == 200 and "登记承诺" in detail.content.decode()
    assert client.get(f"/admin/reporting/commitmentbreach/{breach.pk}/change/").status_code == 200
    assert client.get("/admin/reporting/safetycommitment/add/").status_code == 403
    before = world()
    client.post(f"/admin/reporting/commitmentbreach/{breach.pk}/delete/", {"post": "yes"})
    assert world() == before
