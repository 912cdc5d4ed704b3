"""mnist-dash: explore MNIST, train a Keras MLP live, and inspect what it learned."""

__version__ = "0.1.0"
