"""Session state: every key the app reads or writes per browser session, and the only code that does.

Values stay small (ids, choices), never models or datasets. A widget whose value
the code reads or sets through session state has its key here; keys that only name an element
(buttons, charts) stay beside it. Widget keys are kept as they were: tests and the browser driver
find widgets by them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mnist_dash import i18n, look
from mnist_dash.classroom.names import NameRefused
from mnist_dash.config import TrainConfig
from mnist_dash.jobs import JobSnapshot
from mnist_dash.runs import RunRecord
from mnist_dash.ui import resources

# The learner, their job and dataset (every page).
OWNER = "owner_id"  # this browser session's identity for the job manager
LEARNER_PARAM = "learner"  # URL query parameter holding the owner id
_OWNER_PATTERN = re.compile(r"[0-9a-f]{32}")
JOB_ID = "job_id"  # the job whose settings the Train form holds (submitted or shown there)
DATASET = "dataset_name"  # the sidebar's choice: "mnist" or "fashion-mnist"
LANGUAGE = "language"  # the sidebar's language switch: a code of i18n.LANGUAGES
LANGUAGE_PARAM = "lang"  # URL query parameter holding the language, e.g. ?lang=zh-CN
PRESENTING = "presenting"  # the sidebar's presenter switch: larger text and lines for a room
PRESENT_PARAM = "present"  # URL query parameter: ?present=1 while the switch is on

# Choosing a run (Evaluate, Try it, Inside) and a confusion-matrix cell (Evaluate).
SELECTED_RUN = "selected_run"  # run id chosen in the run picker
COMPARE_RUN = "compare_run"  # second run id for comparison
CELL_TRUE, CELL_PRED = "cell_true", "cell_pred"  # the cell whose images the gallery shows
CHOSEN_CELL = "cell_chosen"  # the same cell, kept while the selectors are not drawn (another section)
LAST_CLICK = "cell_last_click"  # the last clicked cell: an old click must not override the selectors
INSTRUCTOR_SECTION = "instructor_section"  # a key of instructor_view.SECTIONS
EVALUATE_SECTION = "evaluate_section"  # the Evaluate section shown: a key of evaluate_view.SECTIONS
GALLERY_SIZES = "gallery_sizes"  # {gallery key: images shown}, grown by "Show more"

# The Train form.
PREFILL = "prefill_config"  # a config dict the Train form should load on its next run
FORM_PRESET = "form_preset"  # the tutorial the form started from, or "custom"
FORM_LAYERS = "form_layers"  # number of hidden layers
FORM_OPEN_FOR = "form_open_for"  # the job after which the learner unfolded the form (Change)
ADVICE_CHANGES = "advice_changes"  # [(field, before, after)] the last "Try this next" changed
FORM_KEYS = {  # TrainConfig field -> the key of the widget that holds it
    "activation": "form_activation", "output_activation": "form_output", "loss": "form_loss",
    "optimizer": "form_optimizer", "learning_rate": "form_lr", "momentum": "form_momentum",
    "batch_size": "form_batch", "epochs": "form_epochs", "dropout": "form_dropout",
    "validation_split": "form_validation", "preprocessing": "form_preprocessing",
    "initializer": "form_initializer", "init_stddev": "form_stddev", "seed": "form_seed",
    "shuffle": "form_shuffle", "train_size": "form_train_size",
    "augment": "form_augment", "augment_strength": "form_augment_strength",
    "weight_decay": "form_weight_decay", "schedule": "form_schedule", "warmup_epochs": "form_warmup",
    "early_stopping_patience": "form_patience",  # 0 in the widget: off (None in the config)
}

# Explore, Inside, Try it.
SHUFFLE_SEED = "explore_seed"  # bumped by Shuffle for a new random sample
AUGMENT_DRAW = "explore_augment_seed"  # bumped for new augmentation draws; absent: none asked for
INSIDE_UNIT = "inside_unit"  # the first-layer unit shown large
INSIDE_SECTION = "inside_section"  # the Inside section shown: a key of inside_view.SECTIONS
CANVAS_VERSION = "try_canvas_version"  # bumped to give the canvas a new key, which clears it
DRAWING_LABEL = "try_label"  # the class chosen for the current drawing
DRAWING_TO_REMOVE = "try_remove_choice"  # the id of the learner's own drawing chosen for removal
DRAWING_REFUSAL = "try_drawing_refusal"  # why the last add or removal was refused, shown once
TRY_COMPARE_RUN = "try_compare_run"  # the second run that reads the drawing moved to a corner

# The classroom: the learner's name, the instructor's broadcast, the challenge and its leaderboard.
NAME_INPUT = "display_name_input"  # the sidebar's text box for a new display name
NAME_REFUSAL = "display_name_refusal"  # why the last name change was refused, shown once
SEEN_BROADCAST = "broadcast_seen"  # the number of the last broadcast this session toasted
SHOWN_BROADCAST = "broadcast_shown"  # the broadcast number the page drew in its last run (None: none)
APPLIED_CHALLENGE = "challenge_applied"  # the challenge whose rules the Train form was last set to
LEADERBOARD_CHALLENGE = "leaderboard_challenge"  # the challenge id the leaderboard shows
LEADERBOARD_TABLE = "leaderboard_table"  # the leaderboard table's row selection

# The instructor page.
TOKEN_PARAM = "token"  # URL query parameter with the instructor's token: read once, then removed
INSTRUCTOR_TOKEN = "instructor_token"  # the password input for the token (emptied once read)
GIVEN_TOKEN = "instructor_token_given"  # the token this session gave, from the URL or the input
CLASS_PAUSE = "class_pause"  # the switch that pauses new training for everyone

Cell = tuple[int, int]  # (true class, predicted class)


def owner_id() -> str:
    """This learner's identity; kept in the URL too, so a reload finds the same job again."""
    if OWNER not in st.session_state:
        from_url = st.query_params.get(LEARNER_PARAM, "")
        st.session_state[OWNER] = from_url if _OWNER_PATTERN.fullmatch(from_url) else uuid.uuid4().hex
    if st.query_params.get(LEARNER_PARAM) != st.session_state[OWNER]:
        st.query_params[LEARNER_PARAM] = st.session_state[OWNER]
    return st.session_state[OWNER]


