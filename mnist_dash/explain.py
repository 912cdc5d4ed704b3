"""Short explanations for learners, with the numbers of the current configuration filled in.

They are made in the current language. Formulas stay LaTeX, outside any `_()` that fills in
placeholders; only the words inside their `\\text{}` are translated, one word or phrase at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mnist_dash import architecture
from mnist_dash import config as config_lib
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import _, join_sentences, ngettext, number, percent
from mnist_dash.schedules import Schedule


@dataclass(frozen=True)
class Explanation:
    """A titled explanation: markdown text, then formulas for st.latex (already translated)."""

    title: str
    text: str
    formulas: tuple[str, ...] = ()


_ACTIVATION_TEX = {"relu": r"\mathrm{relu}", "tanh": r"\tanh", "sigmoid": r"\sigma",
                   "softmax": r"\mathrm{softmax}", "linear": ""}


def _words(text: str) -> str:
    """Words inside a formula (already translated): LaTeX's text mode, where CJK glyphs render."""
    return r"\text{" + text + "}"


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
    text = _("A batch of **b = {batch_size}** images enters as X, a [b, 784] matrix. Each layer "
             "multiplies by its weight matrix W, adds its bias b and applies its activation. This "
             "network learns **{parameters}** numbers in all.", batch_size=config.batch_size,
             parameters=number(config.parameter_count))
    return Explanation(_("The forward pass, with this network's shapes"), text, tuple(formulas))


def softmax_argmax(config: TrainConfig) -> Explanation:
    if config.output_activation == "softmax":
        note = _("This network's output layer is softmax, so its 10 outputs are already "
                 "probabilities.")
    elif config.output_activation == "relu":
        note = _("This network puts relu on the output: every negative score is clipped to 0 and "
                 "passes no gradient back, so an output unit pushed below 0 stops learning ('dies') "
                 "and the app can only normalise the remaining positive scores.")
    else:
        note = _("This network's output is linear: its 10 outputs are scores, not probabilities; "
                 "the app shows them normalised.")
    return Explanation(
        _("Softmax and argmax: from 10 scores to one answer"),
        _("Softmax turns 10 scores into probabilities that are positive and sum to 1; the answer "
          "is the class with the largest one (argmax). {note}", note=note),
        (r"p_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}}",
         _words(_("prediction")) + r" = \arg\max_k p_k"),
    )


def losses(config: TrainConfig) -> Explanation:
    chosen = _("cross-entropy") if config.loss == "crossentropy" else _("MSE on one-hot labels")
    return Explanation(
        _("The loss: cross-entropy vs mean squared error"),
        _("The label becomes a one-hot vector: 3 is [0,0,0,1,0,0,0,0,0,0]. **MSE** averages the "
          "squared differences between the 10 outputs and that vector. **Cross-entropy** is minus "
          "the log of the probability given to the right class. When the network is confidently "
          "wrong, cross-entropy's gradient stays large while MSE's (through softmax or a small "
          "output) shrinks, so cross-entropy learns classification faster. "
          "This run uses **{chosen}**.", chosen=chosen),
        (r"\mathrm{MSE} = \frac{1}{10}\sum_{k=0}^{9} (\hat{y}_k - y_k)^2",
         r"\mathrm{CE} = -\log p_{" + _words(_("true class")) + "}"),
    )


def update_rule(config: TrainConfig) -> Explanation:
    optimizer = {"sgd": _("plain gradient descent"), "momentum": _("gradient descent with momentum"),
                 "rmsprop": "RMSprop", "adam": "Adam"}[config.optimizer]
    extra = (_("Momentum adds a running average of past gradients, which smooths and speeds the "
               "steps.") if config.optimizer == "momentum" else
             _("{optimizer} also scales each weight's step by its recent gradient size.",
               optimizer=optimizer)
             if config.optimizer in ("rmsprop", "adam") else "")
    return Explanation(
        _("How the weights change: the update rule"),
        _("After each batch, every weight moves a small step against its gradient, the direction "
          "that increases the loss. Here the optimizer is **{optimizer}** with learning rate "
          "**{rate}**. {extra}", optimizer=optimizer, rate=format(config.learning_rate, "g"), extra=extra),
        (rf"w \leftarrow w - {config.learning_rate:g} \cdot \frac{{\partial L}}{{\partial w}}",),
    )


