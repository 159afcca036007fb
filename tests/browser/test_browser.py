"""The served wizard in a real browser (Chromium through Playwright): the page loads, the welcome
screen arrives over the page's websocket, a whole demo repair is walked by keyboard, and a second
tab's world is untouched by it. Screenshots (PNG) of what a person sees go to the test's tmp dir."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from tests.browser.terminal import Frames, wait_until

VIEWPORT = {"width": 1100, "height": 700}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Tab:
    """One browser tab on the served wizard, and the text its websocket brought."""

    def __init__(self, chromium, url: str) -> None:
        self.page = chromium.new_page(viewport=VIEWPORT)
        self.frames = Frames()
        self.requests: list[str] = []  # every URL the page asked for, the websocket's too
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "websocket", lambda socket: (self.requests.append(socket.url), socket.on("framereceived", self.frames.add))
        )
        self.page.goto(url)

    def wait_for(self, text: str, since: int = 0, timeout: float = 60.0) -> None:
        wait_until(
            lambda: text in self.frames.since(since),
            timeout,
            f"{text!r} in the tab; it showed: {self.frames.since(since)[-600:]!r}",
            lambda seconds: self.page.wait_for_timeout(seconds * 1000),
        )

    def press(self, key: str, then: str, timeout: float = 60.0) -> None:
        """Press ``key`` (a Playwright key name, or text to type) and wait for ``then`` to arrive."""
        mark = self.frames.mark()
        self.focus()
        if len(key) > 1 and not key[0].isupper():
            self.page.keyboard.type(key)
        else:
            self.page.keyboard.press(key)
        self.wait_for(then, since=mark, timeout=timeout)

    def focus(self) -> None:
        """Keys go to the terminal's input box, as after a person clicks into the page."""
        self.page.focus("textarea.xterm-helper-textarea")

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))
        assert path.read_bytes().startswith(PNG_MAGIC)

    def close(self) -> None:
        self.page.close()


def test_the_welcome_screen_arrives_over_the_websocket(chromium, served, tmp_path):
    tab = Tab(chromium, served)
    try:
        tab.wait_for("1/7 Welcome")
        tab.wait_for("built-in emulator")  # the demo session connected
        tab.wait_for("nothing to resume")  # a fresh state directory: no runs
        tab.screenshot(tmp_path / "welcome.png")
        # nothing leaves the server's own loopback origin: no web font from Google, nothing else
        origin = urlsplit(served).netloc
        assert tab.requests and {urlsplit(url).netloc for url in tab.requests} == {origin}, tab.requests
    finally:
        tab.close()


def walk_a_repair(tab: Tab) -> None:
    """The CBR repair of the image whose source ECS exists, by keyboard, answering every confirmation yes."""
    tab.press("Enter", then="3 affected")
    tab.press("erp-app", then="erp-app-full-2019")
    tab.press("Enter", then="3/7 Diagnosis")
    tab.press("n", then="4/7 Questions")
    tab.press("n", then="5/7 The repair path")
    mark = tab.frames.mark()
    tab.focus()
    tab.page.keyboard.press("s")

    def answered_or_done() -> bool:
        nonlocal mark
        arrived = tab.frames.since(mark)
        if "7/7 Summary" in arrived:
            return True
        if "(y)" in arrived:  # a confirmation: its "yes" button says what it does, then "(y)"
            mark = tab.frames.mark()
            tab.page.keyboard.press("y")
        return False

    wait_until(answered_or_done, 90.0, "the summary", lambda seconds: tab.page.wait_for_timeout(seconds * 1000))


def test_a_whole_demo_repair_by_keyboard_leaves_another_tabs_world_alone(chromium, served, tmp_path):
    first, second = Tab(chromium, served), Tab(chromium, served)
    try:
        first.wait_for("1/7 Welcome")
        second.wait_for("1/7 Welcome")
        walk_a_repair(first)
        first.wait_for("erp-app-full-2019-fast")  # the summary names the new image
        first.screenshot(tmp_path / "summary.png")
        # The report is the tab's own file on the server: exporting it downloads it to the browser.
        first.focus()
        with first.page.expect_download(timeout=60_000) as download:
            first.page.keyboard.press("e")
        assert download.value.suggested_filename.startswith("ecs-wizard-report-")
        report = Path(download.value.path()).read_text()
        assert "**Status:** succeeded" in report and "erp-app-full-2019-fast" in report
        # The second tab, opened before the repair, scans its own demo world: the old images only.
        second.press("Enter", then="3 affected")
        scanned = second.frames.since()
        assert "6 full-ECS images scanned" in scanned
        assert "erp-app-full-2019-fast" not in scanned
        second.screenshot(tmp_path / "second-tab.png")
    finally:
        first.close()
        second.close()
