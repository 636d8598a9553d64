"""The public tip form in a real browser (Debian's headless Chromium,
enterprises/tests/test_browser.py), on a phone without logging in: the enterprise found by the
search box (htmx, under the Content-Security-Policy), the tip sent, the code shown and read back
on the status page; the page never scrolls sideways."""

import pytest
from selenium.webdriver.common.by import By

from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import wait, wait_for_page
from hazards.tests.test_browser import phone  # noqa: F401 (a fixture)
from tips.models import Tip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
WIDE = "return document.documentElement.scrollWidth > window.innerWidth + 1;"


def send(page):
    button = page.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    page.execute_script("arguments[0].form.requestSubmit(arguments[0]);", button)


def test_a_tip_from_a_phone_without_log_in(phone, live_server, enterprise_a):  # noqa: F811
    base = live_server.url
    phone.get(base + "/public/tips/")
    wait_for_page(phone, "/public/tips/")
    assert phone.execute_script(WIDE) is False, "the form scrolls sideways on a phone"
    phone.find_element(By.ID, "enterprise-search").send_keys(enterprise_a.name[:5])
    radio = wait(phone).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#enterprise-results input")
    )
    phone.execute_script("arguments[0].click();", radio)
    phone.find_element(By.NAME, "what").send_keys("打磨车间粉尘堆积，除尘器不开")
    phone.find_element(By.NAME, "place").send_keys("打磨车间")
    send(phone)
    code = wait(phone).until(lambda d: d.find_element(By.ID, "tracking-code")).text.strip()
    assert Tip.objects.get().enterprise_id == enterprise_a.pk
    phone.get(base + "/public/tips/status/")
    wait_for_page(phone, "/public/tips/status/")
    phone.find_element(By.NAME, "code").send_keys(code)
    send(phone)
    wait(phone).until(lambda d: "等待受理" in d.find_element(By.TAG_NAME, "main").text)
