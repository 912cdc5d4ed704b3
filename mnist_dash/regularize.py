"""Weight decay for the optimizer: decoupled decay of the kernels (AdamW for Adam), and why.

Decision: decoupled weight decay, through the `weight_decay` argument every Keras optimizer takes,
on the kernels only (biases excluded), rather than an L2 term added to the loss
(`kernel_regularizer`). After each update the optimizer shrinks every kernel weight:
    w <- w - learning_rate * weight_decay * w
Why:
- For plain SGD this is exactly L2 regularization with the term (weight_decay / 2) * sum(w^2)
  added to the loss, so the L2 formula Explain shows is the truth there.
- For Adam and RMSprop it is what works: an L2 term's gradient is divided by each weight's
  running gradient size, so the weights with the largest gradients are barely held back.
  Decoupling the decay from that scaling (Loshchilov & Hutter, "Decoupled Weight Decay
  Regularization", ICLR 2019) is AdamW, the usual way to train with Adam.
- The loss stays the loss: curves of runs with and without decay compare directly, and the
  divergence and overfitting checks read the same number. An L2 term would also have to be added
  by hand to the app's own train step, which reads only the data loss.
- It is one optimizer argument: saved in the optimizer's config and written the same way by the
  exported plain-Keras script. (The bias exclusion is not saved: only training uses it.)
Keras multiplies the decay by the current learning rate, so it follows the schedule too.
"""

from __future__ import annotations

from typing import Any

from mnist_dash.config import TrainConfig

# Keras names each Dense layer's bias variable "bias" and its weight matrix "kernel".
NOT_DECAYED = ("bias",)


def optimizer_kwargs(config: TrainConfig) -> dict[str, float]:
    """Extra keyword arguments for the Keras optimizer: {} when the run has no weight decay."""
    return {"weight_decay": config.weight_decay} if config.weight_decay > 0 else {}


def exclude_biases(optimizer: Any) -> None:
    """Decay kernels only, as the L2 formula does (Keras asks for this before the optimizer is built)."""
    optimizer.exclude_from_weight_decay(var_names=list(NOT_DECAYED))
