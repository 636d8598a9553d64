"""Pages: the draw form, verify and publish; the public pages show enterprise names, dates,
outcomes and inspectors' names and badge numbers, and nothing else personal."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for
from enforcement.models import AssignmentInspector, Draw, DrawAssignment
from enforcement.plans import services
from enforcement.plans.services import DrawRequest


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


@pytest.fixture
def published(enforcer, inspectors, many_enterprises):
    draw = services.create_draw(
        enforcer,
        DrawRequest(
            name="2026年第二批",
            enterprise_count=4,
            seed="pub",
            planned_from=date(2026, 6, 1),
            planned_to=date(2026, 6, 30),
        ),
    )
    services.publish_draw(enforcer, draw.pk)
    return draw


def test_draw_form_creates_and_shows(client, enforcer, inspectors, many_enterprises, town_a):
    client_for(client, enforcer)
    assert client.get("/enforcement/draws/new/").status_code == 200
    response = client.post(
        "/enforcement/draws/new/",
        {
            "name": "赵寨子镇抽查",
            "enterprise_count": 3,
            "inspectors_per_enterprise": 2,
            "avoid_repeat": "on",
            "town": town_a.pk,
            "industry": ["machinery"],
        },
    )
    draw = Draw.objects.get()
    assert response.status_code == 302 and response.url == f"/enforcement/draws/{draw.pk}/"
    assert draw.filters == {"town": town_a.pk, "industry": ["machinery"]}
    page = client.get(response.url)
    assert "重新验证" in page.content.decode()
    # A result is usually recorded on the day of the inspection: its date starts at today.
    dates = re.findall(r'name="completed_on"[^>]*value="([^"]*)"', page.content.decode())
    assert dates and set(dates) == {f"{timezone.localdate():%Y-%m-%d}"}
    verified = client.post(response.url, {"verify": "1"})
    assert "验证通过" in verified.content.decode()


def test_draw_form_refusal_is_shown_and_changes_nothing(client, enforcer, inspectors):
    client_for(client, enforcer)
    response = client.post(
        "/enforcement/draws/new/",
        {"name": "过多", "enterprise_count": 500, "inspectors_per_enterprise": 2},
        follow=True,
    )
    assert response.status_code == 200
    assert "超过符合条件的企业数" in response.content.decode()
    assert not Draw.objects.exists()


def test_verify_page_reports_tampering(client, enforcer, published):
    row = AssignmentInspector.objects.filter(assignment__draw=published).first()
    AssignmentInspector.objects.filter(pk=row.pk).update(position=9)
    client_for(client, enforcer)
    html = client.post(f"/enforcement/draws/{published.pk}/", {"verify": "1"}).content.decode()
    assert "验证未通过" in html


def test_public_pages_need_no_login_and_hide_personal_data(client, published, inspectors):
    listing = client.get("/public/draws/")
    assert listing.status_code == 200
    assert "2026年第二批" in listing.content.decode()
    page = client.get(f"/public/draws/{published.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    drawn = DrawAssignment.objects.filter(draw=published).select_related("enterprise")
    for assignment in drawn:
        assert assignment.enterprise.name in html
        assert assignment.enterprise.principal_phone not in html
        assert assignment.enterprise.principal_name not in html
    # Planned dates stay internal until the inspection is carried out.
    assert "2026-06-01" not in html
    shown = set(
        AssignmentInspector.objects.filter(assignment__draw=published).values_list(
            "inspector_id", flat=True
        )
    )
    for inspector in inspectors:
        assert inspector.phone not in html
        assert not re.search(rf"\b{inspector.username}\b", html)
        if inspector.pk in shown:
            assert f"{inspector.full_name}（{inspector.badge_number}）" in html
    assert "@" not in html


def test_public_page_shows_outcome_once_recorded(client, enforcer, published):
    assignment = published.assignments.first()
    services.record_outcome(
        enforcer, assignment.pk, "rectify", "粉尘清扫不到位", timezone.localdate()
    )
    html = client.get(f"/public/draws/{published.pk}/").content.decode()
    assert "发现问题，责令整改" in html
    assert "粉尘清扫不到位" not in html  # the note stays internal


def test_unpublished_draw_is_not_public(client, enforcer, inspectors, many_enterprises):
    draw = services.create_draw(enforcer, DrawRequest(name="内部", enterprise_count=2))
    assert client.get(f"/public/draws/{draw.pk}/").status_code == 404
    assert client.get(f"/public/draws/{draw.pk}/inputs.json").status_code == 404
    assert "内部" not in client.get("/public/draws/").content.decode()


def rerun(data):
    """What anyone holding the published JSON does: re-run the algorithm of that version."""
    from enforcement.plans import draw as algorithm

    assert data["algorithm"] == algorithm.ALGORITHM
    picks = algorithm.replay(data["seed"], data["pool"], data["n"], data["k"], data["candidates"])
    return picks, algorithm.result_hash(picks)


def test_public_inputs_rerun_to_the_same_result(client, published):
    data = client.get(f"/public/draws/{published.pk}/inputs.json").json()
    picks, digest = rerun(data)
    assert [[p.enterprise_id, list(p.inspector_ids)] for p in picks] == [
        [row["enterprise"], row["inspectors"]] for row in data["result"]
    ]
    assert digest == data["result_hash"] == published.result_hash


@pytest.fixture
def recused(users, enforcer, inspectors, many_enterprises):
    """A draw planned a month ahead, in which inspector0 stands aside from every enterprise
    (a declared conflict of interest), published before any inspection is carried out."""
    from enterprises.models import Enterprise

    supervisor = users[Role.SUPERVISOR]
    for enterprise in Enterprise.objects.all():
        services.declare_conflict(supervisor, inspectors[0].pk, enterprise.pk, "配偶在该企业任职")
    ahead = timezone.localdate() + timedelta(days=30)
    draw = services.create_draw(
        enforcer,
        DrawRequest(
            name="回避测试", enterprise_count=4, seed="recuse", planned_from=ahead,
            planned_to=ahead + timedelta(days=10),
        ),
    )  # fmt: skip
    services.publish_draw(enforcer, draw.pk)
    assert draw.exclusions  # the recusals were applied
    return draw


def test_public_inputs_verify_without_the_recusals_or_future_dates(client, recused, inspectors):
    response = client.get(f"/public/draws/{recused.pk}/inputs.json")
    text = response.content.decode()
    data = response.json()
    # What stood aside, from what and why is not published: no exclusions, no full inspector
    # pool, no reason; each drawn enterprise's candidates (after recusals) are.
    assert "exclusions" not in data and "inspectors" not in data
    assert "配偶" not in text
    recusal_pairs = {(int(e), i) for e, ids in recused.exclusions.items() for i in ids}
    for row in data["result"]:
        assert set(row["inspectors"]) <= set(data["candidates"][str(row["enterprise"])])
        for inspector in data["candidates"][str(row["enterprise"])]:
            assert (row["enterprise"], inspector) not in recusal_pairs
    # No planned date of an inspection not yet carried out, here or on the page.
    page = client.get(f"/public/draws/{recused.pk}/").content.decode()
    for assignment in recused.assignments.all():
        assert assignment.planned_date is not None
        assert assignment.planned_date.isoformat() not in text
        assert assignment.planned_date.isoformat() not in page
    # And it still verifies.
    _, digest = rerun(data)
    assert digest == data["result_hash"] == recused.result_hash
    assert services.verify(recused).ok


def test_a_tampered_candidate_list_does_not_verify(client, recused, inspectors):
    data = client.get(f"/public/draws/{recused.pk}/inputs.json").json()
    first = str(data["result"][0]["enterprise"])
    data["candidates"][first] = [
        i for i in data["candidates"][first] if i != data["result"][0]["inspectors"][0]
    ]
    _, digest = rerun(data)
    assert digest != data["result_hash"]


def test_the_public_page_shows_the_inspection_date_once_carried_out(client, enforcer, recused):
    assignment = recused.assignments.order_by("position").first()
    day = timezone.localdate()
    services.record_outcome(enforcer, assignment.pk, "rectify", "粉尘清扫不到位", day)
    html = client.get(f"/public/draws/{recused.pk}/").content.decode()
    assert day.isoformat() in html


def test_publish_and_outcome_pages(client, enforcer, inspectors, many_enterprises):
    draw = services.create_draw(enforcer, DrawRequest(name="待公开", enterprise_count=2))
    client_for(client, enforcer)
    client.post(f"/enforcement/draws/{draw.pk}/publish/")
    draw.refresh_from_db()
    assert draw.published
    again = client.post(f"/enforcement/draws/{draw.pk}/publish/", follow=True)
    assert "已公开" in again.content.decode()
    assignment = draw.assignments.first()
    client.post(
        f"/enforcement/assignments/{assignment.pk}/outcome/",
        {"outcome": "compliant", "completed_on": timezone.localdate().isoformat()},
    )
    assignment.refresh_from_db()
    assert assignment.outcome == "compliant"
    bad = client.post(
        f"/enforcement/assignments/{assignment.pk}/outcome/",
        {"outcome": "nonsense", "completed_on": "2026-01-01"},
        follow=True,
    )
    assert "请选择检查结果" in bad.content.decode()
    assignment.refresh_from_db()
    assert assignment.outcome == "compliant"


def test_conflict_page(client, users, inspectors, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    client_for(client, supervisor)
    response = client.post(
        "/enforcement/conflicts/",
        {"inspector": inspectors[0].pk, "enterprise": enterprise_a.credit_code, "reason": "亲属"},
    )
    assert response.status_code == 302
    html = client.get("/enforcement/conflicts/").content.decode()
    assert "亲属" in html and inspectors[0].full_name in html
    missing = client.post(
        "/enforcement/conflicts/",
        {"inspector": inspectors[0].pk, "enterprise": "不存在的企业", "reason": "亲属"},
    )
    assert "未找到该企业" in missing.content.decode()
    client.post(f"/enforcement/inspectors/{inspectors[1].pk}/", {"active": "0"})
    assert inspectors[1].pk not in services.inspector_pool(users[Role.SUPERVISOR].jurisdiction)


def test_nav_links(client, users):
    client_for(client, users[Role.ENFORCEMENT_OFFICER])
    assert "执法检查" in client.get("/enforcement/plans/").content.decode()
    client.logout()
    client_for(client, users[Role.PRINCIPAL])
    html = client.get("/enforcement/penalties/").content.decode()
    assert "行政处罚" in html and "双随机抽查" in html


def test_admin_pages(client, platform_admin, published):
    client_for(client, platform_admin)
    for name in ("penaltystate", "inspector", "conflict", "draw", "penalty"):
        assert client.get(f"/admin/enforcement/{name}/").status_code == 200
    assert client.get(f"/admin/enforcement/draw/{published.pk}/change/").status_code == 200
