"""The register in a real browser (Debian's headless Chromium, enterprises/tests/test_browser.py):
an enterprise's safety officer enters a unit, a point, a risk and its measure on a phone, one
short form each, and the page never scrolls sideways; the bureau's four-colour board and the
standardization overview draw their charts under the Content-Security-Policy (the shared
`browser` fixture fails a test on any refusal)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from accounts.roles import Role
from core.tests.test_csp_browser import drawn, open_page
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from hazards.tests.test_browser import phone  # noqa: F401 (a fixture)
from risks.models import Risk
from standardization.tests.conftest import rated

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
WIDE = "return document.documentElement.scrollWidth > window.innerWidth + 1;"


def submit(page, fields: dict, selects: dict | None = None):
    for name, value in fields.items():
        page.find_element(By.NAME, name).send_keys(value)
    for name, value in (selects or {}).items():
        Select(page.find_element(By.NAME, name)).select_by_value(value)
    assert page.execute_script(WIDE) is False, "the form scrolls sideways on a phone"
    button = page.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    # The form's own submit, as its button would (a long form's button can sit below what
    # headless Chromium lets a phone-sized page scroll to).
    page.execute_script("arguments[0].form.requestSubmit(arguments[0]);", button)


def follow(page, text):
    """Click the link or button whose text holds `text` and wait for the page it opens."""
    before = page.current_url
    links = page.find_elements(By.CSS_SELECTOR, "main a")
    link = next(e for e in links if text in e.text)
    link.click()
    wait(page).until(lambda d: d.current_url != before)
    wait(page).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_a_safety_officer_enters_a_red_risk_on_a_phone(phone, live_server, users, enterprise_a):  # noqa: F811
    base = live_server.url
    log_in(phone, base, users[Role.SAFETY_OFFICER].username)
    path = f"/risks/enterprises/{enterprise_a.pk}/"
    phone.get(base + path)
    wait_for_page(phone, path)
    follow(phone, "添加风险单元")
    submit(phone, {"name": "熔炼车间"}, {"kind": "workshop"})
    wait_for_page(phone, path)
    follow(phone, "添加风险点")
    submit(phone, {"name": "中频炉炉台"})
    wait_for_page(phone, path)
    follow(phone, "辨识风险")
    submit(
        phone,
        {"description": "炉体漏水遇高温钢水发生爆炸"},
        {
            "factor_kind": "thing",
            "accident_type": "other_explosion",
            "method": "ls",
            "l": "LS:4",
            "s": "LS:5",
        },
    )
    wait(phone).until(lambda d: "/risks/" in d.current_url and "红色" in d.page_source)
    risk = Risk.objects.get(enterprise=enterprise_a)
    assert risk.colour == "red"
    follow(phone, "添加管控措施")
    submit(
        phone,
        {"description": "炉体冷却水温度、流量差监测报警", "owner_name": "王建国"},
        {"kind": "engineering", "control_level": "company"},
    )
    wait(phone).until(lambda d: "王建国" in d.find_element(By.TAG_NAME, "main").text)
    assert phone.execute_script(WIDE) is False
    assert risk.measures.get().control_level == "company"


def test_the_bureaus_boards_draw_under_the_policy(browser, live_server, users, enterprise_a):
    rated(users, enterprise_a, "level3")
    base = live_server.url
    log_in(browser, base, users[Role.SUPERVISOR].username)
    open_page(browser, base, "/risks/distribution/")
    drawn(browser, "#chart-colours")
    drawn(browser, "#chart-towns")
    drawn(browser, "#chart-types")
    open_page(browser, base, "/standardization/overview/")
    drawn(browser, "#chart")
    browser.get(f"{base}/public/benchmarks/")
    wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")
