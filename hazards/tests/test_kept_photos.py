"""Photos chosen on a hazard form that was refused are kept (core.uploads): the page shows them
("已保留 N 张照片") with signed tokens in hidden inputs, the resubmitted form stores each once
under the hazard's own upload directory, a changed or foreign token is a Chinese 400 that
changes nothing, and the hourly sweep deletes stash files older than a day."""

import datetime
import os
import re

import pytest
from django.core import signing
from django.utils import timezone

from accounts.roles import Role
from core import uploads
from hazards.models import Hazard, HazardPhoto, PhotoKind, Source, State
from hazards.tests.test_pages import (
    fake_png,
    make_hazard,
    png,
    prepared,
    snapshot,
    stored_files,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def report_data(enterprise, **changes):
    data = {
        "enterprise": enterprise.pk,
        "source": Source.SELF_INSPECTION,
        "description": "铸造车间砂处理工段除尘管道破损",
        "place": "砂处理工段",
        "found_on": timezone.localdate().isoformat(),
        "found_by": "",
        "criterion": "",
    }
    data.update(changes)
    return data


def tokens_in(response) -> list[str]:
    return re.findall(r'name="kept_photos" value="([^"]+)"', response.content.decode())


def stash_files(root):
    return [path for path in stored_files(root) if path.parent.name == "stash"]


def test_the_report_form_starts_with_today(client, users, enterprise_a):
    client.force_login(users[Role.SAFETY_OFFICER])
    page = client.get("/hazards/report/").content.decode()
    [found_on] = re.findall(r'<input [^>]*name="found_on"[^>]*>', page)
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in found_on


def test_a_refused_report_keeps_what_was_typed_and_the_valid_photos(
    client, users, enterprise_a, media_root
):
    officer = users[Role.SAFETY_OFFICER]
    client.force_login(officer)
    # A description left empty and one of three photos not an image.
    data = report_data(
        enterprise_a,
        description="",
        place="熔炼炉平台",
        photos=[png("a.png"), fake_png("b.png"), png("c.png")],
    )
    response = client.post("/hazards/report/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "熔炼炉平台" in page
    assert "已保留 2 张照片" in page
    tokens = tokens_in(response)
    assert len(tokens) == 2
    assert len(stash_files(media_root)) == 2
    assert not Hazard.objects.exists()
    # The thumbnails are served to the one who chose them, and to no one else.
    assert client.get(f"/kept-photos/{tokens[0]}/").status_code == 200
    client.force_login(users[Role.PRINCIPAL])
    assert client.get(f"/kept-photos/{tokens[0]}/").status_code == 404  # not theirs: as if none

    # Sent again with the description and one more photo: three photos, each stored once.
    client.force_login(officer)
    data = report_data(enterprise_a, place="熔炼炉平台", kept_photos=tokens, photos=png("d.png"))
    response = client.post("/hazards/report/", data)
    hazard = Hazard.objects.get()
    assert response.status_code == 302
    photos = list(hazard.photos.all())
    assert len(photos) == 3
    assert {photo.kind for photo in photos} == {PhotoKind.FOUND}
    assert all(photo.image.name.startswith("hazards/") for photo in photos)
    # The stash files went once the hazard held its own copies.
    assert stash_files(media_root) == []
    assert sorted(stored_files(media_root)) == sorted(media_root / p.image.name for p in photos)

    # The same tokens again (a second tap, the back button) find nothing to keep.
    response = client.post("/hazards/report/", report_data(enterprise_a, kept_photos=tokens))
    assert response.status_code == 200
    assert "保留的照片已过期" in response.content.decode()
    assert Hazard.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: signing.dumps({"n": "hazards/2025/01/other.png", "u": 1}, salt=uploads.SALT),
        lambda token: signing.dumps(["stash/x.png"], salt=uploads.SALT),
        lambda token: "x" * 2000,
        lambda token: "\x00",
    ],
    ids=["altered", "outside-stash", "not-an-object", "long", "nul"],
)
def test_a_changed_token_is_a_chinese_400_and_changes_nothing(
    client, users, enterprise_a, media_root, change
):
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.post(
        "/hazards/report/", report_data(enterprise_a, description="", photos=png())
    )
    [token] = tokens_in(response)
    response = client.post("/hazards/report/", report_data(enterprise_a, kept_photos=change(token)))
    assert response.status_code == 400
    assert "保留的照片信息无效" in response.content.decode()
    assert not Hazard.objects.exists()
    assert not HazardPhoto.objects.exists()


