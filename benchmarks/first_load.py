"""What a fresh visitor's first page costs: Chromium on / of a freshly started server until the first
sample image shows, and a profile of that first script run's parts, each timed in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from benchmarks.common import Context, Outcome, Row, median, require_browser, within
from tests.e2e.server import REPO_ROOT, VIEWPORT, chromium, streamlit_server

TARGET_SECONDS = 3.0
IMAGE_SELECTOR = "[data-testid='stImage'] img"
TIMEOUT_MS = 120_000

# The first run of / in the order the app does it; each step is timed after the ones before it.
PHASES = {
    "import streamlit": "import streamlit",
    "import the app (mnist_dash.ui and what it imports)": "import mnist_dash.ui",
    "load the dataset (npz, checks)": "resources.data_sources().load('mnist')",
    "checksum for Explore's caption": "resources.data_sources().describe('mnist')",
    "job manager, run store, classroom": "resources.job_manager()",
    "class counts and mean images": "resources.dataset_facts('mnist', src())",
    "import plotly and the figures": "from mnist_dash import figures",
    "Explore's first figure": "figures.class_balance_figure([1] * 10, [1] * 10, list('0123456789'))",
    # Imported by the app before its first image until 2026-12-03; now only where a table needs it.
    "pandas (now after the first image: leaderboard, tables)": "import pandas",
}
_PROFILER = """
import json, os, sys, time, warnings, logging
logging.disable(logging.WARNING)
warnings.simplefilter("ignore")
times = {}
def src():
    return resources.data_sources().load('mnist').source
for name, code in json.loads(sys.argv[1]).items():
    start = time.perf_counter()
    exec(code, globals())
    if name.startswith("import the app"):
        from mnist_dash.ui import resources
    times[name] = time.perf_counter() - start
resources.job_manager().shutdown()
print(json.dumps(times))
"""


def profile_once(ctx: Context, runs_dir: str) -> dict[str, float]:
    """The first run's parts, timed in a fresh Python (nothing imported or cached yet)."""
    env = {"MNIST_DASH_DATA": ctx.data_path, "MNIST_DASH_RUNS": runs_dir, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", _PROFILER, json.dumps(PHASES)], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def visitor_once(browser, ctx: Context) -> dict[str, float]:
    """A fresh server (healthy), then a fresh browser on /: seconds until the first sample image."""
    with streamlit_server(ctx.data_path) as server:
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            start = time.perf_counter()
            page.goto(server.url, timeout=TIMEOUT_MS)
            page.locator(IMAGE_SELECTOR).first.wait_for(state="visible", timeout=TIMEOUT_MS)
            first = time.perf_counter() - start
            page.reload()
            again = time.perf_counter()
            page.locator(IMAGE_SELECTOR).first.wait_for(state="visible", timeout=TIMEOUT_MS)
            return {"first_visitor": first, "reload": time.perf_counter() - again}
        finally:
            context.close()


def first_load(ctx: Context) -> Outcome:
    """Median first-visitor time, and what the first script run spends it on (median of each part)."""
    import tempfile

    require_browser()
    visits, profiles = [], []
    with chromium() as browser, tempfile.TemporaryDirectory() as runs_dir:
        for _ in range(ctx.repeats):  # interleaved: both see the same load
            visits.append(visitor_once(browser, ctx))
            profiles.append(profile_once(ctx, runs_dir))
    first = median([v["first_visitor"] for v in visits])
    rows = [Row("fresh server, first visitor -> first sample image", first, "s",
                f"< {TARGET_SECONDS:g} s", within(first, high=TARGET_SECONDS),
                detail=f"the same tab reloaded: {median([v['reload'] for v in visits]):.2f} s")]
    rows += [Row(f"first run, part: {name}", median([p[name] for p in profiles]), "s",
                 detail="timed in a fresh Python, after the parts above") for name in PHASES]
    return Outcome(rows=rows, data={"visits": visits, "profiles": profiles})
