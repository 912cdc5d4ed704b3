"""Weight decay: decoupled, kernels only, and for plain SGD exactly an L2 term in the loss."""

import keras
import numpy as np

from mnist_dash import regularize
from mnist_dash.config import TrainConfig

X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
Y = np.random.default_rng(1).normal(size=(16, 2)).astype(np.float32)
RATE, DECAY = 0.1, 0.05


def dense(seed: int = 3) -> keras.Model:
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        2, kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        bias_initializer=keras.initializers.RandomNormal(seed=seed + 1))])


def one_sgd_step(model: keras.Model, optimizer: keras.optimizers.Optimizer, l2: float = 0.0) -> None:
    import tensorflow as tf

    optimizer.build(model.trainable_variables)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - Y))
        loss += 0.5 * l2 * tf.reduce_sum(tf.square(model.layers[0].kernel))
    optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)


def test_no_decay_adds_nothing_to_the_optimizer():
    assert regularize.optimizer_kwargs(TrainConfig()) == {}
    assert regularize.optimizer_kwargs(TrainConfig(weight_decay=1e-3)) == {"weight_decay": 1e-3}


def test_sgd_with_decay_equals_sgd_on_the_loss_plus_the_l2_term():
    config = TrainConfig(weight_decay=DECAY)
    decayed, penalised = dense(), dense()
    optimizer = keras.optimizers.SGD(RATE, **regularize.optimizer_kwargs(config))
    regularize.exclude_biases(optimizer)
    one_sgd_step(decayed, optimizer)
    one_sgd_step(penalised, keras.optimizers.SGD(RATE), l2=DECAY)
    for mine, oracle in zip(decayed.get_weights(), penalised.get_weights(), strict=True):
        np.testing.assert_allclose(mine, oracle, rtol=1e-5, atol=1e-7)


def test_only_kernels_decay():
    model = dense()
    kernel, bias = (w.copy() for w in model.get_weights())
    optimizer = keras.optimizers.Adam(RATE, **regularize.optimizer_kwargs(TrainConfig(weight_decay=DECAY)))
    regularize.exclude_biases(optimizer)
    optimizer.build(model.trainable_variables)
    zeros = [np.zeros_like(w) for w in (kernel, bias)]
    optimizer.apply(zeros, model.trainable_variables)  # no gradient: only the decay moves weights
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel * (1 - RATE * DECAY), rtol=1e-6)
    np.testing.assert_array_equal(new_bias, bias)

