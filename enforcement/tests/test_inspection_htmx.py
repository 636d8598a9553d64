"""The checklist page answered by htmx (issue 12): each change of an item saves it and returns
the item's answer with "已保存 HH:MM" or its Chinese reason, plus the progress count out of band;
本节不适用 answers a section's unanswered items at once; the plain form posts still work."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for
from core.errors import Refused
from enforcement.inspections import services as inspections
from enforcement.models import (
    Inspection,
    InspectionAnswer,
    InspectionEvent,
    InspectionPhoto,
    Result,
)
from enforcement.tests.test_inspection_scoping import png

HX = {"HX-Request": "true"}


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


@pytest.fixture
def draft(enforcer, inspectors, enterprise_a):
    return inspections.create_inspection(
        enforcer, enterprise_a.pk, "on_site", None, [inspectors[0].pk, inspectors[1].pk]
    )


@pytest.fixture
def sections(draft):
    found = inspections.checklist_sections(inspections.checklist_rows(draft))
    assert len(found) >= 2, "enterprise_a's checklist should have more than one section"
    return found


def answer_url(inspection, item):
    return f"/enforcement/inspections/{inspection.pk}/items/{item.pk}/"


def section_url(inspection, template_id):
    return f"/enforcement/inspections/{inspection.pk}/sections/{template_id}/not-applicable/"


def progress_of(html: str) -> str:
    start = html.index('<span id="progress"')
    return html[start : html.index("</span>", start)]


# --- the page ----------------------------------------------------------------------------------


def test_page_shows_sections_progress_and_htmx_forms(client, enforcer, draft, sections):
    html = client_for(client, enforcer).get(f"/enforcement/inspections/{draft.pk}/").content
    html = html.decode()
    total = sum(len(s["rows"]) for s in sections)
    assert f"已答 0 / {total} 项，不符合 0 项" in html
    for section in sections:
        assert f'id="section-{section["template"].pk}"' in html
        assert section_url(draft, section["template"].pk) in html
    assert html.count("本节不适用") >= len(sections)
    first = sections[0]["rows"][0]["item"]
    assert f'hx-post="{answer_url(draft, first)}"' in html
    assert 'hx-trigger="keyup changed delay:1500ms"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert "{#" not in html and "#}" not in html  # no template comment printed as text


def test_completed_inspection_is_read_only(client, enforcer, inspect, enterprise_a):
    done = inspect(enterprise_a, wanting=1)
    html = client_for(client, enforcer).get(f"/enforcement/inspections/{done.pk}/").content
    html = html.decode()
    assert "hx-post" not in html and "本节不适用" not in html and 'name="result"' not in html
    assert "不符合 1 项" in html
    item = done.answers.get(result=Result.NOT_COMPLIANT).item
    response = client.post(answer_url(done, item), {"result": "compliant"}, headers=HX)
    assert response.status_code == 409
    assert "检查已完成，不能修改检查结果" in response.content.decode()
    assert done.answers.get(item=item).result == Result.NOT_COMPLIANT


# --- one item by htmx --------------------------------------------------------------------------


def test_htmx_answer_returns_the_fragment_and_progress(client, enforcer, draft, sections):
    client_for(client, enforcer)
    rows = [row for section in sections for row in section["rows"]]
    first, second = rows[0]["item"], rows[1]["item"]
    response = client.post(answer_url(draft, first), {"result": "compliant"}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<nav" not in html  # a fragment, not the page
    assert f'id="answer-{first.pk}"' in html
    assert re.search(r"已保存 \d\d:\d\d", html)
    assert 'hx-swap-oob="true"' in html
    assert f"已答 1 / {len(rows)} 项，不符合 0 项" in progress_of(html)
    # the photo input comes back empty (out of band), so the next change does not resend photos
    assert f'id="photos-{first.pk}"' in html
    # the section's heading follows (out of band)
    head = html[html.index(f'<div id="section-head-{sections[0]["template"].pk}"') :]
    assert head.split(">", 1)[0].endswith('hx-swap-oob="true"')
    assert f"未答 {len(sections[0]['rows']) - 1} 项" in head and "本节不适用" in head
    assert InspectionAnswer.objects.get(inspection=draft, item=first).result == Result.COMPLIANT

    # 不符合 without a note: 422 with the reason in the item, nothing stored
    response = client.post(answer_url(draft, second), {"result": "not_compliant"}, headers=HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "未保存：不符合的条目请写明具体问题" in html and f'id="answer-{second.pk}"' in html
    assert f'id="photos-{second.pk}"' not in html  # photos chosen would stay for the next try
    assert "已答 1 /" in progress_of(html)
    assert not InspectionAnswer.objects.filter(inspection=draft, item=second).exists()

    # the note typed (autosave): stored, counted as wanting
    response = client.post(
        answer_url(draft, second),
        {"result": "not_compliant", "note": "未设置断水报警"},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "未设置断水报警" in html and "已保存" in html
    assert f"已答 2 / {len(rows)} 项，不符合 1 项" in progress_of(html)

    # a note without a result on an unanswered item: the reason, not a silent failure
    third = rows[2]["item"]
    response = client.post(answer_url(draft, third), {"note": "先写说明"}, headers=HX)
    assert response.status_code == 422 and "请选择检查结果" in response.content.decode()


def test_htmx_photos_are_added(client, settings, tmp_path, enforcer, draft, sections):
    settings.MEDIA_ROOT = tmp_path
    client_for(client, enforcer)
    item = sections[0]["rows"][0]["item"]
    response = client.post(
        answer_url(draft, item),
        {"result": "compliant", "photos": [png("a.png"), png("b.png")]},
        headers=HX,
    )
    assert response.status_code == 200
    photos = list(InspectionPhoto.objects.all())
    assert len(photos) == 2
    html = response.content.decode()
    for photo in photos:
        assert f"/enforcement/inspection-photos/{photo.pk}/" in html
    # photos alone (the result already stored) are added to the answer
    response = client.post(answer_url(draft, item), {"photos": [png("c.png")]}, headers=HX)
    assert response.status_code == 200 and InspectionPhoto.objects.count() == 3
    # not an image: 422 with the reason, nothing added
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(answer_url(draft, item), {"photos": [fake]}, headers=HX)
    assert response.status_code == 422 and "不是有效的图片" in response.content.decode()
    assert InspectionPhoto.objects.count() == 3


@pytest.mark.parametrize(
    "data",
    [
        {"result": "maybe"},
        {"result": "not_compliant", "note": "x\x00"},
        {"result": "compliant", "note": "长" * 501},
    ],
)
def test_htmx_bad_input_is_a_chinese_422(client, enforcer, draft, sections, data):
    item = sections[0]["rows"][0]["item"]
    response = client_for(client, enforcer).post(answer_url(draft, item), data, headers=HX)
    assert response.status_code == 422
    assert "未保存：" in response.content.decode()
    assert not InspectionAnswer.objects.exists()


def test_plain_post_still_redirects(client, enforcer, draft, sections):
    item = sections[0]["rows"][0]["item"]
    client_for(client, enforcer)
    response = client.post(answer_url(draft, item), {"result": "not_applicable"})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    assert InspectionAnswer.objects.get(item=item).result == Result.NOT_APPLICABLE
    response = client.post(answer_url(draft, item), {"result": "not_compliant"}, follow=True)
    assert "请写明具体问题" in response.content.decode()
    assert InspectionAnswer.objects.get(item=item).result == Result.NOT_APPLICABLE


# --- 本节不适用: the service -------------------------------------------------------------------


def test_answer_section_answers_only_the_unanswered(enforcer, draft, sections):
    section = sections[0]
    rows = section["rows"]
    first, second = rows[0]["item"], rows[1]["item"]
    inspections.answer(enforcer, draft.pk, first.pk, Result.COMPLIANT)
    inspections.answer(enforcer, draft.pk, second.pk, Result.NOT_COMPLIANT, "疏散通道堵塞")
    done = inspections.answer_section(enforcer, draft.pk, section["template"].pk)
    assert done == len(rows) - 2
    answers = {a.item_id: a for a in draft.answers.all()}
    assert answers[first.pk].result == Result.COMPLIANT
    assert answers[second.pk].result == Result.NOT_COMPLIANT
    assert answers[second.pk].note == "疏散通道堵塞"
    assert {answers[r["item"].pk].result for r in rows[2:]} == {Result.NOT_APPLICABLE}
    # the other sections are untouched
    others = {r["item"].pk for s in sections[1:] for r in s["rows"]}
    assert not others & set(answers)
    event = InspectionEvent.objects.get(inspection=draft, action="section")
    assert event.actor == enforcer and f"{done} 项不适用" in event.note
    # nothing left to answer in that section
    with pytest.raises(Refused, match="均已作答") as refused:
        inspections.answer_section(enforcer, draft.pk, section["template"].pk)
    assert refused.value.status == 409


def test_answer_section_refusals(users, enforcer, draft, sections, inspect, enterprise_a, outsider):
    template_id = sections[0]["template"].pk
    cases = [
        (lambda: inspections.answer_section(enforcer, draft.pk, template_id, "maybe"), 422),
        (
            lambda: inspections.answer_section(
                enforcer, draft.pk, template_id, Result.NOT_COMPLIANT
            ),
            422,
        ),
        (lambda: inspections.answer_section(enforcer, draft.pk, 2**70), 422),
        (lambda: inspections.answer_section(enforcer, draft.pk, 999999), 422),
        (lambda: inspections.answer_section(users[Role.COUNTY_ADMIN], draft.pk, template_id), 403),
        (lambda: inspections.answer_section(outsider, draft.pk, template_id), 404),
    ]
    for act, status in cases:
        with pytest.raises(Refused) as refused:
            act()
        assert refused.value.status == status, str(refused.value)
    assert not draft.answers.exists()
    done = inspect(enterprise_a, wanting=0)
    with pytest.raises(Refused, match="检查已完成") as refused:
        inspections.answer_section(enforcer, done.pk, template_id)
    assert refused.value.status == 409


# --- 本节不适用: the page ----------------------------------------------------------------------


def test_htmx_section_not_applicable(client, enforcer, draft, sections):
    client_for(client, enforcer)
    section, other = sections[0], sections[1]
    first = section["rows"][0]["item"]
    client.post(answer_url(draft, first), {"result": "compliant"}, headers=HX)
    template_id = section["template"].pk
    response = client.post(section_url(draft, template_id), headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="section-{template_id}"' in html
    assert f'id="section-{other["template"].pk}"' not in html
    total = sum(len(s["rows"]) for s in sections)
    answered = len(section["rows"])
    assert f"已答 {answered} / {total} 项，不符合 0 项" in progress_of(html)
    assert 'hx-swap-oob="true"' in html
    assert "本节不适用" not in html  # nothing left to mark in this section
    assert InspectionAnswer.objects.get(item=first).result == Result.COMPLIANT
    assert draft.answers.filter(result=Result.NOT_APPLICABLE).count() == answered - 1
    # again: 409 with the reason in the section
    response = client.post(section_url(draft, template_id), headers=HX)
    assert response.status_code == 409 and "本节条目均已作答" in response.content.decode()


def test_plain_section_post_redirects_with_a_message(client, enforcer, draft, sections):
    client_for(client, enforcer)
    template_id = sections[1]["template"].pk
    response = client.post(section_url(draft, template_id), follow=True)
    assert response.redirect_chain[0][0].endswith(f"#section-{template_id}")
    assert f"本节 {len(sections[1]['rows'])} 个未作答条目已标为不适用" in response.content.decode()


def test_section_scoping(client, users, enforcer, draft, sections, outsider, far_enterprise):
    template_id = sections[0]["template"].pk
    # a town supervisor of the other town: 404 for the page, the item and the section
    client_for(client, outsider)
    for url in (section_url(draft, template_id), answer_url(draft, sections[0]["rows"][0]["item"])):
        assert client.post(url, {"result": "compliant"}, headers=HX).status_code == 404
    # another county's inspection: 404 for our enforcer
    far = Inspection.objects.create(
        enterprise=far_enterprise,
        jurisdiction=far_enterprise.jurisdiction.parent,
        kind="on_site",
        inspected_on=timezone.localdate(),
        created_by=enforcer,
    )
    client_for(client, enforcer)
    assert client.post(section_url(far, template_id), headers=HX).status_code == 404
    assert client.post(section_url(far, template_id)).status_code == 404
    # a role that may look at inspections but not answer them: 403
    client_for(client, users[Role.COUNTY_ADMIN])
    assert client.post(section_url(draft, template_id), headers=HX).status_code == 403
    assert client.post(section_url(draft, template_id)).status_code == 403
    item = sections[0]["rows"][0]["item"]
    response = client.post(answer_url(draft, item), {"result": "compliant"}, headers=HX)
    assert response.status_code == 403
    assert not InspectionAnswer.objects.exists()


def test_complete_after_sections(client, enforcer, draft, sections):
    """The whole checklist answered by sections can be completed as before."""
    client_for(client, enforcer)
    for section in sections:
        client.post(section_url(draft, section["template"].pk), headers=HX)
    response = client.post(
        f"/enforcement/inspections/{draft.pk}/complete/",
        {"rectify_deadline": (timezone.localdate() + timedelta(days=10)).isoformat()},
        follow=True,
    )
    assert "检查已完成" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_draft


def test_ids_beyond_64_bits_are_refused_not_a_500(client, enforcer, draft, sections):
    client_for(client, enforcer)
    huge = 2**70
    item_url = f"/enforcement/inspections/{draft.pk}/items/{huge}/"
    for url, data in ((item_url, {"result": "compliant"}), (section_url(draft, huge), {})):
        response = client.post(url, data, headers=HX)
        assert response.status_code == 422, url
        html = response.content.decode()
        assert "编号有误" in html or "不在本企业的检查清单中" in html
        assert client.post(url, data).status_code == 302
    assert not InspectionAnswer.objects.exists()
