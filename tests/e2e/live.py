"""What the browser tests share: a migrated SQLite system in a file, a live server on a
free local port in a thread, the flags Debian's Chromium runs with here, and signing in
through the real form."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pathwise.config import Mode, Settings
from pathwise.services.context import App
from tests.security.web_school import PASSWORD

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def sqlite_system(path: Path) -> Iterator[App]:
    """A test-mode system on a new SQLite file at ``path``, migrated; closed when the block ends."""
    system = App.from_settings(Settings(database_url=f"sqlite:///{path}", mode=Mode.TEST))
    system.migrate()
    try:
        yield system
    finally:
        system.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(system: App) -> Iterator[str]:
    """The web app over ``system`` on 127.0.0.1 until the block ends; yields its base URL."""
    import uvicorn

    from pathwise.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(system), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def launch(playwright: Any, chromium_path: str) -> Any:
    return playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)


def sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
