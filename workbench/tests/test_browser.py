"""The workbench and the top bar in Debian's Chromium: at 1366 px the grouped menu stays on one
line for the role with the most entries; on a phone (390 × 844) the bell and the workbench's
items are there without opening the menu, and an item leads to the page where one acts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from hazards.models import Hazard
from hazards.tests import test_browser as hazard_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
phone = hazard_pages.phone


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


def set_value(browser, element, value) -> None:
    """Set an input's value as a date picker would (typing into a date input depends on the
    browser's locale)."""
    browser.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        element,
        value,
    )


def fits_the_phone(browser) -> None:
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone: {width} px"


def act_from_the_workbench(browser, base_url, username, kind, description, action, fields):
    """Log in as `username`, follow the workbench item `kind` to the ledger, open the hazard
    and take `action` with `fields` ({name: value}), as a person on a phone would."""
    browser.delete_all_cookies()
    log_in(browser, base_url, username)
    fits_the_phone(browser)
    browser.find_element(By.CSS_SELECTOR, f'#todo [data-kind="{kind}"]').click()
    wait_for_page(browser, "/hazards/")
    fits_the_phone(browser)
    browser.find_element(By.PARTIAL_LINK_TEXT, description[:10]).click()
    wait(browser).until(lambda d: d.find_elements(By.ID, f"action-{action}"))
    fits_the_phone(browser)
    form = browser.find_element(By.ID, f"action-{action}")
    for name, value in fields.items():
        field = form.find_element(By.NAME, name)
        if field.get_attribute("type") == "date":
            set_value(browser, field, value)
        else:
            field.clear()
            field.send_keys(value)
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button
    )
    asks = button.get_attribute("data-confirm")  # an irreversible step asks first
    button.click()
    if asks:
        wait(browser).until(lambda d: d.switch_to.alert).accept()
    wait(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-success, .alert-danger"),
        f"{action}: no answer",
    )
    errors = browser.find_elements(By.CSS_SELECTOR, ".alert-danger, .invalid-feedback")
    assert not errors, f"{action}: {[e.text for e in errors]}"


def test_on_a_phone_the_loop_closes_through_the_workbench_links(
    phone, live_server, users, enterprise_a
):
    """An employee reports a hazard; the principal confirms it, the safety officer plans,
    starts and submits it, the principal closes it: each reaching it only from their
    workbench's item (a general hazard the enterprise found itself is reviewed inside it)."""
    browser = phone
    base = live_server.url
    description = "二号车间配电箱柜门未上锁"
    log_in(browser, base, users[Role.EMPLOYEE].username)
    browser.find_element(By.ID, "quick-report").click()
    wait_for_page(browser, "/hazards/report/")
    fits_the_phone(browser)
    browser.find_element(By.NAME, "description").send_keys(description)
    browser.find_element(By.NAME, "place").send_keys("二号车间")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-success, .invalid-feedback"),
        "the report got no answer",
    )
    assert "隐患已登记" in browser.find_element(By.TAG_NAME, "main").text
    hazard = Hazard.objects.get(description=description)
    assert hazard.source == "employee_report"

    principal = users[Role.PRINCIPAL].username
    officer = users[Role.SAFETY_OFFICER].username
    # The town sees it in its ledger, but it is not on the town's workbench.
    browser.delete_all_cookies()
    log_in(browser, base, users[Role.TOWN_SUPERVISOR].username)
    assert not browser.find_elements(By.CSS_SELECTOR, '#todo [data-kind="hazards_reported"]')

    deadline = (timezone.localdate() + timedelta(days=14)).isoformat()
    plan = {"owner": "李强", "measures": "加装门锁", "deadline": deadline}
    steps = [
        (principal, "hazards_reported", "confirm", {"note": "已核实"}),
        (officer, "hazards_confirmed", "plan", plan),
        (officer, "hazards_planned", "start", {}),
        (officer, "hazards_rectifying", "submit", {"evidence": "已加装门锁并张贴警示"}),
        (principal, "hazards_submitted", "close", {"note": "验收合格"}),
    ]
    for username, kind, action, fields in steps:
        act_from_the_workbench(browser, base, username, kind, description, action, fields)
    hazard.refresh_from_db()
    assert hazard.state == "closed"
    assert hazard.closed_by == users[Role.PRINCIPAL]
    assert [e.action for e in hazard.events.order_by("at", "id")] == [
        "report",
        "confirm",
        "plan",
        "start",
        "submit",
        "close",
    ]


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
