"""The leaderboard on the page: the ranked table with translated headers, live while the challenge
runs, and after its end the private ranking, the shake-up and the winners' configs."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import streamlit as st

from mnist_dash import i18n, look
from mnist_dash.classroom import leaderboard
from mnist_dash.classroom.challenges import Challenge
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.progress import format_seconds
from mnist_dash.ui import block_width, resources, state

POLL_SECONDS = 2.0  # how often a running challenge's board looks for new submissions
WINNERS = 3  # how many top configs can be loaded into Train after the end
COLUMN_TITLES = {  # leaderboard columns drawn, in order, with their headers. After the end, Rank
    # also says how far each moved from the public ranking ("1 ▲ 2") and Private score holds the
    # public score ("89.78% (public 88.88%)"); epochs and training time are in Settings.
    "rank": N_("Rank"), "name": N_("Name"), "private": N_("Private score"),
    "public": N_("Public score"), "parameters": N_("Parameters"), "config": N_("Settings"),
}
# Column widths in the page's font (look.Look.page_font_px), so presenter mode widens them with its
# text: each column is as wide as its header (text_width) or its values, whichever is wider;
# Settings takes the rest of TABLE_PX, what fits beside the sidebar at 150% browser zoom on a
# 1280 px screen (about 475 px for the columns in presenter mode).
VALUE_WIDTHS_IN_FONTS = {"rank": 2.8, "name": 4.6, "private": 6.4, "public": 4.0, "parameters": 4.2}
TABLE_PX = 475
PADDING = 1.0  # a cell's left and right padding, in fonts
SELECTION_PX = 33  # the grid's row-selection column (checkboxes)
# Rows at least 4.4 fonts tall: taller than 4 rem, Streamlit wraps a cell's text. Taller still when
# the Settings column needs more lines for its longest text (Chinese, presenter mode).
ROW_HEIGHT_IN_FONTS = 4.4
LINE_IN_FONTS = 1.1  # one line of the table's text
SHAKE_UP = N_(
    "**Why the ranking changed.** While the challenge ran, every score came from the same public "
    "half of the test set, and every run that beat it was kept. Choosing settings by that score "
    "tunes them a little to those 5,000 images: part of a lead can be luck on them. The private "
    "half was never looked at, so its ranking is the honest one. Kaggle calls this the "
    "public/private shake-up; the cure is a validation set for choosing, and a test set used once.")


def pick_challenge() -> Challenge | None:
    """The challenge chosen in the select box (the active one, else the last ended), or None."""
    room = resources.classroom()
    shown = room.shown_challenge()
    if shown is None:
        return None
    challenges = sorted(room.challenges.all(), key=lambda c: c.created, reverse=True)
    by_id = {c.id: c for c in challenges}
    if len(by_id) == 1:
        return shown
    state.leaderboard_challenge(shown.id, list(by_id))
    chosen = st.selectbox(_("Challenge"), list(by_id), key=state.LEADERBOARD_CHALLENGE,
                          format_func=lambda i: _label(by_id[i]))
    return by_id[chosen]


def _label(challenge: Challenge) -> str:
    if challenge.has_ended():
        return _("{title} (ended)", title=challenge.title)
    return _("{title} (running)", title=challenge.title)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """What everyone sees of the standings: no owner ids, numbers in the reader's language."""
    visible = leaderboard.shown(frame)
    drawn = pd.DataFrame({column: visible[column] for column in COLUMN_TITLES
                          if column in visible.columns})
    if "private" in drawn:  # ended: the rank and its change, both scores, in one column each
        drawn["rank"] = [f"{rank} {_moved(int(change))}"
                         for rank, change in zip(visible["rank"], visible["rank_change"], strict=True)]
        drawn["private"] = [_("{private} (public {public})", private=i18n.percent(private, 2),
                              public=i18n.percent(public, 2))
                            for private, public in zip(visible["private"], visible["public"], strict=True)]
        drawn = drawn.drop(columns="public")
    else:
        drawn["public"] = [i18n.percent(score, 2) for score in drawn["public"]]
    drawn["parameters"] = [i18n.number(count) for count in drawn["parameters"]]
    drawn["config"] = [_settings(config, int(epochs), seconds) for config, epochs, seconds
                       in zip(visible["config"], visible["epochs"], visible["seconds"], strict=True)]
    return drawn.rename(columns={column: _(title) for column, title in COLUMN_TITLES.items()})


