"""TrainConfig validation and the layer arithmetic shown before training."""

import dataclasses

import pytest

from mnist_dash import architecture
from mnist_dash.config import MAX_PARAMETERS, TrainConfig
from mnist_dash.presets import PRESETS, get_preset

LESSON_FIELDS = ("augment", "augment_strength", "weight_decay", "schedule", "warmup_epochs",
                 "early_stopping_patience")


def test_defaults_are_the_keras_book_network():
    config = TrainConfig()
    assert config.hidden_units == (512,)
    assert config.parameter_count == 784 * 512 + 512 + 512 * 10 + 10


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hidden_units": ()}, "hidden_units"),
        ({"hidden_units": (64,) * 5}, "hidden_units"),
        ({"hidden_units": (0,)}, "hidden_units"),
        ({"hidden_units": (4096,)}, "hidden_units"),
        ({"activation": "swish"}, "activation"),
        ({"output_activation": "tanh"}, "output_activation"),
        ({"loss": "hinge"}, "loss"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"learning_rate": 100.0}, "learning_rate"),
        ({"learning_rate": "0.1"}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 12.5}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 101}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"dropout": 0.95}, "dropout"),
        ({"validation_split": 0.9}, "validation_split"),
        ({"seed": -1}, "seed"),
        ({"train_size": 10}, "train_size"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"dataset": "cifar10"}, "dataset"),
        ({"augment": "rotate"}, "augment"),
        ({"augment_strength": 0.0}, "augment_strength"),
        ({"augment_strength": 2.5}, "augment_strength"),
        ({"weight_decay": -0.01}, "weight_decay"),
        ({"weight_decay": 0.5}, "weight_decay"),
        ({"schedule": "exponential"}, "schedule"),
        ({"warmup_epochs": -1}, "warmup_epochs"),
        ({"warmup_epochs": 5, "epochs": 5}, "warmup_epochs"),
        ({"warmup_epochs": 1.5}, "warmup_epochs"),
        ({"early_stopping_patience": 0}, "early_stopping_patience"),
        ({"early_stopping_patience": 21}, "early_stopping_patience"),
        ({"early_stopping_patience": True}, "early_stopping_patience"),
        ({"early_stopping_patience": 3, "validation_split": 0.0}, "early_stopping_patience"),
    ],
)
def test_out_of_range_values_name_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**changes)


def test_too_large_model_is_refused_with_the_limit():
    with pytest.raises(ValueError, match=f"{MAX_PARAMETERS:,}"):
        TrainConfig(hidden_units=(2048, 2048, 2048))
    assert TrainConfig(hidden_units=(1024, 1024)).parameter_count < MAX_PARAMETERS


def test_dict_round_trip_and_unknown_fields():
    config = TrainConfig(hidden_units=(256, 128), optimizer="adam", train_size=1000)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown configuration field"):
        TrainConfig.from_dict({**config.to_dict(), "layers": 3})


def test_a_config_saved_before_the_lessons_options_loads_with_them_off():
    saved = {key: value for key, value in TrainConfig(optimizer="adam").to_dict().items()
             if key not in LESSON_FIELDS}
    loaded = TrainConfig.from_dict(saved)
    assert loaded == TrainConfig(optimizer="adam")
    assert (loaded.augment, loaded.weight_decay, loaded.schedule, loaded.warmup_epochs,
            loaded.early_stopping_patience) == ("none", 0.0, "constant", 0, None)


def test_lessons_options_round_trip_and_show_in_the_summary():
    config = TrainConfig(augment="elastic", augment_strength=0.5, weight_decay=1e-4, schedule="cosine",
                         warmup_epochs=1, early_stopping_patience=3)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert config.summary().endswith(
        ", elastic augmentation x0.5, weight decay 0.0001, cosine schedule, 1 warm-up epoch, "
        "early stopping (patience 3)")
    assert TrainConfig().summary().endswith("5 epochs")


def test_messages_say_what_to_do():
    with pytest.raises(ValueError, match="leave it unset"):
        TrainConfig(early_stopping_patience=0)
    with pytest.raises(ValueError, match="from 0 to 2, fewer than the 3 epoch"):
        TrainConfig(epochs=3, warmup_epochs=3)


def test_layer_arithmetic_and_parameter_counts():
    config = TrainConfig(hidden_units=(256, 128))
    infos = architecture.layer_infos(config)
    assert [i.shape_arithmetic for i in infos] == [
        "[b,784] @ [784,256] + [256] -> [b,256]",
        "[b,256] @ [256,128] + [128] -> [b,128]",
        "[b,128] @ [128,10] + [10] -> [b,10]",
    ]
    assert sum(i.parameters for i in infos) == 784 * 256 + 256 + 256 * 128 + 128 + 1290
    assert config.parameter_count == sum(i.parameters for i in infos)
    assert architecture.training_flops_per_sample(config) == 6 * (784 * 256 + 256 * 128 + 1280)


def test_steps_per_epoch_counts_the_keras_book_updates():
    config = get_preset("keras-book").config
    assert architecture.steps_per_epoch(config, 60000) == 469
    held_out = TrainConfig(validation_split=0.1, batch_size=100)
    assert architecture.steps_per_epoch(held_out, 60000) == 540


def test_every_preset_is_valid_and_unknown_preset_is_refused():
    for preset in PRESETS.values():
        assert dataclasses.replace(preset.config) == preset.config
        assert preset.description and preset.source and preset.reported
    with pytest.raises(ValueError, match="keras-book"):
        get_preset("nope")


def test_lecun_table_presets_carry_the_tables_figures():
    reported = {name: PRESETS[name].reported_test_accuracy
                for name in ("lecun-300-mse", "lecun-500-150", "simard-800", "simard-800-affine")}
    assert reported == {"lecun-300-mse": 0.953, "lecun-500-150": 0.9705, "simard-800": 0.984,
                        "simard-800-affine": 0.989}
    assert "Simard et al., ICDAR 2003" in PRESETS["simard-800"].source
    assert "LeCun et al. 1998" in PRESETS["lecun-500-150"].source
    plain, distorted = PRESETS["simard-800"].config, PRESETS["simard-800-affine"].config
    # The lesson: the same network and recipe, with distortions (and the epochs they need).
    assert distorted == plain.replace(augment="affine", epochs=distorted.epochs)
