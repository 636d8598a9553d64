"""The inspections list and the draws list on a phone, in Debian's Chromium at 390 × 844: each
row is a card, each cell on its own line after its label, the company name on one line."""

import pytest
from django.utils import timezone

from accounts.roles import Role
from enforcement.inspections import services as inspections
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait_for_page
from hazards.tests import test_browser as hazard_pages
from hazards.tests.test_browser import assert_card, cell

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
phone = hazard_pages.phone


def test_the_inspections_list_is_a_list_of_cards_on_a_phone(
    phone, live_server, users, inspectors, enterprise_a
):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    inspections.create_inspection(
        enforcer,
        enterprise_a.pk,
        "on_site",
        timezone.localdate(),
        [inspectors[0].pk, inspectors[1].pk],
    )
    log_in(phone, live_server.url, enforcer.username)
    phone.get(f"{live_server.url}/enforcement/inspections/")
    wait_for_page(phone, "/enforcement/inspections/")
    assert_card(cell(phone, "#inspections", "被检查企业"), enterprise_a.name, "被检查企业")