def _settings(config: str, epochs: int, seconds: float) -> str:
    """"784-48-10 relu, sgd lr=0.1, batch 32; 1 epoch, 3.8 s": how the run was trained, and how long."""
    return ngettext("{settings}; {n} epoch, {time}", "{settings}; {n} epochs, {time}", epochs,
                    settings=config, time=format_seconds(seconds))


def _moved(change: int) -> str:
    """▲ 2 for two places up, ▼ 1 for one down, = for none."""
    return f"▲ {change}" if change > 0 else f"▼ {-change}" if change < 0 else "="


def text_width(text: str) -> float:
    """About how many page fonts wide a line of the table's text (0.875 rem) is drawn: a Chinese
    character takes almost a whole font, a Latin letter or digit about a third."""
    return sum(0.9 if unicodedata.east_asian_width(char) in "WF" else 0.37 for char in text)


def column_widths(columns: list[str], font_px: int) -> dict[str, int]:
    """Pixels per drawn column (COLUMN_TITLES' keys) at a page font: Settings takes what is left."""
    widths = {column: round(max(VALUE_WIDTHS_IN_FONTS[column], PADDING + text_width(_(title)))
                            * font_px) for column, title in COLUMN_TITLES.items()
              if column in columns and column != "config"}
    return {**widths, "config": TABLE_PX - sum(widths.values())}


def row_height(settings: list[str], settings_px: int, font_px: int) -> int:
    """Pixels per row: room for the longest Settings text, wrapped in its column."""
    room = 0.9 * (settings_px / font_px - PADDING)  # 10% to spare: the widths are estimates
    lines = max((wrapped_lines(text, room) for text in settings), default=1)
    return round(max(ROW_HEIGHT_IN_FONTS, PADDING + lines * LINE_IN_FONTS) * font_px)


def wrapped_lines(text: str, room: float) -> int:
    """How many lines `text` takes in `room` fonts, wrapped as the table does: at spaces, and a
    word wider than the room wherever it reaches the edge ("lr=0.03，批量大小" has no space)."""
    lines, used = 1, 0.0
    for word in re.findall(r"\S+\s*", text):
        width = text_width(word.rstrip())
        if used and used + width > room:
            lines, used = lines + 1, 0.0
        if width > room:
            lines, used = lines + int(width // room), width % room
        else:
            used += text_width(word)
    return lines


def drawn_settings_width(widths: dict[str, int], table_px: int | None) -> int:
    """How wide the grid draws Settings: a grid wider than its columns (a wide window) shares what is
    left over equally among them (Streamlit 1.67), past the row-selection column."""
    spare = (table_px or 0) - SELECTION_PX - sum(widths.values())
    return widths["config"] + max(0, spare) // len(widths)


def draw_table(frame: pd.DataFrame) -> str | None:
    """The table, its rows as tall as the Settings text needs at the width the browser gives it;
    the run id of a clicked row, or None."""
    drawn = table(frame)
    font = look.current().page_font_px
    columns = [column for column, title in COLUMN_TITLES.items() if _(title) in drawn.columns]
    widths = column_widths(columns, font)
    settings_px = drawn_settings_width(widths, block_width.block_width("leaderboard_width"))
    height = row_height(list(drawn[_(COLUMN_TITLES["config"])]), settings_px, font)
    event = st.dataframe(drawn, hide_index=True, on_select="rerun", selection_mode="single-row",
                         key=state.LEADERBOARD_TABLE, row_height=height,
                         column_config={_(COLUMN_TITLES[column]): st.column_config.Column(width=width)
                                        for column, width in widths.items()})
    rows = event.selection.rows
    return str(frame["run_id"].iloc[rows[0]]) if rows else None


def winners(frame: pd.DataFrame) -> TrainConfig | None:
    """A "Load into Train" button per top config; the config whose button was pressed, or None."""
    st.markdown(_("**Try the winners' settings yourself**"))
    columns = st.columns(WINNERS)
    for column, (_index, row) in zip(columns, frame.head(WINNERS).iterrows(), strict=False):
        column.caption(_("{rank}. {settings}", rank=row["rank"], settings=row["config"]))
        if column.button(_("Load into Train"), key=f"leaderboard_load_{row['rank']}",
                         icon=":material/input:"):
            return TrainConfig.from_dict(row["config_dict"])
    return None


def watch(challenge: Challenge, count: int) -> None:
    """While the challenge runs, rerun the page when a submission arrives or the challenge ends."""
    if challenge.has_ended():
        return

    @st.fragment(run_every=POLL_SECONDS)
    def poll() -> None:
        room = resources.classroom()
        current = room.challenges.get(challenge.id)
        if current.has_ended() or len(room.challenges.submissions(challenge.id)) != count:
            st.rerun()

    poll()
