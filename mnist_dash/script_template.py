"""The text of the standalone training script that export.standalone_script writes for a run."""

from __future__ import annotations

from mnist_dash import i18n
from mnist_dash.config import TrainConfig
from mnist_dash.data import SPECS

_KERAS_DATASETS = {"mnist": "mnist", "fashion-mnist": "fashion_mnist"}
_OPTIMIZERS = {
    "sgd": "keras.optimizers.SGD(learning_rate=LEARNING_RATE)",
    "momentum": "keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM)",
    "rmsprop": "keras.optimizers.RMSprop(learning_rate=LEARNING_RATE)",
    "adam": "keras.optimizers.Adam(learning_rate=LEARNING_RATE)",
}


def script_header(config: TrainConfig, run_id: str | None) -> str:
    spec = SPECS[config.dataset]
    origin = f"mnist-dash run {run_id}" if run_id else "an mnist-dash run"
    train_size = "None  # all of them" if config.train_size is None else str(config.train_size)
    with i18n.language(i18n.ENGLISH):  # a script is code: its comments stay English
        summary, left_out = config.summary(), _left_out(config)
    return f'''"""Train the network of {origin} again, with plain Keras.

{summary}
{left_out}
Run it:
    python {_file_name(config)} [path/to/{config.dataset}.npz] [--epochs N] [--train-size N]

Data: a Keras-layout .npz (keys x_train, y_train, x_test, y_test) given as the first argument,
else the file named by ${spec.env_var}, else Keras downloads {spec.title} by itself.
"""

import argparse
import os

import keras
import numpy as np
from keras import layers

# The settings of the run. Change one and run the script again to see what it does.
HIDDEN_UNITS = {list(config.hidden_units)!r}  # units in each hidden layer
ACTIVATION = "{config.activation}"  # activation of the hidden layers
OUTPUT_ACTIVATION = "{config.output_activation}"  # activation of the 10 outputs
LEARNING_RATE = {config.learning_rate!r}
MOMENTUM = {config.momentum!r}  # used by SGD with momentum only
BATCH_SIZE = {config.batch_size}  # images per gradient step
EPOCHS = {config.epochs}  # passes over the training images
DROPOUT = {config.dropout!r}  # fraction of hidden outputs zeroed while training (0 = none)
VALIDATION_SPLIT = {config.validation_split!r}  # fraction of training images held out, from the end
TRAIN_SIZE = {train_size}  # use only the first N training images
SEED = {config.seed}  # seeds the starting weights, dropout and the shuffling
'''


def _left_out(config: TrainConfig) -> str:
    """A warning, when the run used options this plain script does not reproduce."""
    lessons = config.lessons_summary()
    if not lessons:
        return ""
    return (f"\nNOT INCLUDED: this script trains without the run's{lessons.lstrip(',')}.\n"
            "It trains the same network without them, so its results will differ from the run's.\n")


def _file_name(config: TrainConfig) -> str:
    return f"train_{config.dataset.replace('-', '_')}.py"


def _load_data(config: TrainConfig) -> str:
    spec = SPECS[config.dataset]
    return f'''

def load_data(path):
    """Images as uint8 arrays (n, 28, 28) with values 0..255, labels as integers 0..9."""
    path = path or os.environ.get("{spec.env_var}")
    if not path:
        return keras.datasets.{_KERAS_DATASETS[config.dataset]}.load_data()
    with np.load(path, allow_pickle=False) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
'''


def _initializer(config: TrainConfig) -> str:
    if config.initializer == "truncated_normal":
        made = f"keras.initializers.TruncatedNormal(stddev={config.init_stddev!r}, seed=SEED * 1009 + index)"
    else:
        made = "keras.initializers.GlorotUniform(seed=SEED * 1009 + index)"
    return f'''

def initializer(index):
    """Starting weights of layer `index`, seeded so every run starts from the same weights."""
    return {made}
'''


