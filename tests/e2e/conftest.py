"""Browser-test fixtures: one app server per session, one browser context per page, artifacts on failure."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.server import (
    DEFAULT_DATA,
    REPO_ROOT,
    VIEWPORT,
    Server,
    browser_missing,
    chromium,
    streamlit_server,
)

playwright_api = pytest.importorskip("playwright.sync_api")

from tests.e2e import drive  # noqa: E402  (after the skip: it needs Playwright)

ARTIFACTS = REPO_ROOT / "artifacts"
# A job nobody watches stops after this long, so a failed test cannot block the next one's job.
UNWATCHED_SECONDS = "30"


def _unavailable(reason: str) -> None:
    """Skip on a laptop without the browser or the data; fail in CI, where both must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _failed(item: pytest.Item) -> bool:
    return any(getattr(item, f"report_{when}", None) is not None and getattr(item, f"report_{when}").failed
               for when in ("setup", "call"))


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    data = os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA)
    if not Path(data).exists():
        _unavailable(f"the MNIST file {data} does not exist: set MNIST_DASH_DATA")
    with streamlit_server(data, extra_env={"MNIST_DASH_UNWATCHED_SECONDS": UNWATCHED_SECONDS}) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if reason := browser_missing():
        _unavailable(reason)
    with chromium() as running:
        yield running


def _watch(page, events: list[str]) -> None:
    """Note what the page's own text will not show: browser errors, crashes, lost connections."""
    page.on("console", lambda message: message.type == "error" and events.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: events.append(f"page error: {error}"))
    page.on("crash", lambda _: events.append("the page crashed"))
    page.on("websocket", lambda socket: socket.on(
        "close", lambda _: events.append(f"websocket closed: {socket.url}")))


def _save_artifacts(name: str, pages: list, events: dict, server: Server) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    for number, page in enumerate(pages):
        prefix = ARTIFACTS / f"{stem}-{number}"
        log = "\n".join(events[number]) or "(none)"
        try:
            # Streamlit scrolls inside its own container: grow the window to show the whole page.
            height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
                "[data-testid='stMain'], [data-testid='stAppViewContainer'], body")]
                .map(e => e.scrollHeight))""")
            page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, 600), 8000)})
            page.wait_for_timeout(500)
            page.screenshot(path=f"{prefix}.png", full_page=True)
            text = page.locator("body").inner_text(timeout=5000)
        except Exception as error:  # a crashed page must not hide the test's own failure
            text = f"could not capture the page: {error}"
        prefix.with_suffix(".txt").write_text(f"URL: {page.url}\n\nBrowser events:\n{log}\n\nText:\n{text}")
    (ARTIFACTS / f"{stem}-server.log").write_text(server.log_tail(20_000))


def _stop_own_job(page) -> None:
    """Leave no job running for the next test (best effort; the server also stops unwatched jobs)."""
    with contextlib.suppress(Exception):
        drive.click_stop(page, timeout_ms=2000)


@pytest.fixture
def open_page(request: pytest.FixtureRequest, browser, server: Server) -> Iterator[Callable]:
    """Make pages, each in its own browser context (its own Streamlit session, like its own learner);
    `make(**options)` passes Playwright context options (e.g. server.projector_screen(1.5))."""
    playwright_api.expect.set_options(timeout=15_000)
    contexts, pages, events = [], [], {}

    def make(**options):
        context = browser.new_context(**{"viewport": VIEWPORT, **options})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        events[len(pages)] = []
        _watch(page, events[len(pages)])
        pages.append(page)
        return page

    yield make
    if _failed(request.node):
        _save_artifacts(request.node.name, pages, events, server)
    for page in pages:
        _stop_own_job(page)
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable):
    return open_page()
