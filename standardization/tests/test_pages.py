"""The pages: the list, a rating with its step forms, steps taken through the pages (bad input
answered in Chinese, never a 500), documents, the enterprise section, the town overview, the
rated list export, spot checks and their draw, benchmark enterprises and their public list."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.roles import Role
from conftest import client_for
from standardization import services
from standardization.models import Benchmark, Rating, RatingDocument, SpotCheck
from standardization.states import State
from standardization.tests.conftest import major_hazard, rated, snapshot, today

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_apply_through_the_page(client, users, enterprise_a):
    client_for(client, users[Role.PRINCIPAL])
    response = client.post(
        "/standardization/apply/",
        {"enterprise": enterprise_a.pk, "grade": "level3", "note": "自评完成"},
    )
    rating = Rating.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/standardization/{rating.pk}/"
    page = client.get(f"/standardization/{rating.pk}/")
    assert "已申请" in page.content.decode()


def test_the_veto_is_shown_on_the_apply_form(client, users, enterprise_a, supervisor):
    hazard = major_hazard(supervisor, enterprise_a)
    client_for(client, users[Role.PRINCIPAL])
    before = snapshot()
    response = client.post(
        "/standardization/apply/", {"enterprise": enterprise_a.pk, "grade": "level3"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "一票否决" in body and f"第{hazard.pk}号" in body
    assert snapshot() == before


def test_bad_input_on_the_apply_form(client, users, enterprise_a, enterprise_b):
    client_for(client, users[Role.PRINCIPAL])
    for data in (
        {"enterprise": enterprise_a.pk, "grade": "level9"},
        {"enterprise": enterprise_b.pk, "grade": "level3"},  # not theirs
        {"enterprise": "x", "grade": "level3"},
        {"enterprise": enterprise_a.pk, "grade": "level3", "note": "坏\x00字符"},
    ):
        response = client.post("/standardization/apply/", data)
        assert response.status_code == 200
        assert not Rating.objects.exists()


def test_steps_through_the_pages(client, users, enterprise_a, principal):
    rating = services.apply(principal, enterprise_a.pk, "level3")
    client_for(client, users[Role.SUPERVISOR])
    page = client.get(f"/standardization/{rating.pk}/").content.decode()
    assert 'id="step-start_review"' in page and 'id="step-announce"' not in page
    url = f"/standardization/{rating.pk}/"
    response = client.post(url + "start_review/", {"start_review-reviewers": "王评审\n李评审"})
    assert response.status_code == 302
    response = client.post(
        url + "record_review/",
        {
            "record_review-passed": "yes",
            "record_review-conclusion": "符合",
            "record_review-reviewed_on": today().isoformat(),
        },
    )
    rating.refresh_from_db()
    assert rating.state == State.REVIEWED
    # bad input: a date in the future, nothing changes, a Chinese message, no 500
    before = snapshot()
    response = client.post(url + "announce/", {"announce-announced_on": "2999-01-01"}, follow=True)
    assert response.status_code == 200
    assert any("公告日期" in m for m in _messages(response))
    response = client.post(url + "announce/", {"announce-announced_on": "不是日期"}, follow=True)
    assert response.status_code == 200 and _messages(response)
    assert snapshot() == before
    client.post(url + "announce/", {"announce-announced_on": today().isoformat()})
    client.post(
        url + "certify/",
        {"certify-certificate_no": "GT-1", "certify-issued_on": today().isoformat()},
    )
    rating.refresh_from_db()
    enterprise_a.refresh_from_db()
    assert rating.state == State.VALID and enterprise_a.standardization == "level3"
    # an action out of state is refused with its reason, an unknown one is a 404
    response = client.post(url + "certify/", {"certify-certificate_no": "X"}, follow=True)
    assert response.status_code == 200
    assert client.post(url + "nonsense/").status_code == 404


def test_a_step_by_a_role_that_may_not_is_403(client, users, enterprise_a, principal):
    rating = services.apply(principal, enterprise_a.pk, "level3")
    client_for(client, users[Role.TOWN_SUPERVISOR])
    response = client.post(
        f"/standardization/{rating.pk}/start_review/", {"start_review-reviewers": "王"}
    )
    assert response.status_code == 403


def test_documents_are_checked(client, users, enterprise_a, principal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rating = services.apply(principal, enterprise_a.pk, "level3")
    client_for(client, principal)
    url = f"/standardization/{rating.pk}/upload/"
    for name, content in (("材料.pdf", b"not a pdf"), ("材料.exe", PDF), ("材料.pdf", b"")):
        response = client.post(
            url,
            {"step": "application", "file": SimpleUploadedFile(name, content)},
            follow=True,
        )
        assert response.status_code == 200
    assert not RatingDocument.objects.exists()
    client.post(url, {"step": "application", "file": SimpleUploadedFile("自评报告.pdf", PDF)})
    document = RatingDocument.objects.get()
    assert document.name == "自评报告.pdf"
    response = client.get(f"/standardization/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    # the bureau's step "review" is not the enterprise's
    response = client.post(url, {"step": "review", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 403
    assert rating.events.filter(action="document").count() == 1


def test_the_enterprise_section(client, users, enterprise_a, supervisor):
    rated(users, enterprise_a, "level2")
    client_for(client, users[Role.PRINCIPAL])
    body = client.get(f"/standardization/enterprises/{enterprise_a.pk}/").content.decode()
    assert "二级" in body and "有效期至" in body
    detail = client.get(f"/enterprises/{enterprise_a.pk}/").content.decode()
    assert f"/standardization/enterprises/{enterprise_a.pk}/" in detail


def test_the_town_overview_counts_small_micro_separately(
    client, users, enterprise_a, enterprise_a2, enterprise_b, principal
):
    enterprise_a2.small_micro = True
    enterprise_a2.save()
    rated(users, enterprise_a2, "small_micro")
    services.apply(principal, enterprise_a.pk, "level3")
    client_for(client, users[Role.SUPERVISOR])
    response = client.get("/standardization/overview/")
    rows = {r["name"]: r for r in response.context["rows"]}
    town_a = rows["赵寨子镇"]
    assert (town_a["total"], town_a["rated"], town_a["applied"], town_a["not_started"]) == (
        2,
        1,
        1,
        0,
    )
    assert (town_a["small_total"], town_a["small_rated"]) == (1, 1)
    assert rows["清平镇"]["not_started"] == 1
    assert response.context["totals"]["total"] == 3
    body = response.content.decode()
    assert 'data-chart="standardization-towns"' in body and 'id="chart-data"' in body
    assert response.context["chart"]["rated"] == [r["rated"] for r in response.context["rows"]]
    # a town sees its own town only
    client_for(client, users[Role.TOWN_SUPERVISOR])
    rows = client.get("/standardization/overview/").context["rows"]
    assert [r["name"] for r in rows] == ["赵寨子镇"]


def test_the_rated_list_export(client, users, enterprise_a, enterprise_b, principal):
    rated(users, enterprise_a, "level3")
    client_for(client, users[Role.TOWN_SUPERVISOR])
    response = client.get("/standardization/export.xlsx")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "企业名称"
    assert [r[0] for r in rows[1:]] == [enterprise_a.name]
    assert rows[1][5] == "三级"


def test_the_random_draw_reuses_the_double_random_algorithm(
    client, users, enterprise_a, enterprise_a2, enterprise_b
):
    for enterprise in (enterprise_a, enterprise_a2, enterprise_b):
        rated(users, enterprise, "level3")
    client_for(client, users[Role.SUPERVISOR])
    response = client.post("/standardization/checks/draw/", {"count": 2, "seed": "2026-抽查"})
    assert response.status_code == 302
    from enforcement.plans.draw import rng_for

    pool = sorted(Rating.objects.values_list("pk", flat=True))
    expected = rng_for("2026-抽查").sample(pool, 2)
    assert list(SpotCheck.objects.order_by("pk").values_list("rating_id", flat=True)) == expected
    draw = SpotCheck.objects.first().draw
    assert services.verify_draw(draw)
    page = client.get("/standardization/checks/").content.decode()
    assert "复核一致" in page
    # too many: a Chinese reason, nothing drawn
    before = snapshot()
    response = client.post("/standardization/checks/draw/", {"count": 5}, follow=True)
    assert any("超过" in m for m in _messages(response))
    response = client.post("/standardization/checks/draw/", {"count": "abc"}, follow=True)
    assert response.status_code == 200
    assert snapshot() == before


def test_benchmarks_and_their_public_list(client, users, enterprise_a, enterprise_b):
    rated(users, enterprise_a, "level2")
    client_for(client, users[Role.SUPERVISOR])
    response = client.post(
        "/standardization/benchmarks/",
        {"enterprise": enterprise_a.pk, "year": 2025, "citation": "双重预防机制运行良好"},
    )
    assert response.status_code == 302
    benchmark = Benchmark.objects.get()
    assert (benchmark.industry, benchmark.grade) == (enterprise_a.industry, "level2")
    # not rated: not offered (a form error, nothing saved)
    response = client.post(
        "/standardization/benchmarks/",
        {"enterprise": enterprise_b.pk, "year": 2025, "citation": "x"},
    )
    assert response.status_code == 200 and Benchmark.objects.count() == 1
    client.logout()
    public = client.get("/public/benchmarks/").content.decode()
    assert enterprise_a.name in public and "双重预防机制运行良好" in public
    client_for(client, users[Role.SUPERVISOR])
    client.post(f"/standardization/benchmarks/{benchmark.pk}/withdraw/")
    client.logout()
    assert enterprise_a.name not in client.get("/public/benchmarks/").content.decode()


def test_priority_resumption_is_shown_for_a_rated_enterprise(
    client, users, enterprise_a, enterprise_b, supervisor
):
    from hazards import services as hazard_services

    rated(users, enterprise_a, "level3")
    shown = {}
    for enterprise in (enterprise_a, enterprise_b):
        hazard = major_hazard(supervisor, enterprise)
        hazard_services.suspend(users[Role.COUNTY_ADMIN], hazard.pk, suspension="production")
        client_for(client, users[Role.SUPERVISOR])
        body = client.get(f"/hazards/{hazard.pk}/").content.decode()
        shown[enterprise.pk] = "优先复产验收" in body
        enterprise.refresh_from_db()  # the derived grade, not a stale copy's
        enterprise.status = "suspended"
        enterprise.save()
        page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
        assert ("优先复产验收" in page) == shown[enterprise.pk]
    assert shown == {enterprise_a.pk: True, enterprise_b.pk: False}


def test_check_and_renewal_forms_through_the_pages(client, users, enterprise_a, supervisor):
    from datetime import timedelta

    rating = rated(users, enterprise_a, "level2", issued_on=today() - timedelta(days=3 * 365 - 30))
    client_for(client, supervisor)
    url = f"/standardization/{rating.pk}/"
    assert 'id="step-start_check"' in client.get(url).content.decode()
    client.post(url + "start_check/", {"start_check-note": "年度抽查"})
    body = client.get(url).content.decode()
    assert 'id="step-conclude_check"' in body
    # a downgrade without the lower grade: refused in Chinese, nothing changes
    before = snapshot()
    response = client.post(
        url + "conclude_check/",
        {"conclude_check-outcome": "downgraded", "conclude_check-conclusion": "问题较多"},
        follow=True,
    )
    assert any("等级" in m for m in _messages(response))
    assert snapshot() == before
    client.post(
        url + "conclude_check/",
        {
            "conclude_check-outcome": "downgraded",
            "conclude_check-new_grade": "level3",
            "conclude_check-conclusion": "问题较多",
        },
    )
    enterprise_a.refresh_from_db()
    assert enterprise_a.standardization == "level3"
    client_for(client, users[Role.PRINCIPAL])
    body = client.get(url).content.decode()
    assert 'id="step-renew"' in body and 'id="step-start_check"' not in body
    response = client.post(url + "renew/", {"renew-note": "到期换证"})
    assert response.status_code == 302
    assert Rating.objects.filter(renews=rating, state=State.APPLIED).exists()
