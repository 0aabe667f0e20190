"""A crawler over the demo school: every page each role can reach, and what it says.

Signed in as one student, one teacher, one guardian and the admin of the demo school, the
crawler follows every same-site link it can reach from the home page (GET only, never
sign-out), breadth first. It fails on any page that answers 404 or a server error, and on
any page whose visible text shows an internal code of the demo's content: a skill code
(``num.factors``), an item id (``i.num.factors.01``) or a misconception code
(``gcf_lcm_confused``). Staff may see a code in a tooltip (an attribute), never in the
text. Every mastery state a page shows is one of the words defined once
(``domain.mastery_states``), said as defined. No page holds two database connections at
once (a second transaction opened while the view's own is open waits on a pool that busy
requests may have emptied, and on SQLite behind the view's own write lock). The findings are
listed all at once, with the page that linked to each one.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from pathwise.config import Mode, Settings
from pathwise.domain.mastery_states import WORDS
from pathwise.interop import demo as demo_door
from pathwise.services.context import App
from pathwise.services.demo_data import load_items
from tests.integration.connections import Connections
from tests.security.web_client import WebClient

PASSWORDS = {"student": "river-otter-5730", "teacher": "copper-lantern-2981", "guardian": "quiet-harbor-6152",
             "admin": "maple-ledger-4417"}
MAX_PAGES = 120  # per role: enough to reach every kind of page of a small demo school
HREF = re.compile(r"""<a\b[^>]*\bhref=["']([^"']+)["']""", re.I)
SKIP = ("/logout", "/static/", "/api/")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    path: Path = tmp_path_factory.mktemp("crawl") / "demo.db"
    system = App.from_settings(Settings(database_url=f"sqlite:///{path}", mode=Mode.TEST))
    system.migrate()
    demo_door.seed(system, students_per_class=6, weeks=4)
    yield system
    system.close()


def internal_codes() -> set[str]:
    parsed = load_items()
    codes: set[str] = set()
    for item, _source, _path in parsed.items:
        codes.add(item.id)
        codes.update(item.skill_codes)
        for fb in getattr(item, "feedback", ()) or ():
            code = getattr(fb, "misconception", None)
            if code:
                codes.add(code)
    return {c for c in codes if ("." in c or "_" in c) and len(c) > 4}


def visible_text(page: str) -> str:
    """The words a person reads: no tags, attributes, scripts or styles."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    body = re.sub(r"(?s)<[^>]+>", " ", body)
    return html.unescape(body)


def state_problems(page: str) -> list[str]:
    """Where a page says a mastery state in words other than the ones defined once
    (``domain.mastery_states``): an unknown ``data-state`` key, a state word that does not
    match its element's key, or a "72% — ..." reading outside the vocabulary."""
    out = []
    for m in re.finditer(r'data-state="([^"]*)"', page):
        key = m.group(1)
        if key not in WORDS:
            out.append(f"unknown state key {key!r}")
            continue
        end = page.find("data-state=", m.end())
        said = re.search(r'<span class="state-word">([^<]*)<', page[m.end():end if end > 0 else None])
        if said and said.group(1).strip().lower() != WORDS[key]:
            out.append(f"{key!r} said as {said.group(1)!r}")
    for m in re.finditer(r"\d+% — ([a-z][a-z ]*[a-z])", visible_text(page)):
        if m.group(1) not in WORDS.values():
            out.append(f"reading {m.group(0)!r}")
    return out


def crawl(c: WebClient, start: str, connections: Connections | None = None) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """Every reachable page: url -> (status, visible text); and who linked to it. Mastery
    words outside the vocabulary are reported as text ``STATE: ...`` lines, and a page that
    held more than one database connection at once as a ``CONNECTIONS: n`` line."""
    seen: dict[str, tuple[int, str]] = {}
    came_from: dict[str, str] = {start: "(home)"}
    todo = deque([start])
    while todo and len(seen) < MAX_PAGES:
        url = todo.popleft()
        if url in seen:
            continue
        if connections is not None:
            connections.reset()
        r = c.page(url)
        hops = 0
        while r.status_code in (302, 303, 307) and hops < 3:
            url_next = r.headers["location"]
            r = c.page(url_next)
            hops += 1
        text = r.text if "text/html" in r.headers.get("content-type", "") else ""
        held = f"\nCONNECTIONS: {connections.peak}" if connections is not None and connections.peak > 1 else ""
        seen[url] = (r.status_code, visible_text(text) + "".join(f"\nSTATE: {p}" for p in state_problems(text)) + held)
        for href in HREF.findall(text):
            target, _ = urldefrag(html.unescape(href))
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(SKIP):
                continue
            if target not in seen and target not in came_from:
                came_from[target] = url
                todo.append(target)
    return seen, came_from


@pytest.mark.slow
@pytest.mark.parametrize("role", ["student", "teacher", "guardian", "admin"])
def test_every_reachable_page_answers_and_speaks_plainly(demo: App, role: str) -> None:
    logins = [(r, u, p) for r, u, p in demo_door.logins(demo) if r == role]
    assert logins, f"the demo has no {role}"
    username = logins[-1][1]
    c = WebClient(demo)
    connections = Connections(demo)
    try:
        assert c.login(username, PASSWORDS[role]).status_code == 303
        seen, came_from = crawl(c, "/", connections)
    finally:
        c.close()
        connections.close()
    assert len(seen) >= 2, seen.keys()
    codes = internal_codes()
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(x) for x in sorted(codes, key=len, reverse=True))
                         + r")(?![\w])")
    problems = []
    for url, (status, text) in sorted(seen.items()):
        if status == 404 or status >= 500:
            problems.append(f"{url}: {status} (linked from {came_from.get(url)})")
            continue
        shown = sorted(set(pattern.findall(text)))
        if shown:
            problems.append(f"{url}: shows internal codes {shown[:5]} (linked from {came_from.get(url)})")
        states = re.findall(r"^STATE: (.*)$", text, re.M)
        if states:
            problems.append(f"{url}: mastery words outside the vocabulary {states[:3]}")
        held = re.findall(r"^CONNECTIONS: (\d+)$", text, re.M)
        if held:
            problems.append(f"{url}: held {held[0]} database connections at once (linked from {came_from.get(url)})")
    assert problems == [], f"{role}: {len(problems)} of {len(seen)} pages:\n" + "\n".join(problems)
