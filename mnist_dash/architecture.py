"""The MLP's layers as arithmetic a learner can follow, without importing TensorFlow."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from mnist_dash.config import TrainConfig

INPUT_SIZE = 784
NUM_CLASSES = 10


@dataclass(frozen=True)
class LayerInfo:
    """One dense layer: its shapes, its parameter count and the formula it computes."""

    name: str
    inputs: int
    units: int
    activation: str

    @property
    def weights(self) -> int:
        return self.inputs * self.units

    @property
    def parameters(self) -> int:
        return self.weights + self.units

    @property
    def shape_arithmetic(self) -> str:
        """The matrix product the tutorials write, e.g. '[b,784] @ [784,256] + [256] -> [b,256]'."""
        return (
            f"[b,{self.inputs}] @ [{self.inputs},{self.units}] + [{self.units}] "
            f"-> [b,{self.units}]"
        )


def layer_infos(config: TrainConfig) -> list[LayerInfo]:
    sizes = (INPUT_SIZE, *config.hidden_units, NUM_CLASSES)
    infos = []
    for index, (inputs, units) in enumerate(itertools.pairwise(sizes)):
        is_output = index == len(sizes) - 2
        infos.append(
            LayerInfo(
                name="output" if is_output else f"hidden_{index + 1}",
                inputs=inputs,
                units=units,
                activation=config.output_activation if is_output else config.activation,
            )
        )
    return infos


def summary_rows(config: TrainConfig) -> list[dict[str, object]]:
    """Rows for a table: the input step, then each dense layer."""
    rows: list[dict[str, object]] = [
        {
            "layer": "input",
            "computes": "[b,28,28] uint8 -> flatten, "
            + ("/255" if config.preprocessing == "scale" else "standardize")
            + " -> [b,784]",
            "activation": "",
            "parameters": 0,
        }
    ]
    for info in layer_infos(config):
        rows.append(
            {
                "layer": info.name,
                "computes": info.shape_arithmetic,
                "activation": info.activation,
                "parameters": info.parameters,
            }
        )
    return rows


def training_flops_per_sample(config: TrainConfig) -> int:
    """Multiply-adds of the dense layers, x2 for FLOPs, x3 for forward plus backward."""
    return 3 * 2 * sum(info.weights for info in layer_infos(config))


def steps_per_epoch(config: TrainConfig, num_train_images: int) -> int:
    """Gradient steps in one epoch, after holding out the validation images."""
    fit_images = num_train_images - validation_count(config, num_train_images)
    return -(-fit_images // config.batch_size)


def validation_count(config: TrainConfig, num_train_images: int) -> int:
    return int(num_train_images * config.validation_split)


def train_image_count(config: TrainConfig, available: int) -> int:
    return min(available, config.train_size) if config.train_size else available
