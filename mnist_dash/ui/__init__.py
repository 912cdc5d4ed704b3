"""The UI: the only package that talks to Streamlit, one module per job.

    app           the router, the sidebar, and the preamble at the top of every page
    state         every session-state key, with typed access (the only module that touches it)
    resources     what all sessions share, cached once per process (run store, job manager, ...)
    patches       every override or read of Streamlit's internals, checked at import
    data_fix      the dataset a page needs, or a form to fix it
    run_picker    the select box over this session's runs and the shared ones
    run_models    a run's Keras model, loaded once, used under a lock
    events        Streamlit's chart events read as the app's terms
    train_form, live, teach, evaluate_view, compare_view, try_view, inside_view: one page or panel's
                  widgets each
    instructor_view, challenge_form: the instructor page's pieces (token gate, class, challenges)

Pages import the modules they use. The names below are for app.py, tests and benchmarks.
"""

from mnist_dash.ui.app import run_app
from mnist_dash.ui.resources import job_manager

__all__ = ["job_manager", "run_app"]
