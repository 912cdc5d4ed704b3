"""Drive mnist-dash in a browser the way a person does: click, press keys, read what is shown."""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

# The live panel's first line: "**Training** · 784-16-10 relu/softmax, ...".
STOPPING = "Stopping: measuring test accuracy and saving"
STATUS_LINE = re.compile(rf"^(Waiting for a free worker|Training|{STOPPING}|Finished|Stopped"
                         r"|Failed|Diverged) · \d")
PROGRESS = re.compile(r"Epoch (\d+)/(\d+) · batch (\d+)/(\d+)")
IMAGE_CAPTION = "[data-testid='stImageCaption']"


class AppGlitch(UserWarning):
    """The app misbehaved in a way a learner can get past (by reloading); the test did the same."""


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.2,
               message: str = "condition") -> Any:
    """Poll `condition` until it returns something truthy; fail with `message` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}; last value {value!r}")
        time.sleep(interval)


def go_to(page: Page, title: str) -> None:
    """Switch page with the sidebar link, in the same session (a reload would start a new one)."""
    page.get_by_test_id("stSidebarNavLink").filter(has_text=title).click()


def open_app(page: Page, url: str, path: str = "") -> None:
    page.goto(f"{url}/{path}")
    expect(page.locator("[data-testid='stApp']")).to_be_visible()


def set_slider(page: Page, key: str, shown: str, max_presses: int = 120) -> None:
    """Focus a slider's thumb, press Home, then ArrowRight until it shows `shown`."""
    thumb = page.locator(f".st-key-{key} input[type='range']")
    thumb.focus()
    thumb.press("Home")
    for _ in range(max_presses):
        if thumb.get_attribute("aria-valuetext") == shown:
            break
        thumb.press("ArrowRight")
    expect(thumb).to_have_attribute("aria-valuetext", shown)


def configure_training(page: Page, *, units: int, epochs: int, train_images: int, batch: int) -> None:
    """Set the one-layer network and its schedule with the keyboard; wait until the server agrees."""
    expect(main(page).get_by_role("heading", name="Train a network live")).to_be_visible()
    set_slider(page, "form_layers", "1")
    set_slider(page, "form_units_0", str(units))
    set_slider(page, "form_batch", str(batch))
    set_slider(page, "form_epochs", str(epochs))
    set_slider(page, "form_train_size", "all 60,000" if train_images == 60_000 else f"{train_images:,}")
    updates = math.ceil(train_images / batch) * epochs
    # The summary is drawn by the server: once it shows these numbers, the server has the values.
    summary = main(page).get_by_text("parameters to learn")
    expect(summary).to_contain_text(f"{train_images:,} training images", timeout=30_000)
    expect(summary).to_contain_text(f"batch {batch} →")
    expect(summary).to_contain_text(f"{updates:,} in all")


def click_train(page: Page) -> None:
    button = main(page).get_by_role("button", name="Train", exact=True)
    expect(button).to_be_enabled()
    button.click()


def status_line(page: Page) -> Locator:
    return main(page).locator("p").filter(has_text=STATUS_LINE)


def _text(locator: Locator) -> str:
    """The first match's text, or '' when there is none (or it was replaced while being read)."""
    try:
        return locator.first.inner_text(timeout=1000) if locator.count() else ""
    except Exception:
        return ""


def status_text(page: Page) -> str:
    return _text(status_line(page))


def progress_text(page: Page) -> str:
    """The live panel's progress text, or '' while there is none."""
    return _text(main(page).get_by_test_id("stProgress"))


def progress_steps(text: str) -> int | None:
    """Batches done in all, read from 'Epoch e/E · batch b/S' (e counts from 1)."""
    match = PROGRESS.search(text)
    if not match:
        return None
    epoch, _, batch, steps = (int(group) for group in match.groups())
    return (epoch - 1) * steps + batch


def recover_if_blank(page: Page) -> bool:
    """Reload a page whose Streamlit frontend crashed (it goes blank); the URL keeps the learner.

    Streamlit 1.67 sometimes throws "'setIn' cannot be called on an ElementNode" when a
    training job ends and unmounts the whole app; a learner would press F5, so the test does.
    """
    if page.locator("[data-testid='stApp']").count():
        return False
    warnings.warn(AppGlitch("the Streamlit frontend crashed and left a blank page; reloaded it"),
                  stacklevel=2)
    page.reload()
    expect(page.locator("[data-testid='stApp']")).to_be_visible()
    return True


def wait_for_status(page: Page, pattern: str, timeout: float = 120.0) -> str:
    """Wait until the live panel's first line matches `pattern`, reloading a crashed page."""
    deadline = time.monotonic() + timeout
    while True:
        recover_if_blank(page)
        text = status_text(page)
        if re.match(pattern, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"the live panel never matched {pattern!r} within {timeout:g} s; "
                                 f"last status {text!r}")
        time.sleep(0.25)


def _outcome_parts(page: Page, state: str) -> list[Locator]:
    """What the page shows below an ended job: its test metric, and why it stopped."""
    parts = [main(page).get_by_test_id("stMetricLabel").filter(has_text="Test accuracy")]
    if state == "Stopped":
        parts.append(main(page).get_by_text("Stopped on request."))
    return parts