def language() -> str:
    """The language this session reads, also kept in the URL (?lang=), which an instructor can share.

    A valid ?lang= wins (it is also where the sidebar switch writes), then the session's choice,
    then the browser's language, then English. Call it at the top of every full run, before any
    text is drawn; translation reads the result from the session (see `_session_language`).
    """
    chosen = (_valid_language(st.query_params.get(LANGUAGE_PARAM))
              or _valid_language(st.session_state.get(LANGUAGE))
              or _valid_language(st.context.locale) or i18n.ENGLISH)
    st.session_state[LANGUAGE] = chosen
    if st.query_params.get(LANGUAGE_PARAM) != chosen:
        st.query_params[LANGUAGE_PARAM] = chosen
    return chosen


def keep_language_in_url() -> None:
    """The language switch's callback: the URL follows the switch, so the choice holds on reload."""
    st.query_params[LANGUAGE_PARAM] = st.session_state[LANGUAGE]


def _valid_language(tag: object) -> str | None:
    return i18n.normalize(tag) if isinstance(tag, str) else None


def presenting() -> bool:
    """Whether this session draws for a room (presenter mode), also kept in the URL (?present=1).

    A ?present= in the URL wins (1 on, anything else off), then the session's switch; a page
    switch drops the URL's parameters, so the session puts it back. Call it at the top of every
    full run, before any figure is built; figures read the result from the session (`_session_presenting`).
    """
    from_url = st.query_params.get(PRESENT_PARAM)
    on = from_url == "1" if from_url is not None else bool(st.session_state.get(PRESENTING))
    st.session_state[PRESENTING] = on
    keep_presenting_in_url()
    return on


def keep_presenting_in_url() -> None:
    """The presenter switch's callback too: ?present=1 while on, no parameter while off."""
    if st.session_state[PRESENTING]:
        if st.query_params.get(PRESENT_PARAM) != "1":
            st.query_params[PRESENT_PARAM] = "1"
    elif PRESENT_PARAM in st.query_params:
        del st.query_params[PRESENT_PARAM]


def _session_presenting() -> bool:
    """The presenter switch of the session whose script runs in this thread (off outside one)."""
    context = get_script_run_ctx(suppress_warning=True)
    if context is None:
        return False
    session = context.session_state
    return bool(session[PRESENTING]) if PRESENTING in session else False


look.set_presenting_lookup(_session_presenting)


def _session_language() -> str | None:
    """The language of the session whose script (a full run or a fragment run) runs in this thread;
    None outside a script run (job workers, the CLI), which then speak English."""
    context = get_script_run_ctx(suppress_warning=True)
    if context is None:
        return None
    session = context.session_state  # a SafeSessionState: it has no .get()
    return session[LANGUAGE] if LANGUAGE in session else None  # noqa: SIM401


i18n.set_language_lookup(_session_language)


def dataset_name() -> str:
    return st.session_state.get(DATASET, "mnist")


def set_job_id(job_id: str) -> None:
    """This session submitted the job: the Train form already holds its settings."""
    st.session_state[JOB_ID] = job_id


def form_to_follow(job_id: str) -> bool:
    """True the first time this session's Train form meets the job (fill it with its settings then)."""
    if st.session_state.get(JOB_ID) == job_id:
        return False
    st.session_state[JOB_ID] = job_id
    return True


