"""Steps on existing hazards offline, and the sync that needs no button, in Debian's Chromium
(issue 18). The enterprise's principal prepares his enterprise (its open hazards come along),
loses the signal, reports two rectifications done (提交验收), one with a photo; meanwhile a
colleague submits the second one online. The signal returns while the server is still away:
the page says the sync failed and why, and tries again by itself; once the server is back,
without a click, the first step is taken (its event, its photo) and the second is shown as a
conflict, with what was recorded offline beside what the hazard is now, until the principal
discards it himself.

"No signal" is as in test_browser.py: Chromium's network emulation and the live server stopped
(fieldwork/tests/outage.py)."""

import re
import time

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from accounts.roles import Role
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_page
from fieldwork.models import OfflineStep
from fieldwork.tests import outage
from fieldwork.tests.test_browser import click, network, wait_for_status
from fieldwork.tests.test_steps import hazard_in
from hazards import services as hazards
from hazards.models import Hazard, HazardEvent, HazardPhoto, PhotoKind, State
from hazards.tests.test_browser import phone  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser

STATUS = "return document.getElementById('offline-status').textContent.trim();"


def press(driver, selector: str) -> None:
    """Click what `selector` finds, found again if the page redrew it meanwhile (the worker's
    background sync tells the page, which redraws its lists)."""
    wait(driver).until(lambda d: click(d, d.find_element(By.CSS_SELECTOR, selector)) or True)


def record_step(driver, hazard, note, picture=None) -> None:
    press(driver, "#prepared [data-open=hazards]")
    press(driver, f'[data-hazard="{hazard.pk}"] [data-step=submit]')
    save = wait(driver).until(lambda d: d.find_element(By.ID, "save-record"))
    driver.find_element(By.ID, "step-note").send_keys(note)
    if picture:
        driver.find_element(By.ID, "step-photos").send_keys(str(picture))
    click(driver, save)
    wait(driver).until(lambda d: d.find_elements(By.ID, "saved-note"))


def test_steps_on_hazards_sync_by_themselves_and_a_conflict_is_kept(
    phone,  # noqa: F811
    live_server,
    users,
    enterprise_a,
    tmp_path,
):
    picture = tmp_path / "整改后.png"
    Image.new("RGB", (64, 48), (40, 160, 40)).save(picture)
    principal = users[Role.PRINCIPAL]
    grounded = hazard_in(State.RECTIFYING, users, enterprise_a, "配电箱未接地")
    blocked = hazard_in(State.RECTIFYING, users, enterprise_a, "消防通道堆放货物")
    outage.restart(live_server)
    base = live_server.url
    log_in(phone, base, principal.username)
    phone.get(base + "/offline/")
    wait_for_page(phone, "/offline/")
    assert phone.execute_async_script(
        "navigator.serviceWorker.ready.then(() => arguments[0](true));"
    )
    wait_for_status(phone, "已同步")
    click(phone, phone.find_element(By.ID, "prepare"))
    wait(phone).until(lambda d: "可办理的隐患 2 条" in d.find_element(By.ID, "prepare-result").text)

    network(phone, online=False)
    try:
        with outage.down(live_server):
            phone.get(base + "/offline/")
            wait_for_page(phone, "/offline/")
            wait_for_status(phone, "离线")
            record_step(phone, grounded, "接地线已重新敷设，经检测合格", picture)
            wait_for_status(phone, "离线 · 待同步 1 条")
            record_step(phone, blocked, "货物已清走")
            wait_for_status(phone, "离线 · 待同步 2 条")
            # The second hazard is dealt with online meanwhile, by the safety officer.
            hazards.submit(users[Role.SAFETY_OFFICER], blocked.pk, "已清理通道")
            # The signal returns, the server is still away: the sync fails and says why.
            network(phone, online=True)
            wait_for_status(phone, "待同步 2 条 · 同步失败（无法连接服务器）")
            assert not OfflineStep.objects.exists()
        # The server is back: nobody presses anything.
        wait_for_status(phone, "冲突 1 条待处理")
    finally:
        network(phone, online=True)

    grounded.refresh_from_db()
    assert (grounded.state, grounded.evidence) == (State.SUBMITTED, "接地线已重新敷设，经检测合格")
    event = HazardEvent.objects.get(hazard=grounded, action="submit")
    assert event.actor_id == principal.pk
    assert OfflineStep.objects.get().event_id == event.pk
    assert HazardPhoto.objects.filter(hazard=grounded, kind=PhotoKind.EVIDENCE).count() == 1

    # The conflict: what was recorded offline, and what the hazard is now.
    # Read in one go, again if the page redrew its list meanwhile.
    def conflict_texts(d):
        found = d.find_element(By.CSS_SELECTOR, "#pending [data-state=conflict]")
        return (
            found.text,
            found.find_element(By.CSS_SELECTOR, "[data-was]").text,
            found.find_element(By.CSS_SELECTOR, "[data-now]").text,
        )

    whole, was, now = wait(phone).until(conflict_texts)
    assert "已有新的办理" in whole
    assert "整改完成，提交验收" in was and "货物已清走" in was and "整改中" in was
    assert "隐患现状：已提交验收" in now
    assert Hazard.objects.get(pk=blocked.pk).evidence == "已清理通道"
    # Kept until the principal discards it, and asked first.
    press(phone, "#pending [data-state=conflict] [data-discard]")
    phone.switch_to.alert.accept()
    wait_for_status(phone, "已同步")
    assert phone.find_elements(By.CSS_SELECTOR, "#pending [data-record]") == []
    assert HazardEvent.objects.filter(hazard=blocked, action="submit").count() == 1


