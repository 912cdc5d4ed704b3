"""The browser helpers read the app's own wording: status lines from STATE_WORDS, progress_text's numbers."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from mnist_dash.progress import STATE_WORDS, ProgressSnapshot, progress_text
from mnist_dash.vocabulary import JobState
from tests.e2e import drive


def _snapshot(step: int, steps_per_epoch: int = 79, num_epochs: int = 5) -> ProgressSnapshot:
    return ProgressSnapshot(epoch=step // steps_per_epoch, num_epochs=num_epochs,
                            batch=step % steps_per_epoch, steps_per_epoch=steps_per_epoch, step=step,
                            elapsed_seconds=3.1, eta_seconds=9.0, samples_per_second=20_000.0)


@pytest.mark.parametrize("step", [1, 17, 79, 80, 2 * 79 + 17, 5 * 79])
def test_progress_steps_reads_progress_text_back(step: int) -> None:
    assert drive.progress_steps(progress_text(_snapshot(step))) == step


def test_no_progress_before_the_first_batch_ends() -> None:
    text = progress_text(_snapshot(0))
    assert drive.progress_steps(text) == 0
    assert int(drive.PROGRESS.search(text).group(3)) == 0  # what FIRST_BATCH_JS waits to change


def test_status_pattern_matches_the_live_panel_line_of_each_state() -> None:
    summary = "784-16-10 relu/softmax, rmsprop lr=0.001, batch 16, 5 epochs"
    for state in JobState:
        line = f"{STATE_WORDS[state]} · {summary}"
        assert drive.STATUS_LINE.match(line), line
        assert drive.state_of(line) == state
        assert drive.status_pattern(state, then="784-16-10 ").match(line)
        others = [other for other in JobState if other != state]
        assert not drive.status_pattern(*others).match(line), line
    assert not drive.STATUS_LINE.match("Stopped on request.")
    queued = f"{STATE_WORDS[JobState.QUEUED]}: you are number 2 in line."
    assert drive.status_pattern(JobState.QUEUED, JobState.RUNNING).match(queued)
    assert drive.state_of(queued) == JobState.QUEUED
    assert drive.state_of("The server is busy: 3 jobs are already waiting.") is None
    assert drive.status_pattern(*drive.ENDED).match(f"{STATE_WORDS[JobState.DIVERGED]} · {summary}")


def test_progress_and_status_read_back_in_chinese() -> None:
    from mnist_dash import i18n

    with i18n.language("zh-CN"):
        text = progress_text(_snapshot(2 * 79 + 17))
        line = f"{i18n._(STATE_WORDS[JobState.RUNNING])} · 784-16-10 relu/softmax"
    assert drive.progress_steps(text, "zh-CN") == 2 * 79 + 17
    assert drive.progress_steps(text) is None  # the English pattern does not read Chinese
    assert drive.state_of(line) is None and drive.status_pattern(JobState.RUNNING, lang="zh-CN").match(line)
