"""Drive mnist-dash in a browser the way a person does: click, press keys, read what is shown.

Shared by the e2e tests, the benchmarks and scripts/screenshots.py (`from tests.e2e import drive`).
The state words come from mnist_dash.progress.STATE_WORDS, so tests never copy the app's wording.
Helpers that read or find words take `lang` (English by default): the app's own message in that
language is looked up in its catalog (mnist_dash.i18n), so a test in Chinese copies no Chinese either.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from mnist_dash import i18n
from mnist_dash.i18n import ENGLISH
from mnist_dash.progress import STATE_WORDS
from mnist_dash.vocabulary import JobState

ENDED = tuple(state for state in JobState if not state.active)
# mnist_dash.progress.progress_text's message, up to its batch count.
PROGRESS_MESSAGE = ("Epoch {epoch}/{epochs} · batch {batch}/{batches} · elapsed {elapsed} · ETA {eta} · "
                    "{speed}")
IMAGE_CAPTION = "[data-testid='stImageCaption']"
# The text of the first paragraph in the page's main area that matches a regex (its source).
PARAGRAPH_JS = """(source) => {
    const pattern = new RegExp(source);
    const texts = [...document.querySelectorAll("[data-testid='stMain'] p")].map(p => p.innerText);
    return texts.find(text => pattern.test(text)) ?? null;
}"""
# True once the live panel's progress text (PROGRESS, passed in) shows a batch: 'batch 0/S' is
# shown only before the first step ends (mnist_dash.progress.epoch_and_batch).
FIRST_BATCH_JS = """(source) => {
    const bar = document.querySelector("[data-testid='stMain'] [data-testid='stProgress']");
    const match = bar && bar.innerText.match(new RegExp(source));
    return Boolean(match) && Number(match[3]) > 0;
}"""


def words(message: str, lang: str = ENGLISH, **params: object) -> str:
    """The app's `message` as drawn in `lang`, from its catalog (markdown's ** removed: not shown)."""
    with i18n.language(lang):
        return i18n._(message, **params).replace("**", "")


def message_pattern(message: str, lang: str = ENGLISH, groups: tuple[str, ...] = (),
                    up_to: str | None = None, **known: object) -> str:
    """A regex (valid in JavaScript too) for the app's `message` drawn in `lang`.

    Placeholders in `known` must show that value; those in `groups` are captured numbers;
    any other matches some text. `up_to` (a placeholder, e.g. "{batches}") ends the pattern there.
    """
    drawn = words(message, lang)
    if up_to is not None:
        drawn = drawn[: drawn.index(up_to) + len(up_to)]
    parts = re.split(r"\{(\w+)\}", drawn)
    pattern = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            pattern.append(re.escape(part))
        elif part in known:
            pattern.append(re.escape(str(known[part])))
        else:
            pattern.append(r"(\d+)" if part in groups else ".+?")
    return "".join(pattern)


def progress_pattern(lang: str = ENGLISH) -> re.Pattern[str]:
    """The start of the live panel's progress text in `lang`: epoch, epochs, batch, batches captured."""
    return re.compile(message_pattern(PROGRESS_MESSAGE, lang, groups=("epoch", "epochs", "batch", "batches"),
                                      up_to="{batches}"))


# The start of mnist_dash.progress.progress_text; tests/e2e/test_drive.py checks that they agree.
PROGRESS = progress_pattern()
# The Train form's summary (pages/train.py), drawn once the server has the sliders' values.
SUMMARY_MESSAGE = ("**{parameters}** parameters to learn · {images} training images ({held_out} held out) · "
                   "batch {batch} → **{steps}** updates per epoch, **{total}** in all.")


def status_pattern(*states: JobState, then: str = "", lang: str = ENGLISH) -> re.Pattern[str]:
    """The live panel's first line in one of `states`.

    That is "**Training** · 784-16-10 relu/softmax, ..." (a queued job's reads "**Waiting for a
    free worker**: you are number 2 in line"); `then` is a regex for what follows the ' · ' or ': '.
    The pattern is also valid JavaScript, for the waits that poll inside the browser.
    """
    names = "|".join(re.escape(words(STATE_WORDS[state], lang)) for state in states)
    return re.compile(rf"^({names})(?: · |: |：){then}")


STATUS_LINE = status_pattern(*JobState, then=r"\d")
_STATES_BY_WORDS = {words: state for state, words in STATE_WORDS.items()}


def state_of(line: str) -> JobState | None:
    """The state a live panel's first line names, or None for any other text."""
    match = status_pattern(*JobState).match(line)
    return _STATES_BY_WORDS[match.group(1)] if match else None


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


def unfold_form(page: Page, lang: str = ENGLISH) -> None:
    """Press "Change settings" when the Train form is folded (after a job), to show the form."""
    change = main(page).get_by_role("button", name=words("Change settings", lang), exact=True)
    if change.count() and change.is_enabled():
        change.click()


