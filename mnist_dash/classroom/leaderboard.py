"""The leaderboard: each learner's best run for a challenge, ranked, as a pandas DataFrame.

Ranked by the public score while the challenge runs; once it has ended (`revealed`), by the
private score, with how many places each learner moved. The frame keeps the learners' owner ids
in its `owner` column, so the UI can link a row to its learner: draw `shown(frame)`, never the
frame itself, wherever other people can see it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from mnist_dash import i18n
from mnist_dash.classroom.challenges import Submission
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import _

RUNNING_COLUMNS = ("rank", "name", "public", "parameters", "epochs", "seconds", "config",
                   "optimizer", "run_id")
REVEALED_COLUMNS = ("rank", "rank_change", "name", "private", "public", "public_rank",
                    "parameters", "epochs", "seconds", "config", "optimizer", "run_id")
HIDDEN_COLUMNS = ("owner", "config_dict", "submitted")  # never drawn for other people


def standings(submissions: Sequence[Submission], names: Mapping[str, str],
              revealed: bool) -> pd.DataFrame:
    """The best run per learner (by public score; of equal ones the earlier), ranked from 1.

    Columns: RUNNING_COLUMNS (or REVEALED_COLUMNS) then HIDDEN_COLUMNS. `rank_change` is
    positive for a learner who moved up when ranked by the private score.
    """
    columns = list((REVEALED_COLUMNS if revealed else RUNNING_COLUMNS) + HIDDEN_COLUMNS)
    if not submissions:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame([_row(submission) for submission in submissions])
    best = (frame.sort_values(["public", "submitted"], ascending=[False, True], kind="stable")
            .drop_duplicates("owner").reset_index(drop=True))
    best["public_rank"] = range(1, len(best) + 1)
    if revealed:
        best = best.sort_values(["private", "public_rank"], ascending=[False, True],
                                kind="stable").reset_index(drop=True)
        best["rank"] = range(1, len(best) + 1)
        best["rank_change"] = best["public_rank"] - best["rank"]
    else:
        best["rank"] = best["public_rank"]
    unnamed = _("Unnamed learner")
    best["name"] = [names.get(owner, unnamed) for owner in best["owner"]]
    best["config"] = [_summary(config) for config in best["config_dict"]]
    best["optimizer"] = [config["optimizer"] for config in best["config_dict"]]
    return best[columns]


_summaries: dict[tuple, str] = {}  # (language, config items) -> summary


def _summary(config: dict) -> str:
    """The config's one-line summary, made once per config: validating 300 configs per redraw is slow."""
    key = (i18n.current(), *((k, tuple(v) if isinstance(v, list) else v) for k, v in config.items()))
    if key not in _summaries:
        if len(_summaries) > 50_000:
            _summaries.clear()
        _summaries[key] = settings_summary(TrainConfig.from_dict(config))
    return _summaries[key]


def settings_summary(config: TrainConfig) -> str:
    """A config in a class table's few words (in the current language): what tells runs apart.

    Shorter than TrainConfig.summary so the column fits at 1280 px: epochs have their own column,
    and the output layer and loss show only when they are not the usual softmax and cross-entropy.
    """
    shape = "-".join(str(n) for n in (784, *config.hidden_units, 10))
    values = {"shape": shape, "activation": config.activation, "optimizer": config.optimizer,
              "rate": format(config.learning_rate, "g"), "batch_size": config.batch_size}
    if config.output_activation == "softmax" and config.loss == "crossentropy":
        short = _("{shape} {activation}, {optimizer} lr={rate}, batch {batch_size}", **values)
    else:
        short = _("{shape} {activation}/{output}, {loss}, {optimizer} lr={rate}, batch {batch_size}",
                  output=config.output_activation, loss=config.loss, **values)
    return short + config.lessons_summary()


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns anyone may see (no owner ids)."""
    return frame.drop(columns=[c for c in HIDDEN_COLUMNS if c in frame.columns])


def _row(submission: Submission) -> dict:
    return {"owner": submission.owner, "public": submission.public, "private": submission.private,
            "parameters": submission.parameters, "epochs": submission.epochs,
            "seconds": submission.seconds, "run_id": submission.run_id,
            "config_dict": submission.config, "submitted": submission.submitted}
