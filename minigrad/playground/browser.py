"""Drive the playground in a real headless Chromium: for the browser tests, the benchmark
and the README's screenshot (docs/make_pictures.py), so all three do it the same way.

The browser is the system's Chromium (Debian's ``chromium`` package), driven by Playwright's
Python API through ``executable_path``: nothing is downloaded. Playwright is imported only
here, and only when a browser is started.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

# Chromium as root in a container, with no network but loopback: no sandbox, no GPU, and
# none of the background connections that would be refused (and retried) here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
INSTALL_HINT = ("install Debian's chromium (apt-get install chromium) and Playwright's Python "
                "API (pip install playwright; no browser download is needed)")


def find_chromium() -> str | None:
    """The Chromium to drive: ``$MINIGRAD_CHROMIUM``, else ``chromium`` on the PATH."""
    return (os.environ.get("MINIGRAD_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sessions(url: str) -> dict[str, int]:
    """The server's ``/api/sessions`` counts."""
    with urllib.request.urlopen(url + "api/sessions", timeout=5) as response:
        return dict(json.load(response))


@contextlib.contextmanager
def running_server(plugins: Sequence[str] = (), timeout: float = 30.0) -> Iterator[str]:
    """Run ``minigrad playground --no-browser`` on a free port; yield its URL; stop it with
    Ctrl-C (SIGINT) as a user would."""
    port = free_port()
    command = [sys.executable, "-m", "minigrad", "playground", "--no-browser",
               "--port", str(port)]
    for plugin in plugins:
        command += ["--plugin", plugin]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"minigrad playground exited with {process.returncode}: "
                                   f"{process.stderr.read() if process.stderr else ''}")
            try:
                sessions(url)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"minigrad playground did not answer on {url} within "
                                       f"{timeout} s") from None
                time.sleep(0.1)
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@contextlib.contextmanager
def chromium(executable: str | None = None) -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    path = executable or find_chromium()
    if path is None:
        raise RuntimeError(f"no Chromium found: {INSTALL_HINT}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, url: str, width: int = 1400, height: int = 900) -> Any:
    """A new tab on ``url``, once the page has its first frame (``window.playground``)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    wait_ready(page)
    return page


def wait_ready(page: Any, timeout: float = 20.0) -> None:
    page.wait_for_function("() => window.playground && window.playground.connected && "
                           f"window.playground.framesDrawn > 0 && {SHOWN}",
                           timeout=timeout * 1000)


# The page shows the last frame it received (it draws one animation frame later).
SHOWN = "window.playground.drawnFrame === window.playground.lastFrame"


def wait_shown(page: Any) -> None:
    page.wait_for_function(f"() => {SHOWN}", timeout=10_000)


def number(page: Any, testid: str) -> float:
    """The number an element shows (``train-loss``, ``epoch``, ...)."""
    return float(page.get_by_test_id(testid).inner_text().strip())


def play_until(page: Any, condition: str, timeout: float = 60.0) -> None:
    """Press play, wait until the JavaScript ``condition`` holds, press pause and wait for
    the server to confirm it stopped."""
    page.get_by_test_id("play").click()
    page.wait_for_function(condition, timeout=timeout * 1000)
    page.get_by_test_id("pause").click()
    page.wait_for_function("() => window.playground.lastFrame && "
                           "!window.playground.lastFrame.playing", timeout=10_000)
    wait_shown(page)


# The README's picture: spirals, which a plain 2-input network finds hard, learned with the
# sin features; then one point's backward pass. Every step is asked for by count, so the
# picture is the same at every run (docs/make_pictures.py --check compares it).
README_STATE = ("#dataset=spirals&noise=0.05&features=x1,x2,sin_x1,sin_x2&hidden=6,4"
                "&activations=tanh,tanh&optimizer=adam&lr=0.03&batch_size=10")
README_ROUNDS, README_STEPS = 40, 50


def readme_screenshot(browser_: Any, url: str, path: str) -> None:
    """Train the README's example in steps the page asks for, trace one point and save a
    screenshot of the page to ``path``."""
    page = open_page(browser_, url + README_STATE)
    try:
        for round_ in range(1, README_ROUNDS + 1):
            page.evaluate(f"() => window.playground.send({{type: 'step', count: {README_STEPS}}})")
            page.wait_for_function(f"() => window.playground.lastFrame.step === "
                                   f"{round_ * README_STEPS}")
        wait_shown(page)
        page.get_by_test_id("trace-index").fill("3")
        page.get_by_test_id("trace-go").click()
        page.get_by_test_id("trace-backward").click()
        page.get_by_test_id("trace-dldw-0-0-0").wait_for()
        page.mouse.move(0, 0)
        page.screenshot(path=path)
    finally:
        page.close()
