"""The Keras MLP a TrainConfig describes: build, compile, and measure it (imports TensorFlow)."""

from __future__ import annotations

import logging
import os
import threading

import keras
import numpy as np
from keras import layers

from mnist_dash import metrics, patches, regularize
from mnist_dash.architecture import NUM_CLASSES, layer_infos
from mnist_dash.config import TrainConfig
from mnist_dash.keras_schedule import learning_rate
from mnist_dash.schedules import Schedule

log = logging.getLogger(__name__)

# Building models from several threads at once has raced in TensorFlow; one at a time.
_BUILD_LOCK = threading.Lock()


@keras.saving.register_keras_serializable(package="mnist_dash")
def one_hot_mse(y_true, y_pred):
    """Mean squared error between the outputs and the one-hot label (mean over 10 outputs)."""
    labels = keras.ops.one_hot(keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32"), NUM_CLASSES)
    return keras.ops.mean(keras.ops.square(labels - y_pred), axis=-1)


def _initializers(config: TrainConfig, layer_index: int, fan_in: int) -> dict:
    seed = config.seed * 1009 + layer_index  # a distinct, reproducible seed per layer
    bias = "zeros"
    if config.initializer == "truncated_normal":
        kernel = keras.initializers.TruncatedNormal(stddev=config.init_stddev, seed=seed)
    elif config.initializer == "pytorch_default":
        # torch.nn.Linear: weights and biases uniform in +-1/sqrt(fan_in).
        limit = fan_in ** -0.5
        kernel = keras.initializers.RandomUniform(-limit, limit, seed=seed)
        bias = keras.initializers.RandomUniform(-limit, limit, seed=seed + 100)
    else:
        kernel = keras.initializers.GlorotUniform(seed=seed)
    return {"kernel_initializer": kernel, "bias_initializer": bias}


def _input_scaling(config: TrainConfig) -> layers.Layer:
    if config.preprocessing == "standardize":
        std = config.normalize_std
        return layers.Rescaling(1.0 / (255.0 * std), offset=-config.normalize_mean / std)
    return layers.Rescaling(1.0 / 255.0)


def build_model(config: TrainConfig) -> keras.Model:
    """The uncompiled MLP: uint8 images in, 10 outputs; scaling happens inside the model."""
    with _BUILD_LOCK:
        inputs = keras.Input(shape=(28, 28), dtype="uint8", name="image")
        x = layers.Flatten(name="flatten")(_input_scaling(config)(inputs))
        infos = layer_infos(config)
        for index, info in enumerate(infos[:-1]):
            x = layers.Dense(
                info.units, activation=info.activation, name=info.name,
                **_initializers(config, index, info.inputs),
            )(x)
            if config.dropout > 0:
                x = layers.Dropout(config.dropout, seed=config.seed * 1009 + 500 + index)(x)
        outputs = layers.Dense(
            NUM_CLASSES, activation=config.output_activation, name="output",
            **_initializers(config, len(infos) - 1, infos[-1].inputs),
        )(x)
        return keras.Model(inputs, outputs, name="mlp")


def make_optimizer(config: TrainConfig, steps_per_epoch: int = 1) -> keras.optimizers.Optimizer:
    """The config's optimizer with its learning-rate schedule (schedules.py; the steps per epoch
    place the warm-up and decay) and weight decay on the kernels (regularize.py)."""
    options = {"learning_rate": learning_rate(Schedule.from_config(config, steps_per_epoch)),
               **regularize.optimizer_kwargs(config)}
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(**options)
    elif config.optimizer == "momentum":
        optimizer = keras.optimizers.SGD(momentum=config.momentum, **options)
    elif config.optimizer == "rmsprop":
        optimizer = keras.optimizers.RMSprop(**options)
    else:
        optimizer = keras.optimizers.Adam(**options)  # with weight_decay: Keras's decoupled decay, AdamW
    if config.weight_decay:
        regularize.exclude_biases(optimizer)
    return patches.skip_cross_replica_sum(optimizer)


def make_loss(config: TrainConfig):
    if config.loss == "mse":
        return one_hot_mse
    # A linear or relu output layer produces logits, not probabilities.
    from_logits = config.output_activation != "softmax"
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)


