"""The 持证上岗 tab in a real browser (Debian's headless Chromium, enterprises/tests/
test_browser.py): a safety officer on a phone opens their enterprise's tab (loaded by htmx under
the Content-Security-Policy), sees the expired holder red and the gap, and registers a
certificate through the phone form; the page never scrolls sideways."""

import datetime

import pytest
from selenium.webdriver.common.by import By

from accounts.roles import Role
from certificates import services
from certificates.models import Certificate
from certificates.tests.conftest import make_certificate, make_id
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from hazards.tests.test_browser import phone  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
WIDE = "return document.documentElement.scrollWidth > window.innerWidth + 1;"


def test_the_gap_and_a_new_certificate_on_a_phone(phone, live_server, users, enterprise_a):  # noqa: F811
    manager = users[Role.SAFETY_OFFICER]
    services.declare(manager, enterprise_a.pk, "1.2", 1, "配电室")
    make_certificate(
        enterprise_a,
        serial=1,
        issued_on=datetime.date(2015, 1, 5),
        review_due_on=None,
        expires_on=datetime.date(2021, 1, 5),
    )
    base = live_server.url
    log_in(phone, base, manager.username)
    path = f"/enterprises/{enterprise_a.pk}/"
    phone.get(base + path)
    wait_for_page(phone, path)
    phone.execute_script(
        "document.querySelector('[data-bs-target=\"#tab-certificates\"]').click();"
    )
    wait(phone).until(lambda d: d.find_elements(By.ID, "certificate-gaps"))
    assert "持证人1（已过期）" in phone.page_source
    assert phone.execute_script(WIDE) is False, "the tab scrolls sideways on a phone"
    phone.get(f"{base}/certificates/enterprises/{enterprise_a.pk}/new/")
    wait_for_page(phone, f"/certificates/enterprises/{enterprise_a.pk}/new/")
    for name, value in {
        "holder_name": "周强",
        "id_number": make_id(5),
        "number": "T2024001",
        "authority": "聊城市应急管理局",
    }.items():
        phone.find_element(By.NAME, name).send_keys(value)
    phone.execute_script("document.querySelector('[name=issued_on]').value = '2024-03-01';")
    assert phone.execute_script(WIDE) is False, "the form scrolls sideways on a phone"
    button = phone.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    phone.execute_script("arguments[0].form.requestSubmit(arguments[0]);", button)
    wait_for_page(phone, path)
    saved = Certificate.objects.get(number="T2024001")
    assert saved.expires_on == datetime.date(2030, 3, 1)
