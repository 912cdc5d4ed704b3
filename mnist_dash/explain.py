"""Short explanations for learners, with the numbers of the current configuration filled in."""

from __future__ import annotations

from dataclasses import dataclass

from mnist_dash import architecture
from mnist_dash.config import TrainConfig


@dataclass(frozen=True)
class Explanation:
    """A titled explanation: markdown text, then formulas for st.latex."""

    title: str
    text: str
    formulas: tuple[str, ...] = ()


_ACTIVATION_TEX = {"relu": r"\mathrm{relu}", "tanh": r"\tanh", "sigmoid": r"\sigma",
                   "softmax": r"\mathrm{softmax}", "linear": ""}


def _apply(activation: str, argument: str) -> str:
    name = _ACTIVATION_TEX[activation]
    return f"{name}({argument})" if name else argument


def forward_pass(config: TrainConfig) -> Explanation:
    infos = architecture.layer_infos(config)
    formulas, previous = [], "X"
    for index, info in enumerate(infos, start=1):
        name = "\\hat{y}" if info.name == "output" else f"h_{index}"
        formulas.append(
            f"{name} = {_apply(info.activation, f'{previous} W_{index} + b_{index}')}"
            f"\\qquad [b,{info.inputs}] \\cdot [{info.inputs},{info.units}] + [{info.units}]"
            f" \\to [b,{info.units}]"
        )
        previous = name
    text = (
        f"A batch of **b = {config.batch_size}** images enters as X, a [b, 784] matrix. Each "
        "layer multiplies by its weight matrix W, adds its bias b and applies its activation. "
        f"This network learns **{config.parameter_count:,}** numbers in all."
    )
    return Explanation("The forward pass, with this network's shapes", text, tuple(formulas))


def softmax_argmax(config: TrainConfig) -> Explanation:
    if config.output_activation == "softmax":
        note = "This network's output layer is softmax, so its 10 outputs are already probabilities."
    elif config.output_activation == "relu":
        note = ("This network puts relu on the output: every negative score is clipped to 0 and "
                "passes no gradient back, so an output unit pushed below 0 stops learning ('dies') "
                "and the app can only normalise the remaining positive scores.")
    else:
        note = ("This network's output is linear: its 10 outputs are scores, not probabilities; "
                "the app shows them normalised.")
    return Explanation(
        "Softmax and argmax: from 10 scores to one answer",
        "Softmax turns 10 scores into probabilities that are positive and sum to 1; the answer "
        f"is the class with the largest one (argmax). {note}",
        (r"p_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}}", r"\text{prediction} = \arg\max_k p_k"),
    )


def losses(config: TrainConfig) -> Explanation:
    chosen = "cross-entropy" if config.loss == "crossentropy" else "MSE on one-hot labels"
    return Explanation(
        "The loss: cross-entropy vs mean squared error",
        "The label becomes a one-hot vector: 3 is [0,0,0,1,0,0,0,0,0,0]. **MSE** averages the "
        "squared differences between the 10 outputs and that vector. **Cross-entropy** is minus "
        "the log of the probability given to the right class. When the network is confidently "
        "wrong, cross-entropy's gradient stays large while MSE's (through softmax or a small "
        "output) shrinks, so cross-entropy learns classification faster. "
        f"This run uses **{chosen}**.",
        (r"\mathrm{MSE} = \frac{1}{10}\sum_{k=0}^{9} (\hat{y}_k - y_k)^2",
         r"\mathrm{CE} = -\log p_{\text{true class}}"),
    )


def update_rule(config: TrainConfig) -> Explanation:
    optimizer = {"sgd": "plain gradient descent", "momentum": "gradient descent with momentum",
                 "rmsprop": "RMSprop", "adam": "Adam"}[config.optimizer]
    extra = ("Momentum adds a running average of past gradients, which smooths and speeds the "
             "steps." if config.optimizer == "momentum" else
             f"{optimizer} also scales each weight's step by its recent gradient size."
             if config.optimizer in ("rmsprop", "adam") else "")
    return Explanation(
        "How the weights change: the update rule",
        f"After each batch, every weight moves a small step against its gradient, the direction "
        f"that increases the loss. Here the optimizer is **{optimizer}** with learning rate "
        f"**{config.learning_rate:g}**. {extra}",
        (rf"w \leftarrow w - {config.learning_rate:g} \cdot \frac{{\partial L}}{{\partial w}}",),
    )


def epochs_and_batches(config: TrainConfig, num_train_images: int) -> Explanation:
    images = architecture.train_image_count(config, num_train_images)
    held_out = architecture.validation_count(config, images)
    steps = architecture.steps_per_epoch(config, images)
    return Explanation(
        "Epochs and batches, counted",
        f"The network trains on **{images - held_out:,}** images ({held_out:,} held out to "
        f"check it on images it never learns from). A **batch** of {config.batch_size} images "
        f"gives one weight update, so one **epoch** (one pass over all of them) is **{steps}** "
        f"updates, and {config.epochs} epochs make **{steps * config.epochs:,}** updates.",
    )


def image_to_vector() -> Explanation:
    return Explanation(
        "What a 28x28 image becomes",
        "Each image is 28 rows of 28 grey levels from 0 (black) to 255 (white ink). The network "
        "does not see rows: it reads the 784 numbers one after another, row by row, divided by "
        "255 so they lie between 0 and 1. Pixel (row r, column c) becomes input number 28·r + c.",
        (r"x = \left[\frac{p_{0,0}}{255}, \frac{p_{0,1}}{255}, \ldots, \frac{p_{27,27}}{255}\right]"
         r" \in [0,1]^{784}",),
    )


def for_training(config: TrainConfig, num_train_images: int) -> list[Explanation]:
    return [forward_pass(config), softmax_argmax(config), losses(config), update_rule(config),
            epochs_and_batches(config, num_train_images)]
