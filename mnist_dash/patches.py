"""Every override of a library's internals used by the compute side, each checked at import.

A patch replaces something private, which a new library version may rename: the patch would
then do nothing, silently. So importing this module checks that each patched name still exists
and fails with the installed version in the message if one does not.
"""

from __future__ import annotations

import keras


class OutdatedPatch(RuntimeError):
    """A patched library name is gone: the installed version differs from the one patched."""


def require(owner: type, name: str, library: str, version: str) -> None:
    """Fail loudly unless `owner` (a class, or one of its bases) still has `name`."""
    if not hasattr(owner, name):
        raise OutdatedPatch(
            f"mnist-dash patches {owner.__module__}.{owner.__qualname__}.{name}, which {library} "
            f"{version} no longer has. Install a {library} version that requirements.txt allows, "
            "or update mnist_dash/patches.py for this one."
        )


def check_keras() -> None:
    require(keras.optimizers.Optimizer, "_all_reduce_sum_gradients", "keras", keras.__version__)


check_keras()


def skip_cross_replica_sum(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """Keras sums gradients across replicas through a tf.custom_gradient, which registers a
    gradient function holding the whole traced train step in TensorFlow's global registry,
    never removed: ~1.4 MB per trained model in a long-lived server. We train on one replica,
    where that sum is the identity."""
    optimizer._all_reduce_sum_gradients = list
    return optimizer