def epochs_and_batches(config: TrainConfig, num_train_images: int) -> Explanation:
    images = architecture.train_image_count(config, num_train_images)
    held_out = architecture.validation_count(config, images)
    steps = architecture.steps_per_epoch(config, images)
    return Explanation(
        _("Epochs and batches, counted"),
        ngettext("The network trains on **{images}** images ({held_out} held out to check it on "
                 "images it never learns from). A **batch** of {batch_size} images gives one "
                 "weight update, so one **epoch** (one pass over all of them) is **{steps}** "
                 "updates, and {n} epoch makes **{updates}** updates.",
                 "The network trains on **{images}** images ({held_out} held out to check it on "
                 "images it never learns from). A **batch** of {batch_size} images gives one "
                 "weight update, so one **epoch** (one pass over all of them) is **{steps}** "
                 "updates, and {n} epochs make **{updates}** updates.", config.epochs,
                 images=number(images - held_out), held_out=number(held_out),
                 batch_size=config.batch_size, steps=steps, updates=number(steps * config.epochs)),
    )


def image_to_vector() -> Explanation:
    return Explanation(
        _("What a 28x28 image becomes"),
        _("Each image is 28 rows of 28 grey levels from 0 (black) to 255 (white ink). The network "
          "does not see rows: it reads the 784 numbers one after another, row by row, divided by "
          "255 so they lie between 0 and 1. Pixel (row r, column c) becomes input number 28·r + c."),
        (r"x = \left[\frac{p_{0,0}}{255}, \frac{p_{0,1}}{255}, \ldots, \frac{p_{27,27}}{255}\right]"
         r" \in [0,1]^{784}",),
    )


def _distortions(config: TrainConfig) -> tuple[str, tuple[str, ...]]:
    """What the chosen augmentation does at the chosen strength, in words and formulas."""
    s = config.augment_strength
    out, into = _words(_("out")), _words(_("in"))  # the distorted image and the original
    shift = _("shifted by up to ±{pixels} pixels across and down",
              pixels=format(config_lib.MAX_SHIFT_PIXELS * s, "g"))
    if config.augment == "shift":
        return shift, (rf"{out}(x, y) = {into}(x + t_x,\; y + t_y)",)
    if config.augment == "affine":
        return (_("rotated by up to ±{degrees}°, stretched or squeezed by up to {scale} in width "
                  "and height, slanted by up to ±{slant}°, and {shift}",
                  degrees=format(config_lib.MAX_ROTATION_DEGREES * s, "g"),
                  scale=percent(config_lib.MAX_SCALE_CHANGE * s, 0),
                  slant=format(math.degrees(math.atan(config_lib.MAX_SHEAR * s)), ".0f"), shift=shift),
                (rf"{out}(p) = {into}\big(c + A\,(p - c) + t\big),\quad "
                 r"A = R_\theta \cdot \text{Shear}_k \cdot \text{Scale}_{s_x, s_y}",))
    alpha = config_lib.ELASTIC_ALPHA * s
    return (_("bent by an elastic distortion: every pixel moves by a smooth random amount, made of "
              "random noise between -1 and 1 blurred with a Gaussian of σ = {sigma} pixels, "
              "times α = {alpha}", sigma=format(config_lib.ELASTIC_SIGMA, "g"), alpha=format(alpha, "g")),
            (rf"{out}(p) = {into}\big(p + {alpha:g}\,(G_{{{config_lib.ELASTIC_SIGMA:g}}}"
             r" * U)(p)\big),\quad U(p) \sim \mathcal{U}[-1, 1]^2",))


def augmentation(config: TrainConfig) -> Explanation:
    what, formulas = _distortions(config)
    return Explanation(
        _("Data augmentation: new images from old ones"),
        _("Every training batch is distorted before the network sees it: each image is {what}. "
          "Each epoch draws new distortions, so the network never sees exactly the same image "
          "twice: it has to learn what makes a 3 a 3, not the pixels of one 3, and it reads "
          "off-centre or slanted digits better. Validation and test images are never distorted. "
          "Simard et al. (2003) took a 784-800-10 network from 1.6% to 1.1% test error with affine "
          "distortions, and to 0.7% with elastic ones. Training accuracy now measures distorted "
          "images, so it can sit below validation accuracy.", what=what),
        formulas,
    )