# Below this many training samples (images x epochs) XLA's compile time outweighs its gain.
XLA_MIN_SAMPLES = 50_000


def use_xla(config: TrainConfig, num_train_images: int = 60_000) -> bool:
    """XLA trains these MLPs ~1.7x faster on CPU, but ~5x slower with Dropout's RNG, and each
    XLA-compiled model keeps ~10 MB in TensorFlow's compilation cache: use it where it pays."""
    samples = min(num_train_images, config.train_size or num_train_images) * config.epochs
    return config.dropout == 0 and samples >= XLA_MIN_SAMPLES


class XlaBudget:
    """How many models this process may still XLA-compile.

    TensorFlow never frees an XLA-compiled program, even when its model is gone (measured: 6-8 MB
    per model). Past the budget, runs train without XLA (~1.4x slower), so a long-lived
    server's memory stays bounded; restarting the server renews the budget.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def claim(self) -> bool:
        with self._lock:
            if self.used >= self.limit:
                if self.used == self.limit:
                    log.warning("%d models XLA-compiled in this process: training the next ones "
                                "without XLA to keep memory bounded (MNIST_DASH_XLA_MODELS)",
                                self.limit)
                    self.used += 1  # warn once
                return False
            self.used += 1
            return True


XLA_BUDGET = XlaBudget(int(os.environ.get("MNIST_DASH_XLA_MODELS", "100")))


def compile_model(model: keras.Model, config: TrainConfig, steps_per_epoch: int = 1) -> None:
    """Optimizer, loss and metric, saved with the model. Training uses its own compiled step
    (training.make_train_step, with XLA where it pays); Keras's own functions run only for
    predict, once or twice per run, where XLA would cost more (~1 s) than it saves."""
    model.compile(
        optimizer=make_optimizer(config, steps_per_epoch),
        loss=make_loss(config),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        jit_compile=False,
    )
    # Create the optimizer's slots (momentum, RMS, ...) now, eagerly. Created lazily inside the
    # first traced train step, each slot adds tf.cond functions to TensorFlow's process-wide
    # library, freed only with that step; whatever keeps the step alive (Keras's cross-replica
    # gradient sum did, see make_optimizer) then keeps them too.
    model.optimizer.build(model.trainable_variables)


PREDICT_BATCH = 2000


def predict_outputs(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The network's raw outputs for `x`, (n, classes) float32, in inference mode."""
    return np.asarray(model.predict(x, batch_size=PREDICT_BATCH, verbose=0), dtype=np.float32)


def loss_value(outputs: np.ndarray, labels: np.ndarray, config: TrainConfig) -> float:
    """The mean loss Keras computes for this config, from outputs already predicted."""
    losses = make_loss(config)(np.asarray(labels), np.asarray(outputs, dtype=np.float32))
    return float(np.mean(keras.ops.convert_to_numpy(losses)))


def measure(model: keras.Model, config: TrainConfig, x: np.ndarray, y: np.ndarray,
            outputs: np.ndarray | None = None) -> tuple[float, float]:
    """Loss and accuracy from one inference pass (Keras's evaluate would need a second)."""
    if outputs is None:
        outputs = predict_outputs(model, x)
    return loss_value(outputs, y, config), metrics.accuracy(y, outputs.argmax(axis=1))


def outputs_to_probabilities(outputs: np.ndarray, config: TrainConfig) -> np.ndarray:
    """What the network believes, as rows that sum to 1, whatever its output layer."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if config.output_activation == "softmax":
        probabilities = outputs
    elif config.loss == "crossentropy":
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    else:
        # MSE outputs approximate the one-hot label: read them as scores.
        scores = np.clip(np.nan_to_num(outputs), 0.0, None)
        totals = scores.sum(axis=1, keepdims=True)
        uniform = np.full_like(scores, 1.0 / scores.shape[1])
        probabilities = np.where(totals > 0, scores / np.where(totals > 0, totals, 1), uniform)
    return probabilities.astype(np.float32)
