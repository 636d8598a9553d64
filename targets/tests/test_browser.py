"""The targets dashboard in a real browser (Debian's headless Chromium, the shared fixtures of
enterprises/tests/test_browser.py): a county supervisor opens it from the menu, the trend chart
draws (ECharts served locally, no Content-Security-Policy refusal), a town's row leads down to
the town's own board and a measure's 名单 to the enterprises that keep it from the target."""

from datetime import date

import pytest
from selenium.webdriver.common.by import By

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from hazards.models import Hazard
from hazards.states import Source, State
from targets import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser


def click(browser, element):
    """A link below the fold, followed as a click would (the headless window is short)."""
    browser.execute_script("arguments[0].click();", element)


def test_a_county_supervisor_walks_down_to_an_overdue_enterprise(
    browser, live_server, users, town_a, enterprise_a
):
    Hazard.objects.create(
        enterprise=enterprise_a,
        source=Source.ENFORCEMENT,
        description="除尘系统未设置泄爆装置",
        found_on=date(2024, 5, 1),
        found_by="张检查",
        is_major=True,
        major_reason="测试",
        state=State.CONFIRMED,
    )
    services.refresh_live()
    base = live_server.url
    log_in(browser, base, users[Role.SUPERVISOR].username)
    browser.find_element(By.LINK_TEXT, "三年目标").click()
    wait_for_page(browser, "/targets/")
    wait(browser).until(
        lambda d: d.find_element(By.ID, "chart-trend").get_attribute("data-ready") == "1"
    )
    row = browser.find_element(By.CSS_SELECTOR, "#measures tr[data-measure=majors_overdue]")
    assert "未达标" in row.text
    click(browser, browser.find_element(By.LINK_TEXT, town_a.name))
    wait(browser).until(lambda d: town_a.name in d.find_element(By.CSS_SELECTOR, "main h1").text)
    browser.find_element(By.CSS_SELECTOR, "#measures tr[data-measure=majors_overdue] a").click()
    wait(browser).until(lambda d: d.find_elements(By.ID, "gaps"))
    assert enterprise_a.name in browser.find_element(By.ID, "gaps").text