def session_job() -> JobSnapshot | None:
    """The learner's newest job, whichever of their tabs started it; found by owner after a reload."""
    newest = resources.job_manager().jobs_of(owner_id())
    return newest[0] if newest else None


def session_records() -> list[RunRecord]:
    """This session's ended runs, held in memory (also the ones that failed to save)."""
    return resources.job_manager().records_of(owner_id())


def display_name() -> str:
    """The learner's display name (a generated one on the first visit)."""
    return resources.classroom().names.name_of(owner_id())


def name_refusal() -> i18n.Msg | None:
    """Why the last name change was refused; None when it was not (read once)."""
    return st.session_state.pop(NAME_REFUSAL, None)


def rename_from_input() -> None:
    """The name form's callback: rename the learner to what they typed, or keep why it was refused."""
    try:
        resources.classroom().names.rename(owner_id(), st.session_state.get(NAME_INPUT, ""))
    except NameRefused as error:
        st.session_state[NAME_REFUSAL] = error.msg


def broadcast_is_new(number: int) -> bool:
    """True once per session for each broadcast number (then it has been toasted)."""
    if st.session_state.get(SEEN_BROADCAST, 0) >= number:
        return False
    st.session_state[SEEN_BROADCAST] = number
    return True


def set_broadcast_shown(number: int | None) -> None:
    st.session_state[SHOWN_BROADCAST] = number


def forget_broadcast_shown() -> None:
    """At the start of a page's run: until it draws the broadcast, there is nothing to compare."""
    st.session_state.pop(SHOWN_BROADCAST, None)


def broadcast_shown() -> tuple[bool, int | None]:
    """Whether this page run drew the broadcast, and which (None: none was current): a live view
    reruns the page when it changes."""
    return SHOWN_BROADCAST in st.session_state, st.session_state.get(SHOWN_BROADCAST)


def challenge_to_apply(challenge_id: str) -> bool:
    """True the first time this session's Train form meets the challenge (set it to the rules then)."""
    if st.session_state.get(APPLIED_CHALLENGE) == challenge_id:
        return False
    st.session_state[APPLIED_CHALLENGE] = challenge_id
    return True


def leaderboard_challenge(default: str, choices: Sequence[str]) -> None:
    """Point the leaderboard's select box at `default` when its choice is not among `choices`."""
    if st.session_state.get(LEADERBOARD_CHALLENGE) not in choices:
        st.session_state[LEADERBOARD_CHALLENGE] = default


def chosen_run(key: str = SELECTED_RUN) -> str | None:
    """The run id in a run picker (SELECTED_RUN or COMPARE_RUN)."""
    return st.session_state.get(key)


def choose_run(run_id: str, key: str = SELECTED_RUN) -> None:
    st.session_state[key] = run_id


def default_run(key: str, run_id: str, choices: set[str], reason: str | None = None) -> None:
    """Point a run picker at `run_id` (before it is drawn) when its choice is not among `choices`,
    or when the `reason` for its default changed since it was last set (e.g. a new run ended)."""
    marker = f"{key}_default_reason"
    if st.session_state.get(key) in choices and st.session_state.get(marker) == reason:
        return
    st.session_state[key] = run_id
    st.session_state[marker] = reason


def confusion_chart_key(run_id: str) -> str:
    """The key of a run's clickable confusion matrix; its value is the last click."""
    return f"{look.CONFUSION_KEY}{run_id}"


def confusion_click(run_id: str) -> Any:
    """Streamlit's selection event of the run's confusion matrix (a dict or an object), or None."""
    return st.session_state.get(confusion_chart_key(run_id))


def shown_cell() -> Cell | None:
    """The selectors' cell; while they are not drawn, Streamlit forgets them, not CHOSEN_CELL."""
    if CELL_TRUE not in st.session_state:
        return st.session_state.get(CHOSEN_CELL)
    return st.session_state[CELL_TRUE], st.session_state[CELL_PRED]


def show_cell(cell: Cell) -> None:
    """Move the cell selectors (call before they are drawn)."""
    st.session_state[CELL_TRUE], st.session_state[CELL_PRED] = cell
    st.session_state[CHOSEN_CELL] = cell


def last_click() -> Cell | None:
    return st.session_state.get(LAST_CLICK)


def set_last_click(cell: Cell) -> None:
    st.session_state[LAST_CLICK] = cell


def gallery_size(gallery: str, step: int) -> int:
    """How many images a gallery shows: `step` until "Show more" grows it."""
    return st.session_state.get(GALLERY_SIZES, {}).get(gallery, step)


def show_more(gallery: str, step: int) -> None:
    """The "Show more" button's callback: `step` more images in this gallery."""
    sizes = st.session_state.setdefault(GALLERY_SIZES, {})
    sizes[gallery] = sizes.get(gallery, step) + step


