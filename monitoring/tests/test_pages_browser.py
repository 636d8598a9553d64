"""The monitoring charts in a real browser (Debian's headless Chromium, as in
enterprises/tests/test_browser.py): the point page draws its ECharts chart from the embedded
data, and the overview its bar chart; no static file is missing."""

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import STATIC_RESOURCES, log_in, wait, wait_for_page
from monitoring.conftest import at
from monitoring.ingest import ingest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# Chromium once per module, logged out before each test (enterprises/tests/test_browser.py).
driver = shared.driver
browser = shared.browser
SCREENSHOTS = settings.VAR_DIR / "screenshots"
DRAWN = "return document.querySelector('[data-chart][data-ready=\"1\"] canvas') !== null;"


def test_the_point_chart_and_the_overview_are_drawn(
    browser, live_server, users, gateway_a, points_a, now
):
    readings = [{"point": "t1", "ts": at(now, -60 * i), "value": 50 + (i % 30)} for i in range(120)]
    ingest(gateway_a, readings, now=now)
    log_in(browser, live_server.url, users[Role.SUPERVISOR].username)

    path = f"/monitoring/points/{points_a['temp'].pk}/"
    browser.get(f"{live_server.url}{path}")
    wait_for_page(browser, path)
    wait(browser).until(lambda d: d.execute_script(DRAWN), "the point chart was not drawn")
    canvas = browser.find_element(By.CSS_SELECTOR, "#chart canvas")
    assert canvas.size["width"] > 300 and canvas.size["height"] > 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "monitoring-point.png"))
    failed = [(p, s) for p, s in browser.execute_script(STATIC_RESOURCES) if s != 200]
    assert failed == []

    browser.get(f"{live_server.url}/monitoring/")
    wait_for_page(browser, "/monitoring/")
    wait(browser).until(lambda d: d.execute_script(DRAWN), "the overview chart was not drawn")
    browser.save_screenshot(str(SCREENSHOTS / "monitoring-overview.png"))