def test_another_users_token_is_refused(client, users, enterprise_a):
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.post(
        "/hazards/report/", report_data(enterprise_a, description="", photos=png())
    )
    [token] = tokens_in(response)
    client.force_login(users[Role.PRINCIPAL])
    response = client.post("/hazards/report/", report_data(enterprise_a, kept_photos=token))
    assert response.status_code == 400
    assert not Hazard.objects.exists()


def test_a_kept_photo_is_shown_to_the_one_who_chose_it_and_is_404_to_anyone_else(
    client, users, enterprise_a
):
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.post(
        "/hazards/report/", report_data(enterprise_a, description="", photos=png())
    )
    [token] = tokens_in(response)
    assert client.get(f"/kept-photos/{token}/").status_code == 200
    for role in (Role.PRINCIPAL, Role.TOWN_SUPERVISOR, Role.COUNTY_ADMIN):
        client.force_login(users[role])
        assert client.get(f"/kept-photos/{token}/").status_code == 404, role
    assert client.get(f"/kept-photos/{token[:-2]}xx/").status_code == 404
    client.logout()
    assert client.get(f"/kept-photos/{token}/").status_code == 302  # to the log-in page


def test_too_many_photos_with_the_kept_ones_is_a_form_error(client, users, enterprise_a):
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.post(
        "/hazards/report/",
        report_data(enterprise_a, description="", photos=[png(f"{i}.png") for i in range(5)]),
    )
    tokens = tokens_in(response)
    assert len(tokens) == 5
    response = client.post(
        "/hazards/report/",
        report_data(enterprise_a, kept_photos=tokens, photos=[png(f"n{i}.png") for i in range(5)]),
    )
    assert response.status_code == 200
    assert "已保留 5 张" in response.content.decode()
    assert not Hazard.objects.exists()


def test_an_expired_token_asks_for_the_photos_again(client, users, enterprise_a, monkeypatch):
    client.force_login(users[Role.SAFETY_OFFICER])
    response = client.post(
        "/hazards/report/", report_data(enterprise_a, description="", photos=png())
    )
    [token] = tokens_in(response)
    monkeypatch.setattr(uploads, "MAX_AGE", datetime.timedelta(seconds=-1))
    response = client.post("/hazards/report/", report_data(enterprise_a, kept_photos=token))
    assert response.status_code == 200
    assert "1 张保留的照片已过期，请重新选择照片" in response.content.decode()
    assert not Hazard.objects.exists()


def test_a_refused_evidence_submission_keeps_the_text_and_the_photo(
    client, users, enterprise_a, media_root
):
    hazard = prepared("submit", enterprise_a, users)
    client.force_login(users[Role.SAFETY_OFFICER])
    before = snapshot(hazard.pk)
    response = client.post(
        f"/hazards/{hazard.pk}/submit/",
        {"evidence": "已加装集尘罩\x00", "photos": [png("after.png"), fake_png()]},
    )
    assert response.status_code == 200
    assert snapshot(hazard.pk) == before
    page = response.content.decode()
    assert "已保留 1 张照片" in page
    assert "已加装集尘罩" in page
    [token] = tokens_in(response)
    response = client.post(
        f"/hazards/{hazard.pk}/submit/", {"evidence": "已加装集尘罩", "kept_photos": token}
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.state == State.SUBMITTED
    [photo] = hazard.photos.all()
    assert photo.kind == PhotoKind.EVIDENCE
    assert stored_files(media_root) == [media_root / photo.image.name]


def test_the_sweep_deletes_stash_files_older_than_a_day(
    users, enterprise_a, media_root, immediate_tasks
):
    officer = users[Role.SAFETY_OFFICER]
    old, fresh = uploads.stash(png("old.png"), officer), uploads.stash(png("new.png"), officer)
    [old_name] = uploads.kept([old], officer)
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(media_root / old_name, (two_days_ago, two_days_ago))
    # A hazard's photo is never in the stash, so never swept.
    make_hazard(enterprise_a, "配电箱门损坏", officer).photos.create(
        kind=PhotoKind.FOUND, image=png("kept.png")
    )
    uploads.sweep_stash()
    assert [path.name for path in stash_files(media_root)] == [
        os.path.basename(uploads.kept([fresh], officer)[0])
    ]
    assert len(stored_files(media_root)) == 2
    assert uploads.sweep() == 0