def configure_training(page: Page, *, units: int, epochs: int, train_images: int, batch: int,
                       lang: str = ENGLISH) -> None:
    """Set the one-layer network and its schedule with the keyboard; wait until the server agrees.

    After a job the form is folded: press "Change settings" first."""
    expect(main(page).get_by_role("heading", name=words("Train a network live", lang))).to_be_visible()
    unfold_form(page, lang)
    set_slider(page, "form_layers", "1")
    set_slider(page, "form_units_0", str(units))
    set_slider(page, "form_batch", str(batch))
    set_slider(page, "form_epochs", str(epochs))
    shown = f"{train_images:,}"
    set_slider(page, "form_train_size", words("all {n}", lang, n=shown) if train_images == 60_000 else shown)
    updates = math.ceil(train_images / batch) * epochs
    # The summary is drawn by the server: once it shows these numbers, the server has the values.
    with i18n.language(lang):
        summary = message_pattern(SUMMARY_MESSAGE, lang, images=i18n.number(train_images), batch=batch,
                                  total=i18n.number(updates))
    expect(main(page).get_by_text(re.compile(summary)).first).to_be_visible(timeout=30_000)


def click_train(page: Page, timeout_ms: float | None = None, lang: str = ENGLISH) -> None:
    """Press Train once it is enabled (`timeout_ms`: how long to wait for that; Playwright's default)."""
    button = main(page).get_by_role("button", name=words("Train", lang), exact=True)
    expect(button).to_be_enabled(timeout=timeout_ms)
    button.click(timeout=timeout_ms)


def click_stop(page: Page, timeout_ms: float = 10_000) -> bool:
    """Press Stop if the page shows it enabled; return whether it did."""
    stop = main(page).get_by_role("button", name="Stop")
    if not (stop.count() and stop.first.is_enabled()):
        return False
    stop.first.click(timeout=timeout_ms)
    return True


def status_line(page: Page, lang: str = ENGLISH) -> Locator:
    return main(page).locator("p").filter(has_text=status_pattern(*JobState, then=r"\d", lang=lang))


def _text(locator: Locator) -> str:
    """The first match's text, or '' when there is none (or it was replaced while being read)."""
    try:
        return locator.first.inner_text(timeout=1000) if locator.count() else ""
    except Exception:
        return ""


def status_text(page: Page, lang: str = ENGLISH) -> str:
    return _text(status_line(page, lang))


def shows_status(page: Page, *states: JobState) -> bool:
    """Whether the live panel's first line is now in one of `states`."""
    return bool(status_pattern(*states).match(status_text(page)))


def progress_text(page: Page) -> str:
    """The live panel's progress text, or '' while there is none."""
    return _text(main(page).get_by_test_id("stProgress"))


def progress_steps(text: str, lang: str = ENGLISH) -> int | None:
    """Batches done in all, read from 'Epoch e/E · batch b/S' (e counts from 1)."""
    match = progress_pattern(lang).search(text)
    if not match:
        return None
    epoch, _, batch, steps = (int(group) for group in match.groups())
    return (epoch - 1) * steps + batch


def wait_for_paragraph(page: Page, pattern: re.Pattern[str], timeout_ms: float,
                       polling: str | float = "raf") -> str:
    """Wait until a paragraph of the main area matches `pattern` (e.g. a status_pattern); return its text.

    The browser polls (at every frame by default), so no round trip to Python delays the answer:
    for benchmarks that time what a learner sees.
    """
    handle = page.wait_for_function(PARAGRAPH_JS, arg=pattern.pattern, polling=polling, timeout=timeout_ms)
    return handle.json_value()


def wait_for_first_batch(page: Page, timeout_ms: float, lang: str = ENGLISH) -> None:
    """Wait, polling in the browser at every frame, until the progress text reports a batch done."""
    page.wait_for_function(FIRST_BATCH_JS, arg=progress_pattern(lang).pattern, polling="raf",
                           timeout=timeout_ms)


def expect_not_blank(page: Page) -> None:
    """Fail if Streamlit's frontend has crashed: the whole app unmounted, leaving a blank page.

    Seen with Streamlit 1.67 when a training job ended ("'setIn' cannot be called on an
    ElementNode"); a learner would have to reload, so the test fails rather than reload.
    """
    if not page.locator("[data-testid='stApp']").count():
        raise AssertionError("the Streamlit frontend crashed and left a blank page (seen with Streamlit "
                             "1.67 when a job ends)")


def wait_for_status(page: Page, *states: JobState, then: str = "", timeout: float = 120.0,
                    lang: str = ENGLISH) -> str:
    """Wait until the live panel's first line is in one of `states` (followed by `then`); return it."""
    pattern = status_pattern(*states, then=then, lang=lang)
    deadline = time.monotonic() + timeout
    while True:
        expect_not_blank(page)
        text = status_text(page, lang)
        if pattern.match(text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"the live panel never matched {pattern.pattern!r} within {timeout:g} s; "
                                 f"last status {text!r}")
        time.sleep(0.25)


