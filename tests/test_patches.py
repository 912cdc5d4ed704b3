"""The compute side's patches of library internals: each checked at import, and applied."""

import importlib.util

import keras
import pytest

from mnist_dash import patches
from mnist_dash.config import TrainConfig
from mnist_dash.model import make_optimizer


def defining_class(owner: type, name: str) -> type:
    return next(base for base in owner.__mro__ if name in vars(base))


def test_the_patched_keras_name_exists_in_the_installed_keras():
    patches.check_keras()  # raises if this Keras renamed it


def test_a_missing_name_fails_at_import_naming_the_keras_version(monkeypatch):
    optimizer = keras.optimizers.Optimizer
    monkeypatch.delattr(defining_class(optimizer, "_all_reduce_sum_gradients"),
                        "_all_reduce_sum_gradients")
    message = rf"_all_reduce_sum_gradients, which keras {keras.__version__} no longer has"
    with pytest.raises(patches.OutdatedPatch, match=message):
        patches.check_keras()
    # A fresh copy of the module (the imported one stays as it is) fails as it is imported.
    spec = importlib.util.find_spec("mnist_dash.patches")
    with pytest.raises(RuntimeError, match=message):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_every_optimizer_skips_the_cross_replica_sum():
    for name in ("sgd", "momentum", "rmsprop", "adam"):
        optimizer = make_optimizer(TrainConfig(optimizer=name))
        assert vars(optimizer)["_all_reduce_sum_gradients"] is list
