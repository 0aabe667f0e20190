"""Refresh the screenshots in docs/screenshots: each role's main pages on the demo school.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--width 1100]

Seeds the demo school into a temporary SQLite file, serves it on a free local port, signs
in as a student, a teacher, a guardian and the admin through the real form in Debian's
Chromium (headless, via Playwright) and saves the top of each main page as a small PNG
(the viewport, not the whole page), then lists them in docs/screenshots/README.md. So a
newcomer sees the product before installing it. Needs the test extra (playwright) and
/usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORDS = {"student": "river-otter-5730", "teacher": "copper-lantern-2981", "guardian": "quiet-harbor-6152",
             "admin": "maple-ledger-4417"}
# (role, file, what the page is, how to reach it: a path, or a link text to click from home)
SHOTS = [
    ("student", "student-home.png", "The student's progress page", "/student"),
    ("student", "student-path.png", "The student's learning path and what's next", "/student/path"),
    ("student", "student-practice.png", "Practice: the skills to practise", "/practice"),
    ("student", "student-goals.png", "The student's goals, each with its progress and forecast", "/student/goals"),
    ("student", "student-survey.png", "Getting to know the student: interests, ways of learning, strengths", "/student/survey"),
    ("student", "student-journal.png", "The student's reflection journal", "/student/journal/new?prompt=week"),
    ("student", "student-checkin.png", "Private well-being check-ins", "/student/checkin"),
    ("teacher", "teacher-home.png", "The teacher's classes", "/teacher"),
    ("teacher", "teacher-mentees.png", "A mentor's students", "/mentor"),
    ("teacher", "teacher-class.png", "A class: the mastery grid", "link:class"),
    ("teacher", "teacher-projects.png", "Projects and their rubrics", "/teacher/projects"),
    ("teacher", "teacher-attention.png", "Who needs attention in a class, the most urgent first", "link:class/attention"),
    ("teacher", "teacher-groups.png", "Flexible groups suggested for a class", "link:class/groups"),
    ("teacher", "teacher-teams.png", "Project teams around shared interests", "link:class/teams"),
    ("teacher", "teacher-messages.png", "Messages from families", "/teacher/messages"),
    ("guardian", "guardian-child.png", "A family's view of their child", "link:child"),
    ("guardian", "guardian-week.png", "A child's week and ways to help at home", "link:child/progress"),
    ("guardian", "guardian-report.png", "The printable progress report", "link:child/report"),
    ("admin", "admin-home.png", "The school at a glance", "/admin"),
    ("admin", "admin-wellbeing.png", "The well-being lead's requests to talk", "/wellbeing"),
    ("admin", "admin-insight.png", "School progress, with no number about fewer than five students", "/admin/insight"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=760)
    args = ap.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    from pathwise.config import Mode, Settings
    from pathwise.interop import demo as demo_door
    from pathwise.services.context import App
    from pathwise.web.app import create_app

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        system = App.from_settings(Settings(database_url=f"sqlite:///{tmp}/demo.db", mode=Mode.DEMO))
        system.migrate()
        print("seeding the demo school ...", flush=True)
        demo_door.seed(system)
        users: dict[str, str] = {}
        for role, username, _pw in demo_door.logins(system):
            users.setdefault(role, username)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(system), host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off", access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        made: list[tuple[str, str]] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for role in ("student", "teacher", "guardian", "admin"):
                    context = browser.new_context(viewport={"width": args.width, "height": args.height})
                    page = context.new_page()
                    page.goto(f"{base}/")
                    page.get_by_label("Username").fill(users[role])
                    page.get_by_label("Password").fill(PASSWORDS[role])
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_load_state()
                    home = page.url
                    for who, name, what, where in SHOTS:
                        if who != role:
                            continue
                        if where.startswith("link:"):  # the first class or child linked from home, then a sub-page
                            kind, _, rest = where[5:].partition("/")
                            page.goto(home)
                            prefix = {"class": "/teacher/classes/", "child": "/guardian/children/"}[kind]
                            href = page.locator(f"a[href^='{prefix}']").first.get_attribute("href") or ""
                            target = prefix + href[len(prefix):].split("/")[0]
                            page.goto(f"{base}{target}" + (f"/{rest}" if rest else ""))
                        else:
                            page.goto(f"{base}{where}")
                        page.wait_for_load_state("networkidle")
                        page.screenshot(path=str(args.out / name))
                        made.append((name, what))
                        print(f"  {name}: {what}", flush=True)
                    context.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            system.close()
    lines = ["# Screenshots", "", "Each role's main pages on the demo school (`./dev demo`), refreshed by",
             "`.venv/bin/python tools/screenshots.py`.", ""]
    lines += [f"## {what}\n\n![{what}]({name})\n" for name, what in made]
    (args.out / "README.md").write_text("\n".join(lines))
    print(f"{len(made)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
