"""A penalty case's page says what comes next and who it waits for; a draw's page offers the
manual outcome form only for an assignment no checklist inspection has finished."""

from django.urls import reverse

from accounts.roles import Role
from conftest import client_for
from enforcement.inspections import services as inspections
from enforcement.penalties import services as penalty_services
from enforcement.plans import services
from enforcement.plans.services import DrawRequest
from enforcement.tests.conftest import answer_all


def test_a_penalty_page_says_what_comes_next(client, users, enterprise_a):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    case = penalty_services.file_penalty(
        enforcer, enterprise_a.pk, "未按规定清理粉尘", "《安全生产法》第九十九条第（三）项", 5000
    )
    url = reverse("enforcement:penalty", args=[case.pk])
    client_for(client, users[Role.PRINCIPAL])  # the party reads it too
    page = client.get(url).content.decode()
    assert 'id="next-step"' in page
    assert (
        f"下一步：告知当事人拟作出的处罚及其陈述、申辩权利 · 等待 执法人员（承办人 "
        f"{enforcer.display_name}）" in page
    )
    penalty_services.advance_penalty(enforcer, case.pk, "notified")
    penalty_services.advance_penalty(enforcer, case.pk, "decided")
    page = client.get(url).content.decode()
    assert f"下一步：履行处罚决定（缴纳罚款） · 等待 当事企业（{enterprise_a.name}）" in page
    penalty_services.advance_penalty(enforcer, case.pk, "executed")
    penalty_services.advance_penalty(enforcer, case.pk, "closed")
    assert 'id="next-step"' not in client.get(url).content.decode()


def test_an_assignment_finished_by_an_inspection_shows_it_not_the_outcome_form(
    client, users, inspectors, enterprise_a, enterprise_a2, enterprise_b
):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    draw = services.create_draw(enforcer, DrawRequest(name="抽查", enterprise_count=3, seed="s"))
    done = draw.assignments.get(enterprise=enterprise_a)
    waiting = draw.assignments.get(enterprise=enterprise_b)
    inspection = inspections.create_inspection(
        enforcer, enterprise_a.pk, "on_site", None, assignment_id=done.pk
    )
    answer_all(enforcer, inspection)
    inspections.complete(enforcer, inspection.pk)
    client_for(client, enforcer)
    page = client.get(reverse("enforcement:draw", args=[draw.pk])).content.decode()
    assert reverse("enforcement:outcome", args=[done.pk]) not in page
    assert reverse("enforcement:outcome", args=[waiting.pk]) in page
    assert f'href="{reverse("enforcement:inspection", args=[inspection.pk])}"' in page
    assert "已由执法检查登记结果" in page
