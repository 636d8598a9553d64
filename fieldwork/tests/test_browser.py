"""Field work without signal in Debian's Chromium (issue 18): an enforcement officer prepares an
enterprise, loses the connection, opens the offline page again, answers the checklist with a
photo of the item found wanting, sees the record queued (离线 · 待同步 1 条), comes back online
and sees it synced (已同步); the inspection is stored once, with its answers and its photo, and a
forced resend of the same record (same client id) answers the stored inspection without a
second one.

"No signal" is two things at once here, as on a phone in a plant: Chromium's network emulation
(the page's own requests fail and ``navigator.onLine`` is false, so the page says 离线) and the
live server stopped (``outage.down``), because the emulation does not reach the service
worker's requests. With the port refusing connections, a page that opens again can only have
come from the worker's cache."""

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from enforcement.inspections import checklists
from enforcement.models import Inspection, InspectionAnswer, InspectionPhoto
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from fieldwork.tests import outage
from hazards.tests.test_browser import phone  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser

CACHED = """
const done = arguments[0];
caches.open("anjian-offline-v1").then(cache => Promise.all(
  ["/offline/", "/static/js/offline.js", "/static/vendor/bootstrap/css/bootstrap.min.css"]
    .map(path => cache.match(path).then(found => Boolean(found && found.ok)))
)).then(done);
"""
# A request from the page (through the service worker, which the page's fetches go through):
# whether it got an answer, or the error it failed with.
FETCH = """
const done = arguments[1];
fetch(arguments[0], {cache: "no-store"})
  .then(response => done({answered: true, status: response.status}))
  .catch(error => done({answered: false, error: String(error)}));
"""
# How the offline page and its files were loaded: by the service worker, and with what status.
LOADED = """
const entries = performance.getEntriesByType("navigation")
  .concat(performance.getEntriesByType("resource"));
return entries.map(entry => [
  new URL(entry.name).pathname, entry.workerStart > 0, entry.responseStatus,
]);
"""
STATUS = "return document.getElementById('offline-status').textContent.trim();"


def network(browser, online: bool) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": not online, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def click(browser, element) -> None:
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def wait_for_status(browser, expected: str) -> None:
    wait(browser).until(
        lambda d: d.execute_script(STATUS) == expected,
        f"the status never read {expected!r}",
    )


def test_an_inspection_answered_offline_is_stored_once(
    phone,  # noqa: F811
    live_server,
    inspectors,
    enterprise_a,
    tmp_path,
):
    picture = tmp_path / "现场照片.png"
    Image.new("RGB", (64, 48), (220, 40, 40)).save(picture)
    items = list(checklists.items_for(enterprise_a))
    wanting = items[0]
    # Every connection the browser opens from here on is one the live server can cut.
    outage.restart(live_server)
    base = live_server.url
    log_in(phone, base, inspectors[0].username)
    phone.get(base + "/offline/")
    wait_for_page(phone, "/offline/")
    # The service worker is in charge before going out.
    assert phone.execute_async_script(
        "navigator.serviceWorker.ready.then(() => arguments[0](true));"
    )
    wait_for_status(phone, "已同步")
    assert phone.execute_async_script(FETCH, "/healthz") == {"answered": True, "status": 200}

    # 离线准备: the enterprise's checklist and the page's files are kept on the phone.
    Select(phone.find_element(By.ID, "prepare-enterprise")).select_by_value(str(enterprise_a.pk))
    click(phone, phone.find_element(By.ID, "prepare"))
    wait(phone).until(
        lambda d: f"检查清单 {len(items)} 项" in d.find_element(By.ID, "prepare-result").text
    )
    assert phone.execute_async_script(CACHED) == [True, True, True]

    # No signal: the phone is offline and the server out of reach, for the worker too.
    network(phone, online=False)
    try:
        with outage.down(live_server):
            assert outage.refuses_connections(live_server)
            # The page opens again all the same: it and its files come from the worker's
            # cache, the only place left to come from.
            phone.get(base + "/offline/")
            wait_for_page(phone, "/offline/")
            wait_for_status(phone, "离线")
            loaded = {
                path: (by_worker, status)
                for path, by_worker, status in phone.execute_script(LOADED)
            }
            for path in (
                "/offline/",
                "/static/js/offline.js",
                "/static/vendor/bootstrap/css/bootstrap.min.css",
            ):
                assert loaded.get(path) == (True, 200), (path, loaded)
            # Really offline: a request the cache cannot answer fails.
            assert phone.execute_async_script(FETCH, "/healthz")["answered"] is False
            click(phone, phone.find_element(By.CSS_SELECTOR, "#prepared [data-open=inspection]"))
            form = wait(phone).until(lambda d: d.find_element(By.ID, "save-record"))
            second = phone.find_element(By.ID, f"inspector-{inspectors[1].pk}")
            click(phone, second)
            assert phone.find_element(By.ID, f"inspector-{inspectors[0].pk}").is_selected()
            click(
                phone,
                phone.find_element(By.CSS_SELECTOR, f'label[for="r{wanting.pk}_not_compliant"]'),
            )
            phone.find_element(By.ID, f"note-{wanting.pk}").send_keys("安全警示标志缺失")
            phone.find_element(By.ID, f"photo-{wanting.pk}").send_keys(str(picture))
            click(phone, phone.find_element(By.ID, "all-compliant"))
            click(phone, form)
            wait_for_status(phone, "离线 · 待同步 1 条")
            # The page redraws its list at each retry: read it whole, again if redrawn meanwhile.
            pending = wait(phone).until(
                lambda d: d.find_element(By.CSS_SELECTOR, "#pending [data-state=pending]").text
            )
            assert "照片 1 张" in pending
            assert not Inspection.objects.exists()
            # Kept in the page for the forced resend below (the queue forgets a synced record).
            phone.execute_async_script(
                "const done = arguments[0];"
                "anjianOffline.records().then(r => { window.__kept = r[0]; done(r.length); });"
            )
            # Down all along.
            assert outage.refuses_connections(live_server)
        # The server is back on the same address before the signal returns.
        assert not outage.refuses_connections(live_server)
    finally:
        network(phone, online=True)

    # Back online: it syncs by itself.
    wait_for_status(phone, "已同步")
    client_id = phone.execute_script("return window.__kept.client_id;")
    inspection = Inspection.objects.get()
    assert str(inspection.client_id) == client_id
    assert inspection.created_by_id == inspectors[0].pk
    assert set(inspection.inspectors.values_list("pk", flat=True)) == {
        inspectors[0].pk,
        inspectors[1].pk,
    }
    answers = InspectionAnswer.objects.filter(inspection=inspection)
    assert answers.count() == len(items)
    found = answers.get(item=wanting)
    assert (found.result, found.note) == ("not_compliant", "安全警示标志缺失")
    assert InspectionPhoto.objects.filter(answer=found).count() == 1
    link = phone.find_element(By.CSS_SELECTOR, f'#synced [data-synced="{client_id}"]')
    assert link.get_attribute("href").endswith(f"/enforcement/inspections/{inspection.pk}/")

    # A forced resend of the same record: the stored inspection, not a second one.
    status = phone.execute_async_script(
        "const done = arguments[0];"
        "anjianOffline.send(window.__kept).then(r => done([r.status, r.data.id]));"
    )
    assert status == [200, inspection.pk]
    assert Inspection.objects.count() == 1
    assert InspectionPhoto.objects.count() == 1
