"""The hazard ledger and the close (验收销号) on a phone, in Debian's Chromium at 390 × 844: the
ledger's rows are cards (each cell on its own line after its label, a company name on one
line), and closing a hazard asks first; cancelling the question sends nothing."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from hazards.models import Hazard, State
from hazards.tests.test_pages import days, make_hazard

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser

# The first row's cell labelled `label`: its width, how many lines its first text (the name)
# takes, and whether the table's header row is out of sight.
CELL = """
const table = document.querySelector(arguments[0]);
const cell = table.querySelector(`tbody tr td[data-label="${arguments[1]}"]`);
const range = document.createRange();
range.selectNodeContents(cell.firstChild);
const tops = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
return {
  text: cell.firstChild.textContent.trim(),
  width: cell.getBoundingClientRect().width,
  lines: tops.size,
  headHeight: table.querySelector("thead").getBoundingClientRect().height,
  label: getComputedStyle(cell, "::before").content,
  scrollWidth: document.documentElement.scrollWidth,
};
"""


def cell(browser, table, label):
    return browser.execute_script(CELL, table, label)


def assert_card(shape, name, label):
    assert shape["text"] == name
    assert shape["width"] > 200, f"the cell is squeezed: {shape}"
    assert shape["lines"] == 1, f"the name wraps: {shape}"
    assert shape["headHeight"] <= 1, "the header row is still shown above the cards"
    assert shape["label"] == f'"{label}"'
    assert shape["scrollWidth"] <= 390 + 1, f"the page scrolls sideways: {shape}"


def as_phone(browser):
    """A 390 × 844 viewport, as a phone's: by device metrics, not the window's size (headless
    Chromium's window keeps some of its height for itself, which a page cannot scroll into)."""
    metrics = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def as_desktop(browser):
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture
def phone(browser):
    as_phone(browser)
    yield browser
    as_desktop(browser)


def test_the_ledger_is_a_list_of_cards_on_a_phone(phone, live_server, users, enterprise_a):
    make_hazard(enterprise_a, "打磨工位除尘器未开启", users[Role.SAFETY_OFFICER])
    log_in(phone, live_server.url, users[Role.TOWN_SUPERVISOR].username)
    phone.get(f"{live_server.url}/hazards/")
    wait_for_page(phone, "/hazards/")
    assert_card(cell(phone, "#ledger", "企业"), enterprise_a.name, "企业")
    # On a wide screen it is a table again, its header shown.
    as_desktop(phone)
    assert cell(phone, "#ledger", "企业")["headHeight"] > 10


def test_closing_a_hazard_asks_first(phone, live_server, users, enterprise_a):
    officer = users[Role.SAFETY_OFFICER]
    hazard = make_hazard(
        enterprise_a,
        "配电箱门损坏",
        officer,
        state=State.SUBMITTED,
        deadline=days(10),
        evidence="已更换箱门",
        submitted_by=officer,
    )
    log_in(phone, live_server.url, users[Role.TOWN_SUPERVISOR].username)
    phone.get(f"{live_server.url}/hazards/{hazard.pk}/")
    wait_for_page(phone, f"/hazards/{hazard.pk}/")
    button = phone.find_element(By.CSS_SELECTOR, "#action-close button[type=submit]")

    button.click()
    alert = wait(phone).until(expected_conditions.alert_is_present())
    assert alert.text == "确定要验收销号吗？销号后不能撤回。"
    alert.dismiss()
    # Cancelled: nothing was sent, the page is as it was.
    assert phone.find_element(By.CSS_SELECTOR, "#action-close").is_displayed()
    assert Hazard.objects.get(pk=hazard.pk).state == State.SUBMITTED

    button.click()
    wait(phone).until(expected_conditions.alert_is_present()).accept()
    wait(phone).until(lambda d: "已验收销号" in d.find_element(By.TAG_NAME, "main").text)
    assert Hazard.objects.get(pk=hazard.pk).state == State.CLOSED