def weight_decay(config: TrainConfig) -> Explanation:
    rate, decay = config.learning_rate, config.weight_decay
    return Explanation(
        _("Weight decay: a pull towards small weights"),
        _("After every update each weight is shrunk a little towards 0, by learning rate × "
          "λ = {rate} × {decay} of itself. Large weights then have to keep earning their size, "
          "so the network prefers many small weights to a few large ones, which usually "
          "generalises better. For plain gradient descent this is exactly adding the L2 term to "
          "the loss; with Adam or RMSprop the shrinking is kept apart from their per-weight step "
          "sizes (AdamW), which works better there. Biases are not decayed; the loss on the chart "
          "is the plain loss.", rate=format(rate, "g"), decay=format(decay, "g")),
        (rf"L' = L + \frac{{\lambda}}{{2}} \sum_i w_i^2,\qquad \lambda = {decay:g}",
         r"w \leftarrow w - \eta\,\frac{\partial L}{\partial w} - \eta\,\lambda\,w"),
    )


def learning_rate_schedule(config: TrainConfig, num_train_images: int) -> Explanation:
    images = architecture.train_image_count(config, num_train_images)
    steps = architecture.steps_per_epoch(config, images)
    schedule = Schedule.from_config(config, steps)
    warmup, decay_steps = config.warmup_epochs * steps, (config.epochs - config.warmup_epochs) * steps
    rate = f"{config.learning_rate:g}"
    formulas = []
    text = []
    if warmup:
        text.append(ngettext(
            "For the first epoch ({updates} updates) the rate climbs in a straight line from "
            "{start} to {rate}: at the start the weights are random and the gradients large and "
            "erratic, so big steps could throw the network somewhere it never recovers from.",
            "For the first {n} epochs ({updates} updates) the rate climbs in a straight line from "
            "{start} to {rate}: at the start the weights are random and the gradients large and "
            "erratic, so big steps could throw the network somewhere it never recovers from.",
            config.warmup_epochs, updates=number(warmup), start=format(schedule.rate_at(0), ".2g"),
            rate=rate))
        formulas.append(rf"\eta_t = {rate} \cdot \frac{{t + 1}}{{{warmup}}}\quad (t < {warmup})")
    if config.schedule == "cosine":
        text.append(_("Then it follows half a cosine over the remaining {updates} updates, from "
                      "{rate} down to 0 when training ends: big steps early to travel, small steps "
                      "late to settle into a minimum instead of bouncing around it.",
                      updates=number(decay_steps), rate=rate))
        formulas.append(rf"\eta_t = {rate} \cdot \tfrac{{1}}{{2}}\Big(1 + \cos\frac{{\pi\,(t - {warmup})}}"
                        rf"{{{decay_steps}}}\Big)")
    elif config.schedule == "step":
        every = max(1, (config.epochs - config.warmup_epochs) // 3)
        text.append(ngettext(
            "Then it starts at {rate} and is halved after every epoch: big steps early to "
            "travel, smaller ones later to settle into a minimum instead of bouncing around it.",
            "Then it starts at {rate} and is halved every {n} epochs: big steps early to travel, "
            "smaller ones later to settle into a minimum instead of bouncing around it.",
            every, rate=rate))
        formulas.append(rf"\eta = {rate} \cdot 0.5^{{\lfloor e / {every} \rfloor}}"
                        r"\quad (e = " + _words(_("epochs after warm-up")) + ")")
    else:
        text.append(_("Then it stays at {rate}.", rate=rate))
    return Explanation(_("The learning rate over the run: schedule and warm-up"),
                       _("The chart under the loss shows the rate of every update. {steps}",
                         steps=join_sentences(text)),
                       tuple(formulas))


def early_stopping(config: TrainConfig) -> Explanation:
    patience = config.early_stopping_patience
    return Explanation(
        _("Early stopping: keep the best epoch"),
        _("After each epoch the loss on the held-out validation images is checked. When it has "
          "not improved for **{patience}** epoch(s) in a row, training stops and the weights of "
          "the best epoch (the lowest validation loss, marked on the chart) are put back: the "
          "network had started to learn its training images by heart instead of digits in "
          "general.", patience=patience),
        (r"e_{" + _words(_("stop")) + "}"
         rf" = \min\,\{{\, e : e - \arg\min_{{e' \le e}} "
         rf"L_{{\text{{val}}}}(e') \ge {patience} \,\}}",),
    )


def for_training(config: TrainConfig, num_train_images: int) -> list[Explanation]:
    """The basics for every run, then a section for each option after the tutorials that is on."""
    items = [forward_pass(config), softmax_argmax(config), losses(config), update_rule(config),
             epochs_and_batches(config, num_train_images)]
    if config.augment != "none":
        items.append(augmentation(config))
    if config.weight_decay:
        items.append(weight_decay(config))
    if config.schedule != "constant" or config.warmup_epochs:
        items.append(learning_rate_schedule(config, num_train_images))
    if config.early_stopping_patience is not None:
        items.append(early_stopping(config))
    return items
