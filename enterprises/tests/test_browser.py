"""The enterprise list in a real browser: Debian's headless Chromium, driven through chromedriver
against pytest-django's live server, as a person would use it (log in through the form, filter,
search by pinyin initials, open an enterprise).

Chromium starts once per module; each test starts with its cookies and storage cleared. Every
wait is explicit. HTMX requests are counted in the page (see ``COUNT_HTMX_REQUESTS``) so a test
can wait for the list to have finished updating instead of guessing with a sleep.
"""

import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from accounts.roles import Role
from conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1366,900",
]
# Generous, so a loaded two-core machine does not turn slowness into failures; a passing run
# waits only as long as the page needs.
TIMEOUT = 30
SCREENSHOT = settings.VAR_DIR / "screenshots" / "enterprise-list.png"
NOT_FOUND_TEXT = "页面或对象不存在"

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread and connection, so the data must be
    # committed (transaction=True). The flush after such a test also empties the tables the
    # data migrations fill (sector tags, holidays); serialized_rollback puts them back.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Counts htmx requests begun and ended in this document. A full page load starts a new
# document without the counter, so "the counter is still there" also proves no reload happened.
COUNT_HTMX_REQUESTS = """
if (!window.__htmxRequests) {
  window.__htmxRequests = {started: 0, ended: 0};
  document.addEventListener("htmx:beforeRequest", () => { window.__htmxRequests.started += 1; });
  document.addEventListener("htmx:afterRequest", () => { window.__htmxRequests.ended += 1; });
}
"""
HTMX_REQUESTS = "return window.__htmxRequests || null;"
RESULT_NAMES = """
return Array.from(document.querySelectorAll("#results td.name a"), a => a.textContent.trim());
"""
STATIC_RESOURCES = """
return performance.getEntriesByType("resource")
  .filter(entry => new URL(entry.name).pathname.startsWith("/static/"))
  .map(entry => [new URL(entry.name).pathname, entry.responseStatus]);
"""
NAVIGATION_STATUS = 'return performance.getEntriesByType("navigation")[0].responseStatus;'


@pytest.fixture(scope="module")
def driver():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).is_file():
            pytest.fail(f"{path} is missing: run `make browser-deps` (Debian chromium packages)")
    with tempfile.TemporaryDirectory(
        prefix="anjian-chromium-", ignore_cleanup_errors=True
    ) as profile:
        options = webdriver.ChromeOptions()
        # Both paths given: Selenium Manager is never consulted, so nothing is downloaded.
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        # No password-manager bubbles or leak checks after the login form.
        options.add_experimental_option(
            "prefs",
            {
                "credentials_enable_service": False,
                "profile.password_manager_enabled": False,
                "profile.password_manager_leak_detection": False,
            },
        )
        # The console is read after every test: a Content-Security-Policy refusal is logged there.
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        try:
            browser.set_page_load_timeout(TIMEOUT * 2)
            yield browser
        finally:
            browser.quit()


def csp_violations(driver) -> list[str]:
    """The Content-Security-Policy refusals logged to the console since the last call."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


@pytest.fixture
def browser(driver, live_server):
    """The module's Chromium, logged out: no cookies or storage left from an earlier test. After
    the test, no page it opened may have had anything refused by the Content-Security-Policy."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd(
        "Storage.clearDataForOrigin", {"origin": live_server.url, "storageTypes": "all"}
    )
    csp_violations(driver)
    yield driver
    assert csp_violations(driver) == []


