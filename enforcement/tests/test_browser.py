"""The checklist inspection in Debian's Chromium (issue 12): an enforcement officer answers two
items and marks a section 不适用 without the page ever reloading (a marker set on `window` before
survives), sees each item's 已保存 or its Chinese reason, and the progress count change. The note
is saved after a pause in typing (autosave) while the cursor stays in it. Once the session has
ended, a change says 未保存 in the item instead of showing the log-in page there."""

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from accounts.roles import Role
from enforcement.inspections import services as inspections
from enforcement.models import InspectionAnswer, Result
from enterprises.tests import test_browser as shared
from enterprises.tests.test_browser import log_in, wait, wait_for_htmx, wait_for_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
driver = shared.driver
browser = shared.browser

MARKER = "window.__sameDocument = 'checklist';"
SAME_DOCUMENT = "return window.__sameDocument || null;"


def text_of(browser, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def click(browser, element) -> None:
    """Scroll the element to the middle at once (Bootstrap makes scrolling smooth, and a click
    while the page still moves lands elsewhere), then click it as a person would."""
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def wait_for_text(browser, element_id: str, expected: str) -> None:
    wait(browser).until(
        lambda d: expected in text_of(d, element_id),
        f"#{element_id} never showed {expected!r}",
    )


def test_answer_items_and_a_section_without_reloading(
    browser, live_server, users, inspectors, enterprise_a
):
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    inspection = inspections.create_inspection(
        enforcer, enterprise_a.pk, "on_site", None, [inspectors[0].pk, inspectors[1].pk]
    )
    sections = inspections.checklist_sections(inspections.checklist_rows(inspection))
    total = sum(len(s["rows"]) for s in sections)
    first, second = (row["item"] for row in sections[0]["rows"][:2])
    other = sections[1]

    log_in(browser, live_server.url, enforcer.username)
    path = f"/enforcement/inspections/{inspection.pk}/"
    browser.get(live_server.url + path)
    wait_for_page(browser, path)
    browser.execute_script(MARKER)
    assert text_of(browser, "progress") == f"已答 0 / {total} 项，不符合 0 项"

    # 符合 on the first item: saved by htmx, the count goes up.
    started = shared.htmx_started(browser)
    click(browser, browser.find_element(By.CSS_SELECTOR, f'label[for="r{first.pk}_compliant"]'))
    wait_for_htmx(browser, started)
    wait_for_text(browser, f"status-{first.pk}", "已保存")
    assert text_of(browser, "progress") == f"已答 1 / {total} 项，不符合 0 项"

    # 不符合 on the second without a note: the reason shows in the item, nothing is counted.
    started = shared.htmx_started(browser)
    click(
        browser, browser.find_element(By.CSS_SELECTOR, f'label[for="r{second.pk}_not_compliant"]')
    )
    wait_for_htmx(browser, started)
    wait_for_text(browser, f"status-{second.pk}", "未保存：不符合的条目请写明具体问题")
    assert text_of(browser, "progress") == f"已答 1 / {total} 项，不符合 0 项"

    # Typing the note: saved after a pause, the cursor still in the note.
    note = browser.find_element(By.ID, f"note-{second.pk}")
    started = shared.htmx_started(browser)
    note.send_keys("未设置断水报警")
    wait_for_htmx(browser, started)
    wait_for_text(browser, f"status-{second.pk}", "已保存")
    wait_for_text(browser, "progress", f"已答 2 / {total} 项，不符合 1 项")
    assert browser.execute_script("return document.activeElement.id") == f"note-{second.pk}"
    assert note.get_attribute("value") == "未设置断水报警"
    head = f"section-head-{sections[0]['template'].pk}"
    wait_for_text(browser, head, f"未答 {len(sections[0]['rows']) - 2} 项")

    # 本节不适用 on another section, confirmed: its items are answered, the count follows.
    section = browser.find_element(By.ID, f"section-{other['template'].pk}")
    started = shared.htmx_started(browser)
    click(browser, section.find_element(By.CSS_SELECTOR, "button.section-na"))
    wait(browser).until(expected_conditions.alert_is_present())
    browser.switch_to.alert.accept()
    wait_for_htmx(browser, started)
    answered = 2 + len(other["rows"])
    wait_for_text(browser, "progress", f"已答 {answered} / {total} 项，不符合 1 项")
    section = browser.find_element(By.ID, f"section-{other['template'].pk}")
    assert not section.find_elements(By.CSS_SELECTOR, "button.section-na")

    # All of it without a page load.
    assert browser.execute_script(SAME_DOCUMENT) == "checklist"
    answers = {a.item_id: a for a in InspectionAnswer.objects.filter(inspection=inspection)}
    assert answers[first.pk].result == Result.COMPLIANT
    assert (answers[second.pk].result, answers[second.pk].note) == (
        Result.NOT_COMPLIANT,
        "未设置断水报警",
    )
    assert {answers[row["item"].pk].result for row in other["rows"]} == {Result.NOT_APPLICABLE}
    assert len(answers) == answered

    # The session ends: the next change is not saved, and the item says so (the log-in page is
    # not swapped into it).
    browser.delete_cookie(settings.SESSION_COOKIE_NAME)
    third = sections[0]["rows"][2]["item"]
    started = shared.htmx_started(browser)
    click(browser, browser.find_element(By.CSS_SELECTOR, f'label[for="r{third.pk}_compliant"]'))
    wait_for_htmx(browser, started)
    wait_for_text(browser, f"status-{third.pk}", "未保存：登录已过期，请刷新页面重新登录")
    assert not browser.find_elements(By.CSS_SELECTOR, f"#item-{third.pk} #id_username")
    assert browser.execute_script(SAME_DOCUMENT) == "checklist"
    assert not InspectionAnswer.objects.filter(inspection=inspection, item=third).exists()
