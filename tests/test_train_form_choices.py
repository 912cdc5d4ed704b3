"""Every preset can be shown on the Train form as it is: no slider rounds one of its values."""

import pytest

from mnist_dash.presets import PRESETS
from mnist_dash.ui import train_form


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_fits_the_form_choices(name):
    config = PRESETS[name].config
    assert set(config.hidden_units) <= set(train_form.UNIT_CHOICES), config.hidden_units
    assert config.learning_rate in train_form.RATE_CHOICES
    assert config.batch_size in train_form.BATCH_CHOICES