def set_prefill(config: TrainConfig) -> None:
    """Ask the Train form to load this config on its next run."""
    st.session_state[PREFILL] = config.to_dict()


def pop_prefill() -> dict | None:
    """The config dict waiting for the Train form, removed; unvalidated (session state can be edited)."""
    return st.session_state.pop(PREFILL, None)


def open_form() -> None:
    """Unfold the Train form for the session's latest job (it folds again for the next one)."""
    st.session_state[FORM_OPEN_FOR] = st.session_state.get(JOB_ID)


def form_is_open(job_id: str) -> bool:
    """Whether the learner unfolded the Train form after this job."""
    return st.session_state.get(FORM_OPEN_FOR) == job_id


def set_advice_changes(changes: Sequence[tuple[str, object, object]]) -> None:
    st.session_state[ADVICE_CHANGES] = list(changes)


def advice_changes() -> list[tuple[str, object, object]]:
    """The fields the last "Try this next" changed, as (field, before, after); [] when none."""
    return st.session_state.get(ADVICE_CHANGES, [])


def forget_advice_changes() -> None:
    st.session_state.pop(ADVICE_CHANGES, None)


def form_preset() -> str | None:
    return st.session_state.get(FORM_PRESET)


def set_form_preset(name: str) -> None:
    st.session_state[FORM_PRESET] = name


def set_form(fields: Mapping[str, object], hidden_units: Sequence[int] | None = None) -> None:
    """Put values into the Train form's widgets, by TrainConfig field (before they are drawn);
    the layers' sliders too unless `hidden_units` is None."""
    for field, value in fields.items():
        st.session_state[FORM_KEYS[field]] = value
    if hidden_units is None:
        return
    st.session_state[FORM_LAYERS] = len(hidden_units)
    for index, units in enumerate(hidden_units):
        st.session_state[form_units_key(index)] = units


def lower_form_values(highest: Mapping[str, Any]) -> None:
    """Lower each Train form widget's value (by key) to its highest allowed one where above it."""
    for key, top in highest.items():
        if key in st.session_state and st.session_state[key] > top:
            st.session_state[key] = top


def form_units_key(index: int) -> str:
    """The key of the units slider of hidden layer `index` (from 0)."""
    return f"form_units_{index}"


def default_form_units(index: int, units: int) -> None:
    """Give a newly shown layer's slider a value, keeping one already chosen."""
    st.session_state.setdefault(form_units_key(index), units)


def shuffle_seed() -> int:
    return st.session_state.get(SHUFFLE_SEED, 0)


def next_shuffle() -> None:
    st.session_state[SHUFFLE_SEED] = shuffle_seed() + 1


def augment_draw() -> int | None:
    """The seed of the augmentation preview's draws; None until the learner asks for them."""
    return st.session_state.get(AUGMENT_DRAW)


def next_augment_draw() -> None:
    st.session_state[AUGMENT_DRAW] = (augment_draw() or 0) + 1


def canvas_version() -> int:
    return st.session_state.get(CANVAS_VERSION, 0)


def clear_canvas() -> None:
    """The drawing canvas gets a new key on its next run, which clears it."""
    st.session_state[CANVAS_VERSION] = canvas_version() + 1


def drawing_to_remove() -> str | None:
    return st.session_state.get(DRAWING_TO_REMOVE)


def set_drawing_refusal(msg: i18n.Msg) -> None:
    st.session_state[DRAWING_REFUSAL] = msg


def drawing_refusal() -> i18n.Msg | None:
    """Why the last add or removal of a drawing was refused; None when it was not (read once)."""
    return st.session_state.pop(DRAWING_REFUSAL, None)


def forget_drawing_label() -> None:
    """The next drawing gets its own label."""
    st.session_state.pop(DRAWING_LABEL, None)


def take_token_from_url() -> None:
    """Keep a ?token= in the session and take it out of the address bar at once (it is projected)."""
    if TOKEN_PARAM in st.query_params:
        st.session_state[GIVEN_TOKEN] = st.query_params[TOKEN_PARAM]
        del st.query_params[TOKEN_PARAM]


def take_typed_token() -> None:
    """The token input's callback: keep what was typed, and empty the input so it is never drawn again."""
    st.session_state[GIVEN_TOKEN] = st.session_state[INSTRUCTOR_TOKEN]
    st.session_state[INSTRUCTOR_TOKEN] = ""


def given_token() -> str | None:
    return st.session_state.get(GIVEN_TOKEN)


def show_pause(paused: bool) -> None:
    """Set the pause switch to the classroom's state (before it is drawn: another tab may have moved it)."""
    st.session_state[CLASS_PAUSE] = paused


def pause_switch() -> bool:
    return bool(st.session_state.get(CLASS_PAUSE))
