"""The enterprise page's 三同时与设备 tab and a flagged project in a real browser (Debian's
headless Chromium through chromedriver, the enterprise list's fixtures): the tab loads by htmx
with the project's flag and the obsolete furnace's hazard, nothing is refused by the
Content-Security-Policy, and the pages fit a phone's width."""

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from accounts.roles import Role
from enterprises.tests.test_browser import browser, driver, log_in, wait  # noqa: F401
from projects import services
from projects.tests.conftest import days_ago, project_data

SHOTS = settings.VAR_DIR / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_tab_shows_the_flag_and_the_obsolete_match(browser, live_server, users, enterprise_a):  # noqa: F811
    project = services.register(users[Role.PRINCIPAL], project_data())
    services.act(
        users[Role.ENFORCEMENT_OFFICER],
        project.pk,
        "report_unreviewed",
        on=days_ago(3),
        note="熔炼部分已开工",
    )
    services.record_equipment(
        users[Role.PRINCIPAL], {"name": "无芯工频感应电炉", "model": "GW-0.5", "kind": "production"}
    )
    log_in(browser, live_server.url, users[Role.PRINCIPAL].username)
    browser.get(f"{live_server.url}/enterprises/{enterprise_a.pk}/")
    browser.find_element(By.CSS_SELECTOR, "button[data-bs-target='#tab-projects']").click()
    wait(browser).until(ec.visibility_of_element_located((By.ID, "tab-equipment-table")))
    tab = browser.find_element(By.ID, "enterprise-projects").text
    assert "未经审查擅自建设" in tab and "待设计诊断" in tab
    assert "无芯工频感应电炉" in tab and "待核对" in tab
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "projects-tab.png"))
    browser.set_window_size(390, 900)
    try:
        browser.get(f"{live_server.url}/projects/{project.pk}/")
        wait(browser).until(ec.visibility_of_element_located((By.ID, "flag")))
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 400
        browser.save_screenshot(str(SHOTS / "project-phone.png"))
    finally:
        browser.set_window_size(1366, 900)
