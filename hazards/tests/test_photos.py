import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import Role
from hazards import services
from hazards.models import Source


def png(name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def photo(users, enterprise_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hazard = services.report(
        users[Role.SAFETY_OFFICER],
        enterprise_a.pk,
        source=Source.SELF_INSPECTION,
        description="配电箱门损坏",
        photos=[png()],
    )
    return hazard.photos.get()


@pytest.mark.parametrize("role", list(Role))
def test_a_photo_is_served_only_within_the_hazards_scope(client, users, photo, role):
    client.force_login(users[role])
    response = client.get(f"/hazards/photos/{photo.pk}/")
    # Every role sees enterprise_a's hazards; the employee sees only what they reported, and
    # this one was reported by the safety officer.
    expected = 404 if role == Role.EMPLOYEE else 200
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_a_photo_is_404_outside_scope(client, outsider, photo):
    client.force_login(outsider)
    assert client.get(f"/hazards/photos/{photo.pk}/").status_code == 404


def test_a_photo_needs_a_login(client, photo):
    response = client.get(f"/hazards/photos/{photo.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
