"""Who sees which inspections, documents and photos, for every role (pages, API, downloads);
who may inspect, read the statistics and the checklists. Outside scope is a 404; a role without
the action a 403."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import UPPER_ROLES as UPPER
from accounts.roles import Role
from conftest import client_for
from enforcement.inspections import services as inspections
from enforcement.models import Inspection, InspectionPhoto, Result

# Which of enterprise_a ("a"), enterprise_a2 ("a2") and enterprise_b ("b") each role sees the
# completed inspections of. None: the role may not look.
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},
    Role.EXPERT: None,
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    Role.EMPLOYEE: None,
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},  # 聊城市, above the county: reads all of it
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}
MANAGE = {Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
STATS = {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR, *UPPER}
STAFF = {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR, *UPPER}
STAFF |= {Role.GRID_MEMBER}


def png(name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(settings, tmp_path, users, inspect, enterprise_a, enterprise_a2, enterprise_b, outsider):
    settings.MEDIA_ROOT = tmp_path
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    done = {
        "a": inspect(enterprise_a, wanting=1, complete=False),
        "a2": inspect(enterprise_a2, wanting=1),
        "b": inspect(enterprise_b, wanting=1),
    }
    # a photo on enterprise_a's wanting item, then complete it
    row = done["a"].answers.filter(result=Result.NOT_COMPLIANT).first()
    inspections.answer(enforcer, done["a"].pk, row.item_id, row.result, row.note, [png()])
    from datetime import timedelta

    done["a"] = inspections.complete(
        enforcer, done["a"].pk, "", done["a"].inspected_on + timedelta(days=10)
    )
    draft = inspect(enterprise_a, complete=False)
    return {
        "done": done,
        "draft": draft,
        "photo": InspectionPhoto.objects.get(),
        "names": {enterprise_a.name: "a", enterprise_a2.name: "a2", enterprise_b.name: "b"},
        "users": users,
        "outsider": outsider,
    }


def _seen(world, names):
    return {world["names"][n] for n in names}


@pytest.mark.parametrize("role", list(Role))
def test_lists(client, world, role):
    client_for(client, world["users"][role])
    expected = SCOPE[role]
    api = client.get("/api/v1/inspections?limit=100")
    page = client.get("/enforcement/inspections/")
    if expected is None:
        assert api.status_code == 403 and page.status_code == 403
        return
    assert api.status_code == 200 and page.status_code == 200
    items = api.json()["items"]
    assert _seen(world, [i["enterprise_name"] for i in items]) == expected
    html = page.content.decode()
    assert {key for name, key in world["names"].items() if name in html} == expected
    ids = {i["id"] for i in items}
    # an enterprise does not see an inspection of itself still in progress
    assert (world["draft"].pk in ids) == (role not in (Role.PRINCIPAL, Role.SAFETY_OFFICER))


@pytest.mark.parametrize("role", list(Role))
def test_detail_documents_and_photos(client, world, role):
    client_for(client, world["users"][role])
    expected = SCOPE[role]
    for key, inspection in world["done"].items():
        visible = expected is not None and key in expected
        wanted = 200 if visible else (403 if expected is None else 404)
        assert client.get(f"/enforcement/inspections/{inspection.pk}/").status_code == wanted
        assert client.get(f"/api/v1/inspections/{inspection.pk}").status_code == wanted
        for document in inspection.documents.all():
            page = client.get(f"/enforcement/documents/{document.pk}/")
            api = client.get(f"/api/v1/inspections/{inspection.pk}/documents/{document.pk}")
            assert page.status_code == wanted and api.status_code == wanted
    photo = client.get(f"/enforcement/inspection-photos/{world['photo'].pk}/")
    if expected is None:
        assert photo.status_code == 403
    else:
        assert photo.status_code == (200 if "a" in expected else 404)
    draft = client.get(f"/api/v1/inspections/{world['draft'].pk}")
    if expected is None:
        assert draft.status_code == 403
    else:
        enterprise_user = role in (Role.PRINCIPAL, Role.SAFETY_OFFICER)
        assert draft.status_code == (404 if enterprise_user else 200)


@pytest.mark.parametrize("role", list(Role))
def test_who_inspects_and_reads_statistics(client, world, role, enterprise_a, inspectors):
    client_for(client, world["users"][role])
    before = Inspection.objects.count()
    response = client.post(
        "/api/v1/inspections",
        {
            "enterprise_id": enterprise_a.pk,
            "kind": "on_site",
            "inspector_ids": [inspectors[2].pk, inspectors[3].pk],
        },
        content_type="application/json",
    )
    assert response.status_code == (201 if role in MANAGE else 403), response.content
    assert Inspection.objects.count() == before + (1 if role in MANAGE else 0)
    page = client.get("/enforcement/inspections/new/")
    assert page.status_code == (200 if role in MANAGE else 403)
    stats = client.get("/enforcement/statistics/")
    assert stats.status_code == (200 if role in STATS else 403)
    checklists = client.get("/enforcement/checklists/")
    assert checklists.status_code == (200 if role in STAFF else 403)


def test_outsider_sees_own_town_only(client, world):
    client_for(client, world["outsider"])
    items = client.get("/api/v1/inspections").json()["items"]
    assert _seen(world, [i["enterprise_name"] for i in items]) == {"b"}
    other = world["done"]["a"]
    assert client.get(f"/api/v1/inspections/{other.pk}").status_code == 404
    document = other.documents.first()
    assert client.get(f"/enforcement/documents/{document.pk}/").status_code == 404
    assert client.get(f"/enforcement/inspection-photos/{world['photo'].pk}/").status_code == 404
    # acting on it is a 404 too, and changes nothing
    answered = client.post(
        f"/api/v1/inspections/{world['draft'].pk}/answers",
        {"item_id": 1, "result": "compliant"},
        content_type="application/json",
    )
    assert answered.status_code == 404
    stats = client.get("/api/v1/inspection-statistics?year=2026").json()
    assert [row["town"] for row in stats] == ["清平镇"]


def test_anonymous(client, world):
    assert client.get("/api/v1/inspections").status_code == 401
    assert client.get("/enforcement/inspections/").status_code == 302
    document = world["done"]["a"].documents.first()
    assert client.get(f"/enforcement/documents/{document.pk}/").status_code == 302
