"""mnist-dash: the router. Pages live in pages/; everything that computes lives in mnist_dash/."""

from mnist_dash import ui

ui.run_app()
