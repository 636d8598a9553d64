"""The workbench and the top bar in Debian's Chromium: at 1366 px the grouped menu stays on one
line for the role with the most entries; on a phone (390 × 844) the bell and the workbench's
items are there without opening the menu, and an item leads to the page where one acts."""

import pytest
from selenium.webdriver.common.by import By

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from hazards import services as hazard_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser


@pytest.fixture
def sized(browser):
    def size(width, height):
        browser.set_window_size(width, height)
        # The viewport, not the window: headless Chromium keeps them equal.
        return browser

    yield size
    browser.set_window_size(1366, 768)


def test_the_menu_stays_on_one_line_at_1366(sized, live_server, users):
    browser = sized(1366, 768)
    log_in(browser, live_server.url, users[Role.COUNTY_ADMIN].username)
    height = browser.execute_script("return document.querySelector('nav.navbar').offsetHeight")
    assert height < 70, f"the top bar wraps: {height} px"
    browser.find_element(By.ID, "user-menu").click()
    wait(browser).until(lambda d: d.find_element(By.LINK_TEXT, "通知设置").is_displayed())


def test_on_a_phone_the_workbench_leads_to_the_hazards_to_confirm(
    sized, live_server, users, enterprise_a
):
    hazard_services.report(
        users[Role.SAFETY_OFFICER],
        enterprise_a.pk,
        # Not the enterprise's own check (that one is reviewed inside it): the town's to confirm.
        source="other",
        description="打磨工位除尘器未开启",
    )
    browser = sized(390, 844)
    log_in(browser, live_server.url, users[Role.TOWN_SUPERVISOR].username)
    assert browser.find_element(By.ID, "bell").is_displayed()
    item = browser.find_element(By.CSS_SELECTOR, '#todo [data-kind="hazards_reported"]')
    assert "待确认的隐患" in item.text
    item.click()
    wait_for_page(browser, "/hazards/")
    assert "打磨工位除尘器未开启" in browser.find_element(By.TAG_NAME, "main").text
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone: {width} px"


def test_on_a_phone_the_principal_sees_the_enterprise_card(sized, live_server, users, enterprise_a):
    browser = sized(390, 844)
    log_in(browser, live_server.url, users[Role.PRINCIPAL].username)
    card = browser.find_element(By.ID, "enterprise-card")
    assert card.is_displayed() and enterprise_a.name in card.text
    assert "主要负责人带队检查" in card.text and "未销号隐患" in card.text
    item = browser.find_element(By.CSS_SELECTOR, '#todo [data-kind="duty_own"]')
    assert "主要负责人带队检查未开展" in item.text
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone: {width} px"
