"""Drive the classroom in a browser: the instructor page, its challenge form, the leaderboard, names.

Widgets are found by their key (Streamlit puts `st-key-<key>` in the element's class). Tables
(st.dataframe grids drawn on a canvas, or the class table's plain st.table) have no such class:
they are found by a column header; a grid's cells are read from its accessible copy inside the
canvas (only the rows it has drawn).
Shared by the classroom e2e test and benchmarks/instructor_bench.py.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import Locator, Page, expect

from tests.e2e import drive

CLASS_HEADING = "Instructor: the class"
RUNNING_CHALLENGE = "Running now:"
CHALLENGES, LIVE_CLASS, CONTROLS = "Challenges", "The class, live", "Class controls and data"  # sections
REVEALED = "Ended: ranked by the private score"
CLASS_TABLE = "Learner"  # a column header of the instructor's class table
LEADERBOARD = "Name"  # ... of the leaderboard


def widget(page: Page, key: str) -> Locator:
    return page.locator(f".st-key-{key}")


def open_instructor(page: Page, url: str, token: str) -> None:
    """The instructor page unlocked with ?token= (the app takes it out of the address bar)."""
    page.goto(f"{url}/instructor?token={quote(token, safe='')}")
    expect(drive.main(page).get_by_role("heading", name=CLASS_HEADING)).to_be_visible(timeout=30_000)


def _choose(page: Page, key: str, option: str) -> None:
    field = widget(page, key).locator("input")
    field.click()
    field.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(field).to_have_value(option)


def section(page: Page, name: str) -> None:
    """Switch the instructor page to a section, by its label ("Challenges", "The class, live", ...)."""
    drive.main(page).get_by_test_id("stButtonGroup").get_by_role("radio", name=name, exact=True).click()
    expect(drive.main(page).get_by_test_id("stButtonGroup").get_by_role(
        "radio", name=name, exact=True)).to_have_attribute("aria-checked", "true")


def create_challenge(page: Page, title: str, fixed: dict[str, str], at_most: dict[str, int]) -> None:
    """Fill the instructor's form: `fixed` maps a field to its option as shown (optimizer -> SGD)."""
    section(page, CHALLENGES)
    widget(page, "challenge_title").locator("input").fill(title)
    for field, option in fixed.items():
        _choose(page, f"challenge_fix_{field}", option)
    for bound, limit in at_most.items():
        box = widget(page, f"challenge_max_{bound}").locator("input")
        box.fill(str(limit))
        box.press("Tab")
    widget(page, "challenge_create").locator("button").click()
    expect(drive.main(page).get_by_text(RUNNING_CHALLENGE)).to_be_visible(timeout=15_000)


def end_challenge(page: Page) -> None:
    section(page, CHALLENGES)
    widget(page, "challenge_end").locator("button").click()
    expect(widget(page, "challenge_end")).to_have_count(0, timeout=15_000)


HEADERS = "th[role='columnheader'], thead th"  # a grid's headers, or an st.table's
CELLS = "td[role='gridcell'], tbody td"


def grid(page: Page, header: str) -> Locator:
    """The st.dataframe (or st.table) that has a column headed `header`."""
    main = drive.main(page)
    tables = main.get_by_test_id("stDataFrame").or_(main.get_by_test_id("stTable"))
    return tables.filter(has=page.locator(HEADERS, has_text=re.compile(f"^{re.escape(header)}$")))


def grid_cells(page: Page, header: str) -> list[str]:
    """The texts of the drawn cells of the table with that column (headers excluded)."""
    cells = grid(page, header).locator(CELLS)
    return [text.strip() for text in cells.all_text_contents()]


def grid_headers(page: Page, header: str) -> list[str]:
    headers = grid(page, header).locator(HEADERS)
    return [text.strip() for text in headers.all_text_contents()]


def display_name(page: Page) -> str:
    """The learner's display name, shown in bold under 'Your name in this class' in the sidebar."""
    caption = drive.sidebar(page).get_by_text("Your name in this class")
    expect(caption).to_be_visible()
    name = drive.sidebar(page).get_by_test_id("stMarkdown").locator("strong").first
    expect(name).not_to_be_empty()
    return name.inner_text().strip()


def learner_id(page: Page) -> str:
    """The learner's own id, from the `learner` query parameter the app keeps in the address bar."""
    def from_url() -> str:
        return parse_qs(urlparse(page.url).query).get("learner", [""])[0]

    return drive.wait_until(from_url, message="the learner id in the address bar")


def wait_for_names(page: Page, header: str, names: list[str], timeout: float) -> None:
    """Wait until every name shows in the cells of the table with that column."""
    drive.wait_until(lambda: all(name in grid_cells(page, header) for name in names), timeout=timeout,
                     interval=0.1, message=f"{names} in the table with the column {header!r}")


def page_html_has(page: Page, secret: str) -> bool:
    """Whether the page's whole HTML (its DOM, address included) contains `secret`."""
    return secret in page.content() or secret in page.url

