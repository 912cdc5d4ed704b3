"""The leaderboard on the page: the ranked table with translated headers, live while the challenge
runs, and after its end the private ranking, the shake-up and the winners' configs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mnist_dash import i18n, look
from mnist_dash.classroom import leaderboard
from mnist_dash.classroom.challenges import Challenge
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.progress import format_seconds
from mnist_dash.ui import resources, state

POLL_SECONDS = 2.0  # how often a running challenge's board looks for new submissions
WINNERS = 3  # how many top configs can be loaded into Train after the end
COLUMN_TITLES = {  # leaderboard columns drawn, in order, with their headers (the public rank is
    # not one: Change says how far each moved from it; epochs and training time are in Settings)
    "rank": N_("Rank"), "rank_change": N_("Change"), "name": N_("Name"),
    "private": N_("Private score"), "public": N_("Public score"),
    "parameters": N_("Parameters"), "config": N_("Settings"),
}
# Pixels per column: a running challenge's columns (all but Change and Private score) fit beside
# the sidebar at 150% browser zoom on a 1280 px screen (about 520 px), an ended one's at 1280 px.
COLUMN_WIDTHS = {"rank": 45, "rank_change": 60, "name": 90, "private": 90, "public": 90,
                 "parameters": 80, "config": 175}
# Rows taller than 4 rem, in which Streamlit wraps a cell's text, so settings and names show whole:
# 70 px at the everyday 16 px font, 88 px in presenter mode.
ROW_HEIGHT_IN_FONTS = 4.4
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
    for column in ("private", "public"):
        if column in drawn:
            drawn[column] = [i18n.percent(score, 2) for score in drawn[column]]
    if "rank_change" in drawn:
        drawn["rank_change"] = [_moved(int(change)) for change in drawn["rank_change"]]
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


def draw_table(frame: pd.DataFrame) -> str | None:
    """The table; the run id of a clicked row, or None."""
    drawn = table(frame)
    widths = {_(title): st.column_config.Column(width=COLUMN_WIDTHS[column])
              for column, title in COLUMN_TITLES.items()}
    event = st.dataframe(drawn, hide_index=True, on_select="rerun", selection_mode="single-row",
                         key=state.LEADERBOARD_TABLE,
                         row_height=round(ROW_HEIGHT_IN_FONTS * look.current().page_font_px),
                         column_config={title: widths[title] for title in drawn.columns})
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