def wait(driver, timeout=TIMEOUT):
    """A wait that also looks again when an element it read was replaced meanwhile (a page
    navigating or htmx swapping between the find and the read), instead of failing on it."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def path_of(driver) -> str:
    return urlsplit(driver.current_url).path


def query_of(driver) -> dict:
    return parse_qs(urlsplit(driver.current_url).query)


def wait_for_page(driver, path: str) -> None:
    """Wait until `path` has fully loaded with htmx running, then start counting its requests."""
    try:
        wait(driver).until(
            lambda d: (
                path_of(d) == path and d.execute_script("return document.readyState") == "complete"
            )
        )
    except TimeoutException:
        heading = driver.execute_script(
            "return (document.querySelector('main h1, .alert') || {}).textContent || '';"
        )
        pytest.fail(f"page {path} did not load; at {driver.current_url}: {heading.strip()!r}")
    # htmx is loaded with `defer`; by readyState "complete" it has run and processed the page.
    wait(driver).until(
        lambda d: d.execute_script("return typeof window.htmx === 'object'"),
        "htmx did not load: is node_modules/htmx.org there and served as a static file?",
    )
    driver.execute_script(COUNT_HTMX_REQUESTS)


def htmx_started(driver) -> int:
    return driver.execute_script(HTMX_REQUESTS)["started"]


def wait_for_htmx(driver, started_before: int) -> None:
    """Wait until htmx has sent at least one request since `started_before` and all have ended,
    in the same document (no full page load)."""

    def settled(d):
        counts = d.execute_script(HTMX_REQUESTS)
        assert counts is not None, "the page was reloaded instead of updated by htmx"
        return counts["started"] > started_before and counts["started"] == counts["ended"]

    wait(driver).until(settled, "the list was not updated by htmx")


def wait_for_results(driver, names) -> None:
    expected = sorted(names)
    try:
        wait(driver).until(lambda d: sorted(d.execute_script(RESULT_NAMES)) == expected)
    except TimeoutException:
        shown = sorted(driver.execute_script(RESULT_NAMES))
        pytest.fail(f"the list shows {shown}, expected {expected}")


def log_in(driver, base_url: str, username: str) -> None:
    """Type the user's name and password into the login form and submit it, as a person would."""
    driver.get(f"{base_url}/accounts/login/")
    wait_for_page(driver, "/accounts/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    # Everyone lands on their workbench.
    wait_for_page(driver, "/")
    assert driver.find_element(By.CSS_SELECTOR, "main h1").text == "工作台"


def open_registry(driver) -> None:
    """From the workbench to the registry by the top menu, as a person would."""
    driver.find_element(By.LINK_TEXT, "企业").click()
    wait(driver).until(lambda d: d.find_element(By.LINK_TEXT, "企业名录").is_displayed())
    driver.find_element(By.LINK_TEXT, "企业名录").click()
    wait_for_page(driver, "/enterprises/")
    assert driver.find_element(By.CSS_SELECTOR, "main h1").text == "企业名录"


def test_supervisor_filters_searches_and_opens_an_enterprise(
    browser, live_server, users, town_a, enterprise_a, enterprise_a2, enterprise_b
):
    supervisor = users[Role.SUPERVISOR]
    log_in(browser, live_server.url, supervisor.username)

    # The login went through django-axes: a successful access is logged, no failure counted.
    assert AccessLog.objects.filter(username=supervisor.username).exists()
    assert not AccessAttempt.objects.exists()
    assert supervisor.username in browser.find_element(By.CSS_SELECTOR, "nav").text
    open_registry(browser)

    # The county supervisor sees the whole county.
    wait_for_results(browser, [enterprise_a.name, enterprise_a2.name, enterprise_b.name])

    # Bootstrap, its icons, the site's CSS and htmx all came from the live server.
    resources = dict(browser.execute_script(STATIC_RESOURCES))
    for path in (
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/vendor/bootstrap-icons/bootstrap-icons.min.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/css/anjian.css",
    ):
        assert resources.get(path) == 200, (path, resources)
    assert all(status == 200 for status in resources.values()), resources
    assert browser.execute_script("return typeof window.bootstrap === 'object'")
    # anjian.css's page background and Bootstrap's flex utilities are applied.
    body_background = "return getComputedStyle(document.body).backgroundColor"
    assert browser.execute_script(body_background) == "rgb(245, 247, 250)"
    toolbar_display = "return getComputedStyle(document.querySelector('main .d-flex')).display"
    assert browser.execute_script(toolbar_display) == "flex"

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT)), f"could not write {SCREENSHOT}"

    # Choose a town: htmx swaps in that town's enterprises and puts the filter into the URL.
    started = htmx_started(browser)
    Select(browser.find_element(By.ID, "id_town")).select_by_visible_text(town_a.name)
    wait_for_htmx(browser, started)
    wait_for_results(browser, [enterprise_a.name, enterprise_a2.name])
    wait(browser).until(lambda d: query_of(d).get("town") == [str(town_a.pk)])
    assert path_of(browser) == "/enterprises/"
    assert browser.find_element(By.ID, "result-count").text == "共 2 家企业"

    # Type the pinyin initials of 高唐县精工铸造有限公司 and leave the box.
    started = htmx_started(browser)
    search = browser.find_element(By.ID, "id_q")
    search.send_keys("gtxj")
    wait_for_results(browser, [enterprise_a.name])
    # Tabbing out fires the box's change event (another htmx request); letting it finish
    # here keeps it from racing the click below.
    search.send_keys(Keys.TAB)
    wait_for_htmx(browser, started)
    wait_for_results(browser, [enterprise_a.name])
    wait(browser).until(
        lambda d: query_of(d).get("q") == ["gtxj"] and query_of(d).get("town") == [str(town_a.pk)]
    )
    assert browser.find_element(By.ID, "result-count").text == "共 1 家企业"

    # Open it.
    browser.find_element(By.LINK_TEXT, enterprise_a.name).click()
    wait_for_page(browser, f"/enterprises/{enterprise_a.pk}/")
    assert browser.find_element(By.CSS_SELECTOR, "main h1").text == enterprise_a.name
    facts = browser.find_element(By.CSS_SELECTOR, "main h1 + div").text
    assert enterprise_a.credit_code in facts
    assert town_a.name in facts


