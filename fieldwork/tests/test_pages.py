"""The offline page, the service worker at the site's root and the manifest."""

import pytest

from accounts.roles import Role
from conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_offline_page_lists_the_enterprises_in_scope(client, users, enterprise_a, enterprise_b):
    page = client_for(client, users[Role.TOWN_SUPERVISOR]).get("/offline/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "离线准备" in text and enterprise_a.name in text
    assert enterprise_b.name not in text


def test_an_enterprise_user_prepares_only_their_own(client, users, enterprise_a, enterprise_a2):
    text = client_for(client, users[Role.PRINCIPAL]).get("/offline/").content.decode()
    assert enterprise_a.name in text and enterprise_a2.name not in text


def test_upper_levels_have_no_offline_page(client, users):
    assert client_for(client, users[Role.PROVINCE_SUPERVISOR]).get("/offline/").status_code == 403


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "安监"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/offline/"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
