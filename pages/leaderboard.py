"""Leaderboard: the class's best run per learner for a challenge, live; the private ranking at the end."""

import streamlit as st

from mnist_dash.classroom import leaderboard
from mnist_dash.i18n import _
from mnist_dash.ui import app, challenge_view, leaderboard_view, resources, state

app.start_page()
st.title(_("Leaderboard"))
challenge = leaderboard_view.pick_challenge()
if challenge is None:
    st.info(_("No challenge yet. The instructor sets one on the instructor page; then it shows "
              "here, and every run you train for it joins the board."))
    st.stop()

room = resources.classroom()
challenge_view.challenge_header(challenge)
frame = room.standings(challenge.id)
leaderboard_view.watch(challenge, len(room.challenges.submissions(challenge.id)))
if frame.empty:
    st.info(_("No scored runs yet: train a network on the Train page and it joins the board."))
    st.stop()

revealed = "private" in frame.columns
if revealed:
    st.badge(_("Ended: ranked by the private score, which nobody saw before"),
             icon=":material/flag:", color="green")
clicked = leaderboard_view.draw_table(frame)
st.caption(_("Click a row to open that run on Evaluate."))
if clicked is not None:
    state.choose_run(clicked)
    st.switch_page(app.PAGES["evaluate"])

from mnist_dash import figures  # noqa: E402  (plotly after the table is on screen)

shown = leaderboard.shown(frame)
st.plotly_chart(figures.class_scatter_figure(shown["parameters"], shown["public"],
                                             shown["optimizer"], shown["name"]),
                key="leaderboard_scatter")
if revealed:
    st.markdown(_(leaderboard_view.SHAKE_UP))
    chosen = leaderboard_view.winners(frame)
    if chosen is not None:
        state.set_prefill(chosen)
        st.switch_page(app.PAGES["train"])
