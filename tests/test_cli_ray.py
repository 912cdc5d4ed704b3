"""The command line's --backend ray: a real subprocess that starts a private local Ray and trains there."""

import json
import os

import pytest

from tests.test_cli import run_cli


def test_ray_address_without_the_ray_backend_is_a_usage_error(tmp_path):
    result = run_cli("train", "--backend", "threads", "--ray-address", "10.0.0.5:6379",
                     "--runs-dir", str(tmp_path))
    assert result.returncode == 2 and "--ray-address needs --backend ray" in result.stderr


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.usefixtures("real_mnist")  # the Ray worker reads it through MNIST_DASH_DATA
def test_backend_ray_trains_on_a_ray_node_and_says_so(tmp_path):
    pytest.importorskip("ray")
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}  # loopback only
    result = run_cli("train", "--backend", "ray", "--epochs", "1", "--train-size", "2000",
                     "--hidden", "16", "--json", "--runs-dir", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["backend"] == "ray" and summary["state"] == "completed"
    assert summary["node"].startswith("127.0.0.1 (")  # a Ray node's address and id, not "local"
    assert (tmp_path / summary["run_id"] / "model.keras").is_file()
