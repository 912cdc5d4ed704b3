"""Plain-language findings from a training history, each with one next experiment to try."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from mnist_dash.config import MAX_EPOCHS, TrainConfig
from mnist_dash.i18n import _, join_sentences, ngettext, number, percent
from mnist_dash.vocabulary import EpochRecord, JobState, completed_epochs

FLAT_DROP = 0.10  # less than a 10% fall of the training loss counts as barely learning
SLOW_ACCURACY = 0.85  # a finished MNIST run below this training accuracy learned slowly
IMPROVING = 0.01  # the last epoch still improved by more than 1%
OVERFIT_RISE = 0.02  # validation loss 2% above its best while training loss falls
FEW_UPDATES = 500  # fewer weight updates than this: train longer before touching the step size
# A learning rate 10x under the usual one for its optimizer counts as small.
TYPICAL_RATE = {"sgd": 0.01, "momentum": 0.01, "rmsprop": 0.001, "adam": 0.001}
# Weight decay to suggest against overfitting: the decay is multiplied by the learning rate
# (regularize.py), so SGD's usual L2 of 5e-4 and AdamW's usual 0.004 for rates 10x apart.
SUGGESTED_DECAY = {"sgd": 5e-4, "momentum": 5e-4, "rmsprop": 0.004, "adam": 0.004}
EARLY_BATCHES = 50  # an unstable start shows in the first updates...
EARLY_JUMP = 1.5  # ...as a batch loss 1.5x above where training began


@dataclass(frozen=True)
class Finding:
    """One thing the history shows, and what to try next (in the language current when made)."""

    kind: str  # diverged, too_little_training, barely_learning, unstable_start, overfitting,
    # still_improving, healthy
    title: str
    explanation: str
    suggestion: str = ""
    changes: dict[str, Any] = field(default_factory=dict)  # TrainConfig fields to change

    def suggested_config(self, config: TrainConfig) -> TrainConfig | None:
        return config.replace(**self.changes) if self.changes else None


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _diverged(config: TrainConfig, losses: list[float], state: JobState) -> Finding | None:
    if state != JobState.DIVERGED and all(math.isfinite(v) for v in losses):
        return None
    rate = max(config.learning_rate / 10, 1e-6)
    return Finding(
        "diverged", _("Diverged"),
        _("The loss became NaN or exploded: each step overshot, so the weights grew without bound. "
          "The learning rate is too high for this network and loss."),
        _("Try a learning rate of {rate} (10x smaller).", rate=format(rate, "g")), {"learning_rate": rate},
    )


def epochs_text(count: int) -> str:
    """'1 epoch', '3 epochs' in the current language."""
    return ngettext("{n} epoch", "{n} epochs", count)


def _updates(config: TrainConfig, epochs: list[EpochRecord], state: JobState) -> int | None:
    """Optimizer updates in all: done, for an ended run; planned, while it trains (None before
    any epoch ended)."""
    if not epochs:
        return None
    return epochs[0].step * config.epochs if state.active else epochs[-1].step


def _rate_is_small(config: TrainConfig) -> bool:
    return config.learning_rate < TYPICAL_RATE[config.optimizer] / 10


def _too_few_updates(config: TrainConfig, epochs: list[EpochRecord], what: str) -> Finding:
    """Few updates, not the step size, is what holds the run back: train longer first."""
    updates = epochs[-1].step if epochs else 0
    done = max(1, completed_epochs(epochs))
    per_epoch = max(1, updates // done)
    more = min(MAX_EPOCHS, max(config.epochs + 1, math.ceil(FEW_UPDATES / per_epoch)))
    seen = _("each image was seen once") if done == 1 else ngettext(
        "each image was seen {n} time", "each image was seen {n} times", done)
    return Finding(
        "too_little_training", _("Too little training"),
        _("{what} It made only {updates} of the weights ({epochs} of {batches}): {seen}. That is "
          "too few steps to learn, whatever their size.", what=what,
          updates=ngettext("{n} update", "{n} updates", updates), epochs=epochs_text(done),
          batches=ngettext("{n} batch", "{n} batches", per_epoch), seen=seen),
        _("Try {epochs} ({updates} updates), or more training images.", epochs=epochs_text(more),
          updates=number(more * per_epoch)),
        {"epochs": more},
    )


def _barely_learning(config: TrainConfig, losses: list[float], epochs: list[EpochRecord],
                     state: JobState) -> Finding | None:
    """A flat, slow or short run: blame, in this order, too few updates, the loss, then the step size.

    A finished run with too few updates is short even when its accuracy looks fine (79 updates
    reach 88%): it has not levelled off, and more updates, not another step size, is the lesson.
    """
    if len(losses) < 20:
        return None
    window = max(3, len(losses) // 10)
    first, last = _mean(losses[:window]), _mean(losses[-window:])
    flat = first > 0 and (first - last) / first < FLAT_DROP
    accuracy = epochs[-1].accuracy if epochs else None
    updates = _updates(config, epochs, state)
    few = updates is not None and updates < FEW_UPDATES
    slow = state == JobState.COMPLETED and accuracy is not None and (accuracy < SLOW_ACCURACY or few)
    if not (flat or slow):
        return None
    if flat:
        title, factor = _("Barely learning"), 10
        what = _("The training loss fell only from {first} to {last}.", first=format(first, ".3g"),
                 last=format(last, ".3g"))
    else:
        title, factor = _("Learning slowly"), 3
        what = _("After {epochs} it gets only {accuracy} of the training images right.",
                 epochs=epochs_text(completed_epochs(epochs)), accuracy=percent(accuracy, 0))
    if few and not (flat and _rate_is_small(config)):
        return _too_few_updates(config, epochs, what)
    if config.loss == "mse" and config.optimizer == "sgd":
        return Finding(
            "barely_learning", title,
            _("{what} MSE on one-hot labels gives small gradients, and plain SGD takes small "
              "steps with them.", what=what),
            _("Try cross-entropy with a softmax output, which learns much faster here."),
            {"loss": "crossentropy", "output_activation": "softmax"},
        )
    rate = min(config.learning_rate * factor, 10.0)
    return Finding(
        "barely_learning", title, _("{what} The steps are too small.", what=what),
        _("Try a learning rate of {rate} ({factor}x larger).", rate=format(rate, "g"), factor=factor),
        {"learning_rate": rate},
    )


def _overfitting(config: TrainConfig, epochs: list[EpochRecord]) -> Finding | None:
    val = [e.val_loss for e in epochs if not e.partial]
    train = [e.loss for e in epochs if not e.partial]
    if len(val) < 3 or None in val:
        return None
    best = min(range(len(val)), key=val.__getitem__)
    if best == len(val) - 1 or val[-1] < val[best] * (1 + OVERFIT_RISE) or train[-1] >= train[best]:
        return None
    changes, suggestion = _against_overfitting(config, epochs[-1])
    return Finding(
        "overfitting", _("Overfitting after epoch {epoch}", epoch=best + 1),
        _("Validation loss was lowest after epoch {epoch} ({best}) and rose to {last} while the "
          "training loss kept falling: the network memorises the training images instead of "
          "learning what generalises.", epoch=best + 1, best=format(val[best], ".3g"),
          last=format(val[-1], ".3g")),
        suggestion, changes,
    )


def _against_overfitting(config: TrainConfig, last: EpochRecord) -> tuple[dict[str, Any], str]:
    """The next remedy the run has not tried: augmentation, then weight decay, then dropout."""
    gap = (_("It gets {train} of the training images right but {validation} of the validation "
             "images.", train=percent(last.accuracy, 1), validation=percent(last.val_accuracy, 1))
           if last.val_accuracy is not None else "")
    if config.augment == "none":
        return {"augment": "shift"}, join_sentences(filter(None, (gap, _(
            "Try data augmentation: shifting each training image by up to 2 pixels shows the "
            "network new images every epoch, so it cannot memorise them."))))
    if config.weight_decay == 0:
        decay = SUGGESTED_DECAY[config.optimizer]
        return {"weight_decay": decay}, join_sentences(filter(None, (gap, _(
            "Try weight decay {decay}: it keeps the weights small, so the network cannot fit every "
            "training image exactly.", decay=format(decay, "g")))))
    if config.dropout == 0:
        return {"dropout": 0.2}, join_sentences(filter(None, (gap, _("Try dropout 0.2."))))
    return {}, gap


def _unstable_start(config: TrainConfig, losses: list[float]) -> Finding | None:
    """The first updates overshoot (the loss jumps up before it falls): warm-up tames them."""
    if config.warmup_epochs or len(losses) < EARLY_BATCHES:
        return None
    start, peak = losses[0], max(losses[1:EARLY_BATCHES])
    if not (start > 0 and peak > EARLY_JUMP * start):
        return None
    return Finding(
        "unstable_start", _("Unstable start"),
        _("In its first {batches} batches the loss jumped from {start} to {peak} before it fell: "
          "the first steps were too large for the random starting weights.",
          batches=EARLY_BATCHES, start=format(start, ".3g"), peak=format(peak, ".3g")),
        _("Try 1 epoch of warm-up: the learning rate grows from almost 0 to {rate} during the "
          "first epoch, then follows its schedule.", rate=format(config.learning_rate, "g")),
        {"warmup_epochs": 1},
    )


def _still_improving(config: TrainConfig, epochs: list[EpochRecord]) -> Finding | None:
    validation = all(e.val_loss is not None for e in epochs)
    values = [e.metric("loss", validation) for e in epochs if not e.partial]
    if len(values) < 2 or values[-2] <= 0:
        return None
    gain = (values[-2] - values[-1]) / values[-2]
    if gain <= IMPROVING or config.epochs >= MAX_EPOCHS:
        return None
    more = min(config.epochs * 2, MAX_EPOCHS)
    explanation = (
        _("The validation loss still fell by {gain} in the last epoch: more epochs would help.",
          gain=percent(gain, 1)) if validation else
        _("The training loss still fell by {gain} in the last epoch: more epochs would help.",
          gain=percent(gain, 1)))
    return Finding("still_improving", _("Still improving"), explanation,
                   _("Try {epochs}.", epochs=epochs_text(more)), {"epochs": more})


def diagnose(config: TrainConfig, epochs: list[EpochRecord], batch_losses: list[float],
             state: JobState = JobState.COMPLETED) -> list[Finding]:
    """Findings for a run, most urgent first; 'healthy' when nothing stands out."""
    diverged = _diverged(config, list(batch_losses), state)
    if diverged:
        return [diverged]
    findings = [
        finding for finding in (
            _barely_learning(config, list(batch_losses), epochs, state),
            _unstable_start(config, list(batch_losses)),
            _overfitting(config, epochs),
            _still_improving(config, epochs),
        ) if finding is not None
    ]
    if findings:
        return findings
    return [Finding("healthy", _("Healthy"),
                    _("The loss fell steadily and levelled off; validation follows training."))]
