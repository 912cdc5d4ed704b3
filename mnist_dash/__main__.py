"""Entry point for `python -m mnist_dash`."""

import sys

from mnist_dash.cli import main

sys.exit(main())
