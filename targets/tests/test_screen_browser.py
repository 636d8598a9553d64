"""The large screen in a real browser (Debian's headless Chromium, enterprises/tests/
test_browser.py's driver) at 1920 × 1080: both charts drawn in the dark theme, nothing scrolls,
nothing is refused by the Content-Security-Policy (the shared `browser` fixture), and an alarm
raised after the page loaded appears at the next refresh without reloading the page."""

import pytest
from django.conf import settings
from django.utils import timezone
from selenium.webdriver.common.by import By

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait
from monitoring import partitions
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest
from targets import screen_views, services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
SCREENSHOT = settings.VAR_DIR / "screenshots" / "targets-screen.png"
# charts.js marks a chart data-ready once its animation is over.
READY = "return document.querySelector('{}').dataset.ready === '1';"
FITS = """
const panels = Array.from(document.querySelectorAll('.panel, .screen-head'));
return {
  scroll: document.documentElement.scrollHeight - window.innerHeight,
  wide: document.documentElement.scrollWidth - window.innerWidth,
  lowest: Math.max(...panels.map(p => p.getBoundingClientRect().bottom)) - window.innerHeight,
};
"""


@pytest.fixture(autouse=True)
def _fresh_partitions():
    partitions.forget()
    yield
    partitions.forget()


def test_the_screen_fits_draws_and_refreshes(
    browser, live_server, users, enterprise_a, monkeypatch
):
    monkeypatch.setattr(screen_views, "REFRESH_SECONDS", 15)
    services.backfill(timezone.localdate().year)  # the months of the trend
    services.refresh_live()
    log_in(browser, live_server.url, users[Role.SUPERVISOR].username)
    browser.set_window_size(1920, 1080)
    browser.get(f"{live_server.url}/targets/screen/")
    wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")
    for chart in ("#chart-trend", "#chart-towns"):
        wait(browser).until(lambda d, c=chart: d.execute_script(READY.format(c)), chart)
    fits = browser.execute_script(FITS)
    assert fits["scroll"] <= 0 and fits["wide"] <= 0 and fits["lowest"] <= 1, fits
    assert browser.find_element(By.ID, "alarm-count").text == "0"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    # An alarm raised now is on the screen at the next refresh, the page not reloaded.
    browser.execute_script("window.__same_document = true;")
    gateway = make_gateway(enterprise_a, "GW-SCREEN")
    make_point(gateway, "al1", "airlock_fault", equipment="2号除尘器")
    now = timezone.now()
    ingest(gateway, [{"point": "al1", "ts": now.isoformat(), "value": True}], now=now)
    wait(browser, 45).until(lambda d: d.find_element(By.ID, "alarm-count").text == "1")
    assert "2号除尘器" in browser.find_element(By.ID, "alarms").text
    assert browser.execute_script("return window.__same_document === true;")
    assert browser.find_element(By.ID, "status").text.startswith("已于")
