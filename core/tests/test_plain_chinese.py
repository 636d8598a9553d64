"""No raw codes or English reach a user (issue 12): with the demo loaded, every page a role
reaches by following the links of its pages (from the workbench, as a person would) shows labels,
never a choice's stored value, Python's None/True/False, an empty "{}" or "[]", a dict, or
Django's "---------" placeholder for an empty choice."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from hazards.models import Source, State

# What a page's visible text must never contain: Django's and Python's own words, and the
# stored values of the choices people see most (states and sources of hazards, app labels).
PLACEHOLDERS = ["---------", "{}", "[]", "{'", "None", "True", "False"]
CODES = sorted(
    {*State.values, *Source.values, "grading", "hazards", "enforcement", "monitoring"}
    - {"other"},  # also an ordinary English word in a URL path; its label is checked elsewhere
)
CODE = re.compile(r"(?<![A-Za-z0-9_/.-])(" + "|".join(map(re.escape, CODES)) + r")(?![A-Za-z0-9_])")

# Pages that are not for reading: downloads, exports, log-out, the API, the admin (its own
# framework), static and media files.
SKIP = re.compile(
    r"^/(api/|admin/|static/|media/|accounts/logout)|/(download|export|photo|kept-photos)|\.(xlsx|docx|pdf|png|jpg)$"
)
PAGES_PER_ROLE = 80


class VisibleText(HTMLParser):
    """The text a person sees on a page (no scripts, styles or attributes), and its links."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def problems_in(text: str) -> list[str]:
    found = [
        word
        for word in PLACEHOLDERS
        if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)
    ]
    found += sorted(set(CODE.findall(text)))
    return found


@pytest.fixture
def demo(demo_without_monitoring):
    demo_without_monitoring()


@pytest.mark.parametrize("username", ["jianguan", "zhenjie", "fuzeren", "yuangong"])
def test_pages_a_role_reaches_show_labels_not_codes(client, demo, username):
    from accounts.models import User

    client.force_login(User.objects.get(username=username))
    queue, seen, bad = ["/"], set(), {}
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = VisibleText()
        page.feed(response.content.decode())
        text = " ".join(page.text)
        if found := problems_in(text):
            bad[url] = found
        for href in page.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc in ("", "testserver") and parts.path not in seen:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen) >= 8, seen  # the crawl went somewhere
    assert not bad, bad