def _outcome_parts(page: Page, state: JobState, lang: str = ENGLISH) -> list[Locator]:
    """What the page shows below an ended job: its test metric, and why it stopped."""
    parts = [main(page).get_by_test_id("stMetricLabel").filter(has_text=words("Test accuracy", lang))]
    if state == JobState.STOPPED:
        parts.append(main(page).get_by_text(words("Stopped on request.", lang)))
    return parts


def expect_finished(page: Page, timeout: float = 120.0, state: JobState = JobState.COMPLETED,
                    lang: str = ENGLISH) -> str:
    """Wait for the ended job and what is drawn below it; return the panel's status line."""
    text = wait_for_status(page, state, timeout=timeout, lang=lang)
    for part in _outcome_parts(page, state, lang):
        try:
            expect(part).to_be_visible(timeout=10_000)
        except AssertionError as error:
            # Seen with Streamlit 1.67: the panel says Finished/Stopped but the first element drawn
            # below it never shows until the learner reloads.
            raise AssertionError(f"the live panel says {text!r} but what belongs below it is missing "
                                 f"({part}); a learner would have to reload") from error
    return text


def metric_value(page: Page, label: str) -> str:
    metric = main(page).get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").filter(has_text=label))
    return metric.first.get_by_test_id("stMetricValue").inner_text()


def chart_last_step(page: Page, container_class: str) -> float:
    """The last x (optimizer step) of the first trace (per-batch values) of a keyed chart: the
    canvas a live chart is drawn on (key + "_canvas"), or a plotly chart once the job has ended.

    The step, not the number of points: the app thins long series, so the count can shrink.
    Returns -1 while there is no chart or no point yet.
    """
    return page.evaluate(
        """(cls) => {
            const canvas = document.querySelector(`.${cls}_canvas canvas`);
            if (canvas && canvas.dataset.xMax !== undefined) return Number(canvas.dataset.xMax);
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


def choose(page: Page, label: str, option_text: str, attempts: int = 3) -> None:
    """Pick an option by typing it. A rerun (another fragment's tick) may close the list between
    typing and clicking: then type again."""
    for attempt in range(1, attempts + 1):
        try:
            _search(page, label, option_text).first.click(timeout=10_000)
            break
        except (AssertionError, PlaywrightTimeout):
            if attempt == attempts:
                raise
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
    page.mouse.click(*confusion_cell_point(page, true, predicted))


def confusion_cell_point(page: Page, true: int, predicted: int) -> tuple[float, float]:
    """Where in the window the middle of a confusion cell is (scrolled into view), checked against
    the cell's own marker: for a click, or to time only the click itself (benchmarks)."""
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
    return x, y


def outlined_cell(page: Page) -> tuple[int, int] | None:
    """The (true, predicted) cell the matrix outlines, read from the drawn figure; None if none."""
    shapes = confusion_chart(page).evaluate("el => (el.layout.shapes || []).map(s => [s.y0, s.x0])")
    drawn = confusion_chart(page).locator(".shapelayer path").count()
    if not shapes or not drawn:
        return None
    (y0, x0), = shapes
    return round(y0 + 0.5), round(x0 + 0.5)


def show_whole_gallery(page: Page, total: int) -> None:
    """Click "Show N more" under the chosen cell's gallery until all `total` images are there."""
    def shown() -> int:
        return len(cell_gallery_captions(page) or [])

    while (before := shown()) < total:
        main(page).get_by_role("button", name=re.compile(r"^Show \d+ more$")).first.click()
        wait_until(lambda: shown() > before, message=f"more than {before} images after 'Show more'")


def in_viewport(page: Page, locator: Locator) -> bool:
    """Whether the element's box lies (at least its top 40 px) inside the window, unscrolled."""
    box, size = locator.bounding_box(), page.viewport_size
    return bool(box and size and box["y"] >= 0 and box["y"] + 40 <= size["height"]
                and box["x"] >= 0 and box["x"] + box["width"] <= size["width"])


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


# A "7" on Try it's canvas: a bar and a long diagonal, as fractions of the canvas's side.
SEVEN = ((0.3, 0.25), (0.7, 0.25), (0.45, 0.8))


def draw_on_canvas(page: Page, stroke: tuple[tuple[float, float], ...] = SEVEN, steps: int = 12) -> None:
    """Draw one stroke through `stroke`'s points on Try it's canvas, with the mouse button down."""
    canvas = page.locator("canvas").last
    canvas.scroll_into_view_if_needed()  # below a short window's fold (presenter mode at 150% zoom)
    box = canvas.bounding_box()
    assert box and box["width"] > 100, f"no drawing canvas on the page: {box}"

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x * box["width"], box["y"] + y * box["height"]

    page.mouse.move(*at(*stroke[0]))
    page.mouse.down()
    for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
        for step in range(1, steps + 1):
            page.mouse.move(*at(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps))
    page.mouse.up()