def registration_id(driver, origin: str) -> str:
    """The service worker registration of `origin`, as Chromium's own page lists it."""
    driver.get("chrome://serviceworker-internals/")
    text = wait(driver).until(
        lambda d: (
            (d.execute_script("return document.body.innerText") or "")
            if f"Origin: {origin}" in (d.execute_script("return document.body.innerText") or "")
            else None
        )
    )
    for block in text.split("Scope: ")[1:]:
        if f"Origin: {origin}\n" in block + "\n":
            found = re.search(r"Registration ID: (\d+)", block)
            if found:
                return found.group(1)
    pytest.fail(f"no service worker registered for {origin}")


def test_the_service_worker_syncs_with_the_page_closed(
    phone,  # noqa: F811
    live_server,
    users,
    enterprise_a,
):
    """Background Sync: the page registers a sync when it keeps a record; the browser fires it
    in the service worker when the connection is back, the page or not. Here the page is closed
    (the tab shows Chromium's own page) and the sync is fired as Chromium fires it, through
    DevTools (ServiceWorker.dispatchSyncEvent, what its Application panel does)."""
    hazard = hazard_in(State.RECTIFYING, users, enterprise_a)
    outage.restart(live_server)
    base = live_server.url
    log_in(phone, base, users[Role.PRINCIPAL].username)
    phone.get(base + "/offline/")
    wait_for_page(phone, "/offline/")
    assert phone.execute_async_script(
        "navigator.serviceWorker.ready.then(() => arguments[0](true));"
    )
    click(phone, phone.find_element(By.ID, "prepare"))
    wait(phone).until(lambda d: "可办理的隐患 1 条" in d.find_element(By.ID, "prepare-result").text)
    with outage.down(live_server):
        record_step(phone, hazard, "已整改完毕")
        wait_for_status(phone, "待同步 1 条 · 同步失败（无法连接服务器）")
        tags = phone.execute_async_script(
            "navigator.serviceWorker.ready.then(r => r.sync.getTags()).then(arguments[0]);"
        )
        assert tags == ["anjian-offline-sync"]
        # The page is closed.
        registration = registration_id(phone, base)
    assert not OfflineStep.objects.exists()
    phone.execute_cdp_cmd("ServiceWorker.enable", {})
    phone.execute_cdp_cmd(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": base,
            "registrationId": registration,
            "tag": "anjian-offline-sync",
            "lastChance": False,
        },
    )
    deadline = time.monotonic() + 30
    while not OfflineStep.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert OfflineStep.objects.get().user_id == users[Role.PRINCIPAL].pk
    assert Hazard.objects.get(pk=hazard.pk).state == State.SUBMITTED
    # Opened again, the page finds the queue empty.
    phone.get(base + "/offline/")
    wait_for_page(phone, "/offline/")
    wait_for_status(phone, "已同步")
    assert "已办理：整改完成，提交验收" in phone.find_element(By.ID, "synced").text
