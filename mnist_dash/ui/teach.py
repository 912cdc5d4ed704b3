"""Explanations and diagnosis on the page: collapsible, never in the way."""

from __future__ import annotations

import streamlit as st

from mnist_dash import diagnose, explain, i18n
from mnist_dash.classroom.rules import Rules
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import _
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.ui import state, train_form
from mnist_dash.ui.rules_form import NO_RULES


def explanations(items: list[explain.Explanation]) -> None:
    for item in items:
        with st.expander(_(item.title)):
            st.markdown(_(item.text))
            for formula in item.formulas:
                st.latex(formula)


def apply_prefill(rules: Rules = NO_RULES) -> bool:
    """Load a suggested config into the Train form, inside the rules, and unfold the form (call
    before it is drawn); return whether a suggestion was loaded."""
    pending = state.pop_prefill()
    if not pending:
        return False
    try:
        config = TrainConfig.from_dict(pending)
    except (TypeError, ValueError) as error:
        st.error(_("The suggested settings were not valid and were ignored: {problem}",
                   problem=_(i18n.message_of(error))))
        state.forget_advice_changes()
        return False
    train_form.fill_form(config, rules)
    state.set_form_preset(train_form.CUSTOM)
    state.open_form()
    return True


def findings(config: TrainConfig, progress: ProgressSnapshot, job_state: str, key: str) -> None:
    """What the curves say so far, each with one experiment that pre-fills the form."""
    results = diagnose.diagnose(config, list(progress.epochs), list(progress.batch_loss), job_state)
    st.markdown(_("**What the curves say**"))
    for index, finding in enumerate(results):
        box = st.success if finding.kind == "healthy" else st.warning
        box(_("**{finding}.** {explanation} {suggestion}", finding=_(finding.title),
              explanation=_(finding.explanation), suggestion=_(finding.suggestion)))
        suggested = finding.suggested_config(config)
        if suggested is not None and st.button(
            _("Try this next"), key=f"{key}_try_{index}", icon=":material/science:",
            help=_("Fills the Train form with this change; press Train to run it."),
        ):
            state.set_prefill(suggested)
            state.set_advice_changes(config.differences(suggested))
            st.rerun()  # the whole page, also from inside the live panel's fragment
