"""mnist-dash: explore MNIST, train a Keras MLP live, and inspect what it learned."""

__version__ = "0.1.0"

import os as _os

# TensorFlow's C++ start-up chatter floods a shared server's log; warnings and errors still show.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