def expect_finished(page: Page, timeout: float = 120.0, state: str = "Finished") -> str:
    """Wait for the ended job and what is drawn below it; return the panel's status line."""
    text = wait_for_status(page, rf"^{state} · ", timeout)
    try:
        for part in _outcome_parts(page, state):
            expect(part).to_be_visible(timeout=10_000)
    except AssertionError:
        # Seen with Streamlit 1.67: the panel says Finished/Stopped but the first element
        # drawn below it (the metrics, or the 'Stopped on request.' note) never shows.
        warnings.warn(AppGlitch(f"'{state}' shown without all of its outcome (metrics, note); "
                                "reloaded"), stacklevel=2)
        page.reload()
        text = wait_for_status(page, rf"^{state} · ", 30)
        for part in _outcome_parts(page, state):
            expect(part).to_be_visible()
    return text


def metric_value(page: Page, label: str) -> str:
    metric = main(page).get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").filter(has_text=label))
    return metric.first.get_by_test_id("stMetricValue").inner_text()


def chart_last_step(page: Page, container_class: str) -> float:
    """The last x (optimizer step) of the first trace (per-batch values) of a keyed plotly chart.

    The step, not the number of points: the app thins long series, so the count can shrink.
    Returns -1 while there is no chart or no point yet.
    """
    return page.evaluate(
        """(cls) => {
            // During a rerun Streamlit may keep a stale copy of the chart beside the new one.
            const el = document.querySelector(`.${cls}:not([data-stale='true']) .js-plotly-plot`)
                || document.querySelector(`.${cls} .js-plotly-plot`);
            const trace = el && el._fullData && el._fullData[0];
            if (!trace || !trace._length) return -1;
            return Number(trace.x[trace._length - 1]);
        }""",
        container_class,
    )


def captions(images: Locator) -> list[str]:
    return [text.strip() for text in images.locator(IMAGE_CAPTION).all_inner_texts()]


def selectbox(page: Page, label: str) -> Locator:
    return main(page).get_by_test_id("stSelectbox").filter(has=page.get_by_label(label, exact=True))


def _search(page: Page, label: str, text: str) -> Locator:
    """Type into a selectbox, as a person looks for an option; its list may be virtualised."""
    field = selectbox(page, label).locator("input")
    field.click()
    field.fill(text)
    options = page.get_by_role("option").filter(has_text=text)
    expect(options.first).to_be_visible()
    return options


def selectbox_options(page: Page, label: str, text: str) -> list[str]:
    """The options that contain `text`, leaving the selection as it was."""
    found = [option.strip() for option in _search(page, label, text).all_inner_texts()]
    page.keyboard.press("Escape")
    return found


def choose(page: Page, label: str, option_text: str) -> None:
    _search(page, label, option_text).first.click()
    expect(selectbox(page, label).locator("input")).to_have_value(re.compile(re.escape(option_text)))


def confusion_chart(page: Page) -> Locator:
    return main(page).locator("[class*='st-key-confusion_'] .js-plotly-plot")


def confusion_cells(page: Page) -> dict[tuple[int, int], int]:
    """{(true, predicted): count}, read from the click overlay's customdata [true, predicted, count]."""
    chart = confusion_chart(page)
    expect(chart).to_be_visible()
    rows = chart.evaluate("el => el.data[1].customdata")
    return {(int(true), int(predicted)): int(count) for true, predicted, count in rows}


def selected_cell(page: Page) -> tuple[int, int]:
    return (int(selectbox(page, "True class").locator("input").input_value()),
            int(selectbox(page, "Predicted class").locator("input").input_value()))


def click_confusion_cell(page: Page, true: int, predicted: int) -> None:
    """Click the middle of a cell, at the pixel plotly's own axes put it, as a mouse would.

    The cells are invisible square markers over the heatmap; plotly's drag layer lies on top
    and receives the click, so a click on the marker's DOM node would not count.
    """
    chart = confusion_chart(page)
    chart.scroll_into_view_if_needed()
    x, y = chart.evaluate("""(el, [row, column]) => {
        const layout = el._fullLayout, box = el.getBoundingClientRect();
        return [box.left + layout.xaxis._offset + layout.xaxis.d2p(column),
                box.top + layout.yaxis._offset + layout.yaxis.d2p(row)];
    }""", [true, predicted])
    # Cross-check the geometry against the cell's own marker (row-major: true * 10 + predicted).
    size = len(confusion_cells(page)) ** 0.5
    marker = chart.locator(".scatterlayer g.points path").nth(int(true * size + predicted)).bounding_box()
    assert marker and abs(marker["x"] + marker["width"] / 2 - x) < 2, (marker, x)
    assert abs(marker["y"] + marker["height"] / 2 - y) < 2, (marker, y)
    page.mouse.click(x, y)


def cell_gallery_captions(page: Page) -> list[str] | None:
    """Captions of the first image list after the 'N test images are ...' sentence."""
    return page.evaluate("""() => {
        const main = document.querySelector("[data-testid='stMain']");
        const anchor = [...main.querySelectorAll('p')].find(p => p.innerText.includes('test images are'));
        if (!anchor) return null;
        const gallery = [...main.querySelectorAll("[data-testid='stImage']")].find(
            image => anchor.compareDocumentPosition(image) & Node.DOCUMENT_POSITION_FOLLOWING);
        return gallery ? [...gallery.querySelectorAll("[data-testid='stImageCaption']")]
            .map(caption => caption.innerText.trim()) : null;
    }""")
