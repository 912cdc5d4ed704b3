"""A challenge on the page: its title, instructions and rules, and the server's refusal of a config."""

from __future__ import annotations

import streamlit as st

from mnist_dash import i18n
from mnist_dash.classroom.challenges import Challenge
from mnist_dash.classroom.room import RulesBroken
from mnist_dash.i18n import _
from mnist_dash.jobs import JobRefused
from mnist_dash.ui import app


def challenge_header(challenge: Challenge, heading: bool = True) -> None:
    """The challenge as learners read it: title, instructions (markdown), rules as sentences."""
    if heading:
        st.subheader(_("Challenge: {title}", title=challenge.title), anchor=False)
    if challenge.instructions.strip():
        st.markdown(challenge.instructions)
    rules = [_(sentence) for sentence in challenge.rules.sentences()]
    rules.append(_("Dataset: {dataset}.", dataset=app.dataset_title(challenge.dataset)))
    st.markdown(_("**Rules:** {rules}", rules=i18n.join_sentences(rules)))
    if challenge.ends_at is not None and challenge.ended_at is None:
        st.caption(_("Ends at {time} (UTC).", time=challenge.ends_at.strftime("%H:%M")))


def show_refusal(error: JobRefused) -> None:
    """Why the server did not start the job: every broken rule, or the one reason."""
    if isinstance(error, RulesBroken):
        reasons = "\n".join(f"- {_(violation)}" for violation in error.violations)
        st.error(_("The server refused these settings; nothing was lost, change them and press "
                   "Train again:\n\n{reasons}", reasons=reasons), icon=":material/gavel:")
    else:
        st.warning(_(i18n.message_of(error)))
