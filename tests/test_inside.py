"""Inside the network: weight images, activations, PCA and the figures, on tiny models."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from mnist_dash import inside, inside_figures
from mnist_dash.config import TrainConfig
from mnist_dash.model import build_model


@pytest.fixture(scope="module")
def two_layer_model():
    return build_model(TrainConfig(hidden_units=(16, 8), dropout=0.2, seed=3))


def dense_params(model):
    return [(np.asarray(layer.kernel), np.asarray(layer.bias)) for layer in inside.dense_layers(model)]


def test_weight_images_are_the_kernel_columns_in_unit_order(two_layer_model):
    weights = inside.first_layer_weights(two_layer_model)
    kernel, _ = dense_params(two_layer_model)[0]
    assert weights.shape == (16, 28, 28)
    for unit in (0, 5, 15):
        np.testing.assert_array_equal(weights[unit], kernel[:, unit].reshape(28, 28))
    # Row-major layout: pixel (row 3, column 7) is input 3 * 28 + 7.
    assert weights[2, 3, 7] == kernel[3 * 28 + 7, 2]


def test_activations_match_a_numpy_forward_pass(two_layer_model, tiny_dataset):
    x = tiny_dataset.x_test[:50]
    (w1, b1), (w2, b2), _ = dense_params(two_layer_model)
    first = np.maximum(x.reshape(50, -1) / 255.0 @ w1 + b1, 0)
    last = np.maximum(first @ w2 + b2, 0)  # dropout does nothing at inference
    np.testing.assert_allclose(inside.first_hidden_activations(two_layer_model, x), first, atol=1e-5)
    np.testing.assert_allclose(inside.hidden_activations(two_layer_model, x), last, atol=1e-5)


def test_activations_are_batched_without_changing_them(two_layer_model, tiny_dataset, monkeypatch):
    x = tiny_dataset.x_test[:30]
    whole = inside.hidden_activations(two_layer_model, x)
    monkeypatch.setattr(inside, "BATCH_SIZE", 7)
    np.testing.assert_allclose(inside.hidden_activations(two_layer_model, x), whole, atol=1e-6)


def test_probabilities_match_keras_predict(two_layer_model, tiny_dataset):
    x = tiny_dataset.x_test[:20]
    expected = two_layer_model.predict(x, verbose=0)
    got = inside.predict_probabilities(two_layer_model, TrainConfig(), x)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(got.sum(axis=1), 1, atol=1e-5)


def test_a_model_without_a_hidden_layer_is_refused():
    import keras

    inputs = keras.Input(shape=(784,))
    model = keras.Model(inputs, keras.layers.Dense(10)(inputs))
    with pytest.raises(ValueError, match="hidden Dense layer"):
        inside.first_layer_weights(model)


def test_top_activating_is_largest_first_with_stable_ties():
    values = np.array([0.5, 3.0, -1.0, 3.0, 2.0, 0.0])
    np.testing.assert_array_equal(inside.top_activating(values, 4), [1, 3, 4, 0])
    assert len(inside.top_activating(values, 100)) == 6
    assert len(inside.top_activating(values, 0)) == 0
    with pytest.raises(ValueError):
        inside.top_activating(values, -1)


def test_top_activating_all_is_the_per_unit_answer():
    activations = np.random.default_rng(1).normal(size=(200, 6))
    top = inside.top_activating_all(activations, 5)
    assert top.shape == (6, 5)
    for unit in range(6):
        np.testing.assert_array_equal(top[unit], inside.top_activating(activations[:, unit], 5))


def test_top_activating_agrees_with_a_full_sort_when_ties_cross_the_cut():
    """The partition shortcut must keep a full stable sort's answer: ties at the k-th value
    (ReLU zeros, a dead unit) keep the lower indices."""
    rng = np.random.default_rng(2)
    activations = np.maximum(np.round(rng.normal(size=(300, 5)), 1), 0)
    activations[:, 3] = 0.0  # a dead unit: every value ties
    for k in (1, 7, 12, 299, 300):
        expected = np.stack([np.argsort(-column, kind="stable")[:k] for column in activations.T])
        np.testing.assert_array_equal(inside.top_activating_all(activations, k), expected)


def correlated_data(rows: int = 500, columns: int = 40) -> np.ndarray:
    rng = np.random.default_rng(7)
    scales = np.linspace(10, 0.5, columns)  # a clear gap between the leading directions
    rotation, _ = np.linalg.qr(rng.normal(size=(columns, columns)))
    return (rng.normal(size=(rows, columns)) * scales) @ rotation + 5.0


def test_pca_matches_a_full_numpy_svd_up_to_sign():
    x = correlated_data()
    centred = x - x.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    oracle = centred @ components[:2].T
    points = inside.pca_2d(x, seed=0)
    assert points.shape == (500, 2)
    for axis in range(2):
        sign = np.sign(points[:, axis] @ oracle[:, axis])
        np.testing.assert_allclose(points[:, axis], sign * oracle[:, axis], atol=1e-4 * np.abs(oracle).max())


def test_pca_is_deterministic_for_a_seed_and_centred():
    x = correlated_data()
    np.testing.assert_array_equal(inside.pca_2d(x, seed=4), inside.pca_2d(x, seed=4))
    np.testing.assert_allclose(inside.pca_2d(x, seed=4).mean(axis=0), 0, atol=1e-9)
    # Signs are fixed by the loadings, so another seed draws the same map.
    extent = np.abs(inside.pca_2d(x, seed=4)).max()
    np.testing.assert_allclose(inside.pca_2d(x, seed=4), inside.pca_2d(x, seed=5), atol=1e-4 * extent)


def test_pca_accepts_images_and_refuses_one_row():
    images = np.random.default_rng(0).integers(0, 255, size=(30, 28, 28), dtype=np.uint8)
    assert inside.pca_2d(images, seed=0).shape == (30, 2)
    with pytest.raises(ValueError, match="at least 2 rows"):
        inside.pca_2d(images[:1], seed=0)


def test_summarize_run_shapes(two_layer_model, tiny_dataset):
    pixels = inside.map_pixels(tiny_dataset.x_test, tiny_dataset.y_test, sample_size=60, seed=1)
    result = inside.summarize_run(two_layer_model, tiny_dataset.x_test, pixels, top_k=5, seed=1)
    assert result.weights.shape == (16, 28, 28)
    assert result.top_indices.shape == result.top_values.shape == (16, 5)
    assert np.all(np.diff(result.top_values, axis=1) <= 0)
    assert len(result.sample) == 60 and len(set(result.sample)) == 60
    assert result.hidden_map.shape == result.pixel_map.shape == (60, 2)
    assert result.sample is pixels.sample and result.pixel_map is pixels.points  # shared, not copied
    assert set(result.seconds) and all(s >= 0 for s in result.seconds.values())


def png_pixels(source: str) -> np.ndarray:
    assert source.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("RGBA"))


def test_weight_grid_figure_tiles_each_unit_with_its_number():
    weights = np.random.default_rng(0).normal(size=(10, 28, 28)) * 0.1
    weights[1, 5, 6], weights[1, 7, 8], weights[1, 9, 10] = 2.0, -1.0, 0.0
    fig = inside_figures.weight_grid_figure(weights, num_columns=4, first_unit=64)
    image = fig.data[0]
    assert isinstance(image, go.Image) and image.hoverinfo == "skip"
    pixels = png_pixels(image.source)
    assert pixels.shape == (3 * 29 - 1, 4 * 29 - 1, 4)
    assert [a.text for a in fig.layout.annotations] == [str(64 + i) for i in range(10)]
    # Unit 1 is the second tile; scaled by its own largest |weight| (2.0): purple at +1, half-way
    # from white to orange at -0.5, white at 0 (within one step of the 255-colour palette).
    tile = pixels[:28, 29:57].astype(int)
    assert tile[5, 6].tolist() == [0x54, 0x27, 0x88, 255]
    np.testing.assert_allclose(tile[7, 8], [(255 + 0xB3) / 2, (255 + 0x58) / 2, (255 + 0x06) / 2, 255],
                               atol=1)
    np.testing.assert_allclose(tile[9, 10], [255, 255, 255, 255], atol=1)
    assert pixels[28, 0, 3] == 0  # the gap between rows of tiles is transparent
    colour_bar = fig.data[1].marker
    assert colour_bar.showscale and (colour_bar.cmin, colour_bar.cmax) == (-1, 1)


def test_scale_colors_follows_the_colorscale():
    scale = [[0.0, "#000000"], [0.25, "#FF0000"], [1.0, "#FFFFFF"]]
    rgb = inside_figures.scale_colors(np.array([[0.0, 0.125, 0.25, 1.0]]), scale)
    assert rgb[0].tolist() == [[0, 0, 0], [128, 0, 0], [255, 0, 0], [255, 255, 255]]


def test_palette_png_is_one_byte_a_pixel_with_nan_transparent():
    values = np.array([[0.0, 0.5, 1.0, np.nan]])
    source = inside_figures.palette_png_source(values, [[0.0, "#000000"], [1.0, "#FFFFFF"]])
    image = Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1])))
    assert image.mode == "P"
    assert png_pixels(source)[0].tolist() == [[0, 0, 0, 255], [128, 128, 128, 255],
                                             [255, 255, 255, 255], [255, 255, 255, 0]]


def test_unit_weights_figure_is_centred_on_zero():
    weights = np.zeros((28, 28))
    weights[3, 4] = -2.0
    heatmap = inside_figures.unit_weights_figure(weights, 7).data[0]
    assert (heatmap.zmin, heatmap.zmax, heatmap.zmid) == (-2.0, 2.0, 0)


def test_embedding_figure_one_legend_entry_per_class_and_crosses_for_mistakes():
    labels = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    points = np.arange(12, dtype=float).reshape(6, 2)
    fig = inside_figures.embedding_figure(points, labels, predicted, np.arange(100, 106),
                                          ["zero", "one", "two"], "map")
    assert all(isinstance(trace, go.Scattergl) for trace in fig.data[:-1])  # WebGL: fast to draw
    in_legend = [trace for trace in fig.data if trace.showlegend is not False]
    assert [trace.name for trace in in_legend] == ["zero", "one", "two", "✗ misclassified"]
    # A class's legend mark is a dot even when its first point is a mistake (class "two" here
    # once showed the cross that means "misclassified").
    assert [trace.marker.symbol for trace in in_legend[:3]] == ["circle"] * 3
    crosses = {trace.name: list(trace.x) for trace in fig.data
               if trace.marker.symbol == "x" and trace.showlegend is False}
    assert crosses == {"zero": [2.0], "one": [], "two": [8.0]}
    wrong_zero = next(trace for trace in fig.data if trace.name == "zero" and trace.marker.symbol == "x")
    assert "test image #101" in wrong_zero.text[0] and "predicted one" in wrong_zero.text[0]
    assert len(set(inside_figures.CLASS_COLORS)) == 10


def test_embedding_figure_legend_has_the_figures_foot_to_itself():
    """In container coordinates plotly keeps the legend's strip free of the axis title and ticks
    (placed under the plot by hand, it covered them at 150% zoom); its title on top, not beside."""
    fig = inside_figures.embedding_figure(np.zeros((2, 2)), np.array([0, 1]), np.array([0, 0]),
                                          np.arange(2), ["zero", "one"], "map")
    legend = fig.layout.legend
    assert (legend.orientation, legend.xref, legend.x, legend.yref, legend.y, legend.yanchor) == (
        "h", "container", 0, "container", 0, "bottom")
    assert legend.title.side == "top"


def test_class_accuracy_figure_has_one_row_per_class_and_one_column_per_epoch():
    from mnist_dash import inside_figures
    from mnist_dash.vocabulary import EpochRecord

    classes = tuple(k / 10 for k in range(10))
    history = [EpochRecord(epoch=e, step=e, seconds=1.0, loss=1.0, accuracy=0.5, class_accuracy=classes)
               for e in (1, 2, 3)]
    history.append(EpochRecord(epoch=4, step=4, seconds=1.0, loss=1.0, accuracy=0.5, partial=True))
    fig = inside_figures.class_accuracy_figure(history, [str(k) for k in range(10)])
    z = np.asarray(fig.data[0].z)
    assert z.shape == (10, 3) and z[7, 2] == 0.7
    assert list(fig.data[0].x) == [1, 2, 3]


def test_pca_runs_on_one_blas_thread(monkeypatch) -> None:
    """OpenBLAS threads spin-wait for cores the training threads hold: one thread is 10x faster then."""
    from threadpoolctl import threadpool_info

    seen, real_qr = [], np.linalg.qr

    def qr(a):
        seen.append(max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"))
        return real_qr(a)

    monkeypatch.setattr(np.linalg, "qr", qr)
    inside.pca_2d(np.random.default_rng(0).standard_normal((50, 30)), seed=0)
    assert seen and set(seen) == {1}
