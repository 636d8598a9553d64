"""The Content-Security-Policy in a real browser (Debian's headless Chromium, as in
enterprises/tests/test_browser.py): the ECharts boards (set up by static/js/charts.js), the
commitment form's inline script, the auto-submitting filters, the Django admin, the API docs and
the public draw list work under it, and nothing is refused on the console (the shared `browser`
fixture checks that after each test). The policy is really enforced: a script injected without
the nonce does not run."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from accounts.roles import Role
from conftest import PASSWORD
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import csp_violations, log_in, wait, wait_for_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser
CANVAS = "return document.querySelectorAll('{} canvas').length;"
INJECT = """
var script = document.createElement("script");
script.textContent = "window.__injected = true;";
document.head.appendChild(script);
"""


def open_page(browser, base, path):
    browser.get(f"{base}{path}")
    wait_for_page(browser, path)


def drawn(browser, selector):
    wait(browser).until(
        lambda d: d.execute_script(CANVAS.format(selector)) > 0, f"{selector} was not drawn"
    )


def test_the_charts_and_filters_work_under_the_policy(browser, live_server, users):
    base = live_server.url
    log_in(browser, base, users[Role.SUPERVISOR].username)

    open_page(browser, base, "/hazards/zero-out/")
    drawn(browser, "#chart")
    open_page(browser, base, "/grading/")
    drawn(browser, "#chart")
    open_page(browser, base, "/enforcement/statistics/")
    drawn(browser, "#chart-months")
    drawn(browser, "#chart-towns")

    # A filter select submits its form from the static script, not an inline handler.
    open_page(browser, base, "/hazards/criteria/")
    Select(browser.find_element(By.NAME, "industry")).select_by_value("machinery")
    wait(browser).until(lambda d: "industry=machinery" in d.current_url, "no auto-submit")

    # The API docs (django-ninja's Swagger UI, served locally) render.
    browser.get(f"{base}/api/v1/docs")
    wait(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"), "no API docs"
    )


def test_a_script_injected_without_the_nonce_is_refused(browser, live_server, users):
    log_in(browser, live_server.url, users[Role.SUPERVISOR].username)
    browser.execute_script(INJECT)
    assert browser.execute_script("return window.__injected === true;") is False
    violations = csp_violations(browser)
    assert violations and "script-src" in violations[0]


def test_the_commitment_form_script_runs(browser, live_server, users):
    base = live_server.url
    browser.get(f"{base}/accounts/login/")
    wait_for_page(browser, "/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys(users[Role.PRINCIPAL].username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser).until(lambda d: d.find_elements(By.ID, "todo"))  # the workbench
    open_page(browser, base, "/reporting/commitments/new/")
    content = browser.find_element(By.ID, "id_content")
    kind = Select(browser.find_element(By.ID, "id_kind"))
    before = content.get_attribute("value")
    other = next(o.get_attribute("value") for o in kind.options if not o.is_selected())
    kind.select_by_value(other)
    wait(browser).until(
        lambda d: d.find_element(By.ID, "id_content").get_attribute("value") != before,
        "the standard wording did not follow the kind",
    )


def test_the_admin_and_the_public_pages_work_under_the_policy(
    browser, live_server, platform_admin, users
):
    base = live_server.url
    browser.get(f"{base}/public/draws/")
    wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")
    browser.get(f"{base}/admin/login/")
    browser.find_element(By.ID, "id_username").send_keys("platform")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait(browser).until(lambda d: d.current_url.rstrip("/").endswith("/admin"))
    user = users[Role.TOWN_SUPERVISOR]
    browser.get(f"{base}/admin/accounts/user/{user.pk}/change/")
    # The admin's own scripts (autocomplete widgets) ran.
    wait(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".select2-container"), "admin scripts"
    )
