"""The re-check (整改复查意见书) is the verification of the hazards an inspection ordered
rectified: each hazard the enterprise submitted is passed (closed) or returned with a reason
there, never closed on its own page; the document and the hazards' trail say so."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from core.errors import Refused
from enforcement.inspections import services as inspections
from enforcement.tests.conftest import answer_all
from hazards import services as hazard_services
from hazards.models import Hazard, State


@pytest.fixture
def ordered(users, inspectors, enterprise_a):
    """A completed on-site inspection that found two items wanting and ordered them
    rectified; returns it and its two hazards (in the checklist's order)."""
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    pair = [inspectors[0].pk, inspectors[1].pk]
    inspection = inspections.create_inspection(enforcer, enterprise_a.pk, "on_site", None, pair)
    rows = inspections.checklist_rows(inspection)
    first, second = rows[0]["item"], rows[1]["item"]
    answer_all(enforcer, inspection, {first.pk: "未建立责任制", second.pk: "未开展培训"})
    deadline = timezone.localdate() + timedelta(days=10)
    inspections.complete(enforcer, inspection.pk, "", deadline)
    hazards = [answer.hazard for answer in inspection.answers.filter(hazard__isnull=False)]
    hazards.sort(
        key=lambda h: [r["item"].pk for r in rows].index(h.inspection_answers.get().item_id)
    )
    return inspection, hazards


def rectify(users, hazard):
    officer = users[Role.SAFETY_OFFICER]
    hazard_services.plan(
        officer,
        hazard.pk,
        owner="李强",
        measures="补建制度",
        deadline=hazard.deadline,
        funds=1000 if hazard.is_major else None,
        contingency_plan="停用相关设备" if hazard.is_major else "",
    )
    hazard_services.start(officer, hazard.pk)
    hazard_services.submit(officer, hazard.pk, "已补建并培训")


def test_a_hazard_an_inspection_ordered_is_verified_by_its_recheck_not_its_own_page(users, ordered):
    inspection, (first, _second) = ordered
    link = f"/enforcement/inspections/{inspection.pk}/"
    assert first.order_link == link and first.state == State.CONFIRMED
    rectify(users, first)
    town = users[Role.TOWN_SUPERVISOR]
    hazard = Hazard.objects.get(pk=first.pk)
    hazard.pending_extension = None
    assert "close" not in hazard_services.available_actions(town, hazard)
    assert "return" not in hazard_services.available_actions(town, hazard)
    assert hazard_services.next_step(hazard) == hazard_services.RECHECK_STEP
    with pytest.raises(hazard_services.TransitionRefused, match="整改复查验收") as refused:
        hazard_services.close(town, first.pk, "验收合格")
    assert refused.value.status == 409
    assert Hazard.objects.get(pk=first.pk).state == State.SUBMITTED


def test_the_recheck_passes_or_returns_each_submitted_hazard(users, ordered):
    inspection, (first, second) = ordered
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    today = timezone.localdate()
    rectify(users, first)
    rectify(users, second)
    # Every submitted hazard needs a verdict, and a failed one its reason.
    with pytest.raises(Refused, match="第 1、2 项隐患已提交验收"):
        inspections.recheck(enforcer, inspection.pk, today, "部分整改")
    with pytest.raises(Refused, match="请填写不合格的理由"):
        inspections.recheck(
            enforcer,
            inspection.pk,
            today,
            "部分整改",
            verdicts={first.pk: (True, ""), second.pk: (False, " ")},
        )
    assert Hazard.objects.get(pk=first.pk).state == State.SUBMITTED  # nothing changed

    done = inspections.recheck(
        enforcer,
        inspection.pk,
        today,
        "责任制已建立；培训记录不全",
        verdicts={first.pk: (True, ""), second.pk: (False, "培训记录缺少签字")},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.closed_by) == (State.CLOSED, enforcer)
    assert second.state == State.RECTIFYING
    assert first.events.last().note == "整改复查合格"
    assert second.events.last().note == "整改复查不合格：培训记录缺少签字"
    assert [(h["verdict"], h["state"], h["closed"]) for h in done.hazard_states] == [
        ("合格", "已销号", True),
        ("不合格", "整改中", False),
    ]
    assert done.document.data["hazards"][0]["verdict"] == "合格"


def test_a_verdict_on_a_hazard_not_submitted_is_refused(users, ordered):
    inspection, (first, _second) = ordered
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    with pytest.raises(Refused, match="只能对已提交验收的隐患") as refused:
        inspections.recheck(
            enforcer, inspection.pk, timezone.localdate(), "复查", verdicts={first.pk: (True, "")}
        )
    assert refused.value.status == 409
    # Nothing submitted: a re-check records the states as they stand.
    done = inspections.recheck(enforcer, inspection.pk, timezone.localdate(), "尚未整改")
    assert [h["verdict"] for h in done.hazard_states] == ["", ""]


def test_the_recheck_form_on_the_page_asks_a_verdict_per_submitted_hazard(client, users, ordered):
    inspection, (first, second) = ordered
    rectify(users, first)
    client.force_login(users[Role.ENFORCEMENT_OFFICER])
    url = f"/enforcement/inspections/{inspection.pk}/"
    page = client.get(url).content.decode()
    assert f'name="verdict_{first.pk}"' in page
    assert f'name="verdict_{second.pk}"' not in page  # not submitted yet
    today = timezone.localdate().isoformat()
    recheck_url = f"{url}recheck/"
    response = client.post(
        recheck_url,
        {"rechecked_on": today, "opinion": "复查意见照录", f"verdict_{first.pk}": "fail"},
    )
    assert response.status_code == 200  # the page again, as typed, with the reason
    assert "不合格须填写理由" in response.content.decode()
    assert "复查意见照录" in response.content.decode()
    assert Hazard.objects.get(pk=first.pk).state == State.SUBMITTED
    response = client.post(
        recheck_url,
        {"rechecked_on": today, "opinion": "复查", f"verdict_{first.pk}": "pass"},
        follow=True,
    )
    assert "复查已记录" in response.content.decode()
    assert Hazard.objects.get(pk=first.pk).state == State.CLOSED
    hazard_page = client.get(f"/hazards/{first.pk}/").content.decode()
    assert 'id="order-link"' in hazard_page and url in hazard_page


def test_the_workbench_lists_a_recheck_due_once_the_enterprise_submits(client, users, ordered):
    from workbench.items import items_for

    inspection, (first, _second) = ordered
    enforcer, principal = users[Role.ENFORCEMENT_OFFICER], users[Role.PRINCIPAL]
    town = users[Role.TOWN_SUPERVISOR]

    def rechecks(user):
        return {i.key: i for i in items_for(user)}.get("rechecks")

    assert rechecks(enforcer) is None  # nothing submitted yet
    rectify(users, first)
    item = rechecks(enforcer)
    assert item.count == 1 and item.url.endswith("?awaiting=recheck")
    assert rechecks(town).count == 1
    assert rechecks(principal) is None  # the enterprise does not re-check itself
    # The town's own 待验收 does not count it: its own page offers no close.
    assert "hazards_submitted" not in {i.key for i in items_for(town)}
    client.force_login(enforcer)
    listed = client.get(item.url)
    assert [row.pk for row in listed.context["page"]] == [inspection.pk]
