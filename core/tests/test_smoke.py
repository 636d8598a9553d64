from accounts.roles import Role
from conftest import client_for


def test_pages_render_for_county_admin(client, users, enterprise_a):
    client_for(client, users[Role.COUNTY_ADMIN])
    for url in [
        "/enterprises/",
        f"/enterprises/{enterprise_a.pk}/",
        "/enterprises/new/",
        f"/enterprises/{enterprise_a.pk}/edit/",
        "/enterprises/import/",
        "/accounts/tokens/",
        "/api/v1/docs",
        "/admin/",
    ]:
        assert client.get(url).status_code == 200, url