def _scaling(config: TrainConfig) -> str:
    if config.preprocessing == "standardize":
        mean, std = config.normalize_mean, config.normalize_std
        return (f"    # Pixels 0..255 -> 0..1, then minus the mean {mean} and divided by the std {std}.\n"
                f"    x = layers.Rescaling(1 / (255 * {std!r}), offset=-{mean!r} / {std!r})(inputs)\n")
    return "    x = layers.Rescaling(1 / 255)(inputs)  # pixels 0..255 -> 0..1\n"


def _build_model(config: TrainConfig) -> str:
    dropout = ("        x = layers.Dropout(DROPOUT, seed=SEED * 1009 + 500 + index)(x)\n"
               if config.dropout > 0 else "")
    return f'''

def build_model():
    """The network: 28x28 pixels in, {", ".join(map(str, config.hidden_units))} hidden units, 10 outputs."""
    inputs = keras.Input(shape=(28, 28), dtype="uint8")
{_scaling(config)}    x = layers.Flatten()(x)  # 28x28 image -> 784 numbers in a row
    for index, units in enumerate(HIDDEN_UNITS):
        x = layers.Dense(units, activation=ACTIVATION, kernel_initializer=initializer(index))(x)
{dropout}    outputs = layers.Dense(10, activation=OUTPUT_ACTIVATION,
                           kernel_initializer=initializer(len(HIDDEN_UNITS)))(x)
    return keras.Model(inputs, outputs)
'''


def _loss(config: TrainConfig) -> str:
    if config.loss == "mse":
        return '''

def loss_function(y_true, y_pred):
    """Mean squared error between the 10 outputs and the one-hot label."""
    labels = keras.ops.one_hot(keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32"), 10)
    return keras.ops.mean(keras.ops.square(labels - y_pred), axis=-1)
'''
    if config.output_activation == "softmax":
        return "\n\nloss_function = keras.losses.SparseCategoricalCrossentropy()\n"
    return ("\n\n# The outputs are not probabilities (no softmax), so the loss applies softmax itself.\n"
            "loss_function = keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n")


def _order(config: TrainConfig) -> str:
    if config.shuffle:
        return ("        # A fresh shuffle every epoch, from our own seeded generator.\n"
                "        order = rng.permutation(len(x_fit))\n")
    return "        order = np.arange(len(x_fit))  # this run kept the images in a fixed order\n"


def _main(config: TrainConfig) -> str:
    return f'''

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="a Keras-layout .npz file")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--train-size", type=int, default=TRAIN_SIZE)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = load_data(args.data)
    x_train, y_train = x_train[:args.train_size], y_train[:args.train_size]
    held_out = int(len(x_train) * VALIDATION_SPLIT)
    x_fit, y_fit = x_train[:len(x_train) - held_out], y_train[:len(y_train) - held_out]
    validation = (x_train[len(x_train) - held_out:], y_train[len(y_train) - held_out:]) if held_out else None
    print(f"training on {{len(x_fit)}} images, validating on {{held_out}}, testing on {{len(x_test)}}")

    model = build_model()
    model.summary()
    model.compile(optimizer={_OPTIMIZERS[config.optimizer]},
                  loss=loss_function,
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    rng = np.random.default_rng(SEED)
    for epoch in range(args.epochs):
{_order(config)}        model.fit(x_fit[order], y_fit[order], batch_size=BATCH_SIZE,
                  validation_data=validation, initial_epoch=epoch, epochs=epoch + 1,
                  shuffle=False, verbose=2)

    loss, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    print(f"test accuracy {{accuracy:.4f}}  test loss {{loss:.4f}}")
    model.save("{config.dataset}-mlp.keras")
    print("saved the trained model to {config.dataset}-mlp.keras")


if __name__ == "__main__":
    main()
'''


def script_body(config: TrainConfig) -> str:
    return (_load_data(config) + _initializer(config) + _build_model(config) + _loss(config)
            + _main(config))