def test_town_supervisor_sees_only_their_town(
    browser, live_server, users, town_b, enterprise_a, enterprise_a2, enterprise_b
):
    log_in(browser, live_server.url, users[Role.TOWN_SUPERVISOR].username)
    open_registry(browser)

    wait_for_results(browser, [enterprise_a.name, enterprise_a2.name])
    assert enterprise_b.name not in browser.find_element(By.TAG_NAME, "body").text
    towns = [option.text for option in Select(browser.find_element(By.ID, "id_town")).options]
    assert town_b.name not in towns

    # The other town's enterprise, opened by its address, is "not found" rather than forbidden,
    # so its existence is not revealed.
    browser.get(f"{live_server.url}/enterprises/{enterprise_b.pk}/")
    wait_for_page(browser, f"/enterprises/{enterprise_b.pk}/")
    assert browser.execute_script(NAVIGATION_STATUS) == 404
    assert browser.find_element(By.CSS_SELECTOR, "main h1").text == NOT_FOUND_TEXT
    assert enterprise_b.name not in browser.find_element(By.TAG_NAME, "body").text


def test_principal_reads_the_tabs_of_their_enterprise(
    browser, live_server, users, enterprise_a, county_supervisor
):
    """The enterprise page's tabs load their parts by htmx: 承诺与事故 shows the enterprise's
    commitment and accident, 执法检查 its (empty) inspections; none stays on "正在加载"."""
    import datetime

    from django.utils import timezone

    from accidents import services as accidents
    from reporting import services as commitments

    principal = users[Role.PRINCIPAL]
    today = timezone.localdate()
    commitments.record(
        principal,
        enterprise_id=enterprise_a.pk,
        kind="zero_out",
        committer_name="王建国",
        committer_post="总经理",
        content="本人承诺本企业重大事故隐患动态清零",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        signed_on=today.replace(month=1, day=1),
    )
    accidents.record(
        county_supervisor,
        {
            "source": "local",
            "enterprise_id": enterprise_a.pk,
            "title": "精工铸造清砂机械伤害事故",
            "occurred_at": timezone.now() - datetime.timedelta(days=3),
            "category": "machinery",
            "serious_injuries": 1,
            "summary": "清砂工清理滚筒时被卷入",
        },
    )
    log_in(browser, live_server.url, principal.username)
    browser.get(f"{live_server.url}/enterprises/{enterprise_a.pk}/")
    wait_for_page(browser, f"/enterprises/{enterprise_a.pk}/")

    browser.find_element(By.CSS_SELECTOR, "[data-bs-target='#tab-commitments']").click()
    pane = browser.find_element(By.ID, "tab-commitments")
    wait(browser).until(lambda d: "正在加载" not in pane.text and pane.is_displayed())
    assert "动态清零承诺 王建国（总经理）" in pane.text
    assert "精工铸造清砂机械伤害事故" in pane.text

    browser.find_element(By.CSS_SELECTOR, "[data-bs-target='#tab-enforcement']").click()
    pane = browser.find_element(By.ID, "tab-enforcement")
    wait(browser).until(lambda d: "正在加载" not in pane.text and pane.is_displayed())
    assert browser.find_element(By.ID, "enterprise-enforcement").is_displayed()
