"""The live panel re-sends its charts' data only every CHART_SECONDS, or when an epoch ends."""

from __future__ import annotations

from mnist_dash.progress import ProgressSnapshot
from mnist_dash.ui import live
from mnist_dash.vocabulary import EpochRecord


def _progress(step: int, epochs: int = 0) -> ProgressSnapshot:
    records = tuple(EpochRecord(epoch=k, step=10 * k, seconds=1.0, loss=1.0, accuracy=0.5)
                    for k in range(1, epochs + 1))
    return ProgressSnapshot(epoch=epochs, num_epochs=5, batch=step % 10, steps_per_epoch=10, step=step,
                            elapsed_seconds=1.0, eta_seconds=None, samples_per_second=None,
                            epochs=records)


def test_charts_keep_their_points_between_refreshes(monkeypatch) -> None:
    clock = iter([100.0, 100.5, 101.0, 102.1, 102.2, 102.3])
    monkeypatch.setattr(live.time, "monotonic", lambda: next(clock))
    first = _progress(3)
    assert live.chart_progress("job-a", first, active=True) is first
    assert live.chart_progress("job-a", _progress(5), active=True) is first  # 0.5 s later: same figure
    assert live.chart_progress("job-b", _progress(1), active=True).step == 1  # another job: its own
    due = _progress(9)
    assert live.chart_progress("job-a", due, active=True) is due  # 2.1 s later: new points
    epoch_ended = _progress(11, epochs=1)
    assert live.chart_progress("job-a", epoch_ended, active=True) is epoch_ended  # a new epoch dot
    ended = _progress(12, epochs=1)
    assert live.chart_progress("job-a", ended, active=False) is ended  # the final state, at once
