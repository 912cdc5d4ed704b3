"""What speaking Chinese costs a page: the Explore cold start and a Train rerun in each language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import Context, Outcome, Row, interleaved, median, within
from mnist_dash import i18n
from mnist_dash.i18n import ENGLISH, LANGUAGES
from tests.e2e.server import REPO_ROOT

RATIO_TARGET = 1.05  # a language may cost at most 5% more time than English
# A fresh process: import Streamlit's test runner first (not the app's cost), then time the
# app's first run (its imports, the catalog, the dataset, the page) in one language.
COLD_START_SCRIPT = """
import json, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=120)
if sys.argv[1] != "en":
    at.query_params["lang"] = sys.argv[1]
start = time.perf_counter()
at.run()
seconds = time.perf_counter() - start
errors = [e.value for e in at.exception]
print(json.dumps({"seconds": seconds, "errors": errors, "title": [t.value for t in at.title]}))
"""


def cold_start_seconds(lang: str, data_path: str) -> float:
    """Explore's first run in a new Python process, opened as /?lang=<lang>."""
    env = {**os.environ, "MNIST_DASH_DATA": data_path}
    done = subprocess.run([sys.executable, "-c", COLD_START_SCRIPT, lang], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the cold start in {lang} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["errors"]:
        raise RuntimeError(f"Explore raised in {lang}: {result['errors']}")
    return result["seconds"]


def train_page(lang: str) -> Any:
    """An AppTest on Train in `lang`, warmed by one rerun."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = lang
    with i18n.language(lang):  # AppTest reads widget values back through their format_func here
        at.run()
        at.switch_page("pages/train.py").run()
    if at.exception:
        raise RuntimeError(f"Train raised in {lang}: {[e.value for e in at.exception]}")
    return at


def rerun_seconds(at: Any, lang: str) -> float:
    """One rerun of Train, as after any click on it (the whole script runs again)."""
    with i18n.language(lang):
        start = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"Train raised on a rerun: {[e.value for e in at.exception]}")
    return seconds


def _rows(what: str, seconds: dict[str, list[float]], detail: str) -> list[Row]:
    english = median(seconds[ENGLISH])
    rows = [Row(f"{what}, English", english, "s", detail=detail)]
    for lang in LANGUAGES:
        if lang != ENGLISH:
            ratio = median(seconds[lang]) / english
            rows.append(Row(f"{what}, {lang} / English", ratio, "x", f"<= {RATIO_TARGET:g}",
                            within(ratio, high=RATIO_TARGET),
                            detail=f"median {median(seconds[lang]):.3f} s; {detail}"))
    return rows


def language_cost(ctx: Context) -> Outcome:
    """Cold start: fresh processes, languages interleaved; rerun: one warm AppTest per language."""
    import streamlit as st

    cold_repeats = 1 if ctx.quick else max(ctx.repeats, 5)
    rerun_repeats = 2 if ctx.quick else max(10, 5 * ctx.repeats)
    cold = interleaved(cold_repeats, {lang: lambda _, lang=lang: cold_start_seconds(lang, ctx.data_path)
                                      for lang in LANGUAGES})
    os.environ.setdefault("MNIST_DASH_DATA", ctx.data_path)
    st.cache_resource.clear()
    pages = {lang: train_page(lang) for lang in LANGUAGES}
    reruns = interleaved(rerun_repeats, {lang: lambda _, lang=lang: rerun_seconds(pages[lang], lang)
                                         for lang in LANGUAGES})
    st.cache_resource.clear()
    return Outcome(rows=[
        *_rows("Explore cold start", cold,
               f"AppTest's first run of app.py in a fresh process (after importing Streamlit), "
               f"median of {cold_repeats}, languages interleaved"),
        *_rows("Train rerun", reruns,
               f"AppTest rerun of the Train page, warm, median of {rerun_repeats}, interleaved"),
    ], data={"cold_start_seconds": cold, "train_rerun_seconds": reruns})
