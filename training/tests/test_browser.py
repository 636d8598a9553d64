"""The drill form in a real browser (Debian's headless Chromium, enterprises/tests/test_browser.py):
an enterprise's safety officer records an unannounced evacuation drill on a phone, the form
never scrolls sideways, and the drill's page says it was 四不 (the shared `browser` fixture
fails a test on any Content-Security-Policy refusal)."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from hazards.tests.test_browser import phone  # noqa: F401 (a fixture)
from training.models import Drill

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
WIDE = "return document.documentElement.scrollWidth > window.innerWidth + 1;"


def test_a_safety_officer_records_a_drill_on_a_phone(phone, live_server, users, enterprise_a):  # noqa: F811
    base = live_server.url
    log_in(phone, base, users[Role.SAFETY_OFFICER].username)
    path = f"/training/enterprises/{enterprise_a.pk}/drills/new/"
    phone.get(base + path)
    wait_for_page(phone, path)
    assert phone.execute_script(WIDE) is False, "the form scrolls sideways on a phone"
    held = phone.find_element(By.NAME, "held_on")
    phone.execute_script(
        "arguments[0].value = arguments[1];", held, timezone.localdate().isoformat()
    )
    phone.find_element(By.NAME, "scenario").send_keys("夜班仓库起火，全员疏散")
    phone.find_element(By.NAME, "participants").send_keys("36")
    for name in ("no_notice", "no_script", "no_preset_scene", "no_preset_place"):
        phone.execute_script("arguments[0].checked = true;", phone.find_element(By.NAME, name))
    phone.find_element(By.NAME, "findings").send_keys("二号安全出口被货物堵塞")
    button = phone.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    phone.execute_script("arguments[0].form.requestSubmit(arguments[0]);", button)
    wait(phone).until(lambda d: "/training/drills/" in d.current_url)
    wait(phone).until(lambda d: d.find_elements(By.ID, "unannounced"))
    drill = Drill.objects.get(enterprise=enterprise_a)
    assert drill.unannounced and drill.participants == 36
    assert phone.execute_script(WIDE) is False
