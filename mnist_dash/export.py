"""Take a run home: its model file, a standalone Keras script and an HTML report.

Its history CSV is vocabulary.history_csv, the one format the run store writes too.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mnist_dash import figures, i18n, images, metrics
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import _, ngettext
from mnist_dash.progress import STATE_WORDS
from mnist_dash.runs import RunRecord
from mnist_dash.script_template import script_body, script_header


def model_bytes(in_memory: bytes | None = None, path: str | Path | None = None) -> bytes:
    """The .keras file: read from `path` when it exists, else the run's bytes kept in memory."""
    if path is not None and Path(path).is_file():
        return Path(path).read_bytes()
    if in_memory is None:
        raise ValueError(i18n.Msg("this run has neither a saved model file nor a model in memory"))
    return in_memory


def standalone_script(config: TrainConfig, run_id: str | None = None) -> str:
    """A plain-Keras Python script that trains the same network with the same settings and seeds."""
    return script_header(config, run_id) + script_body(config)


def mistake_images(x_test: np.ndarray, y_test: np.ndarray, probabilities: np.ndarray,
                   class_names: Sequence[str], count: int = 8,
                   lang: str | None = None) -> list[tuple[bytes, str]]:
    """The most confident mistakes as (PNG bytes, caption) pairs, for the report (captions in
    `lang`, by default the current language)."""
    shown = []
    with i18n.language(lang or i18n.current()):
        for index in metrics.most_confident_mistakes(y_test, probabilities, count):
            true, predicted = int(y_test[index]), int(probabilities[index].argmax())
            tile = images.probability_tile(x_test[index], probabilities[index], true, scale=4)
            caption = _("#{index}: true {true}, predicted {predicted} ({confidence})", index=index,
                        true=_(class_names[true]), predicted=_(class_names[predicted]),
                        confidence=i18n.percent(probabilities[index, predicted], 0))
            shown.append((images.to_png_bytes(tile), caption))
    return shown


def _figure_html(fig, first: bool) -> str:
    # plotly.js goes inline once, with the first figure, so the file works offline.
    return fig.to_html(full_html=False, include_plotlyjs=first, config={"displaylogo": False})


def _config_table(config: TrainConfig) -> str:
    rows = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
                   for name, value in config.to_dict().items())
    return f"<table>{rows}</table>"


def _metrics_line(record: RunRecord) -> str:
    m = record.metrics
    parts = [_("test accuracy <b>{accuracy}</b>", accuracy=i18n.percent(m["test_accuracy"], 2))
             if "test_accuracy" in m else None,
             _("test loss {loss}", loss=format(m['test_loss'], ".4f")) if "test_loss" in m else None,
             ngettext("{n} epoch", "{n} epochs", m["epochs_completed"])
             if "epochs_completed" in m else None,
             _("trained in {seconds} s", seconds=i18n.number(m["train_seconds"], 1))
             if m.get("train_seconds") else None]
    return " · ".join(part for part in parts if part)


def _mistakes_html(mistakes: Sequence[tuple[bytes, str]]) -> str:
    cells = "".join(
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode("ascii")}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        for png, caption in mistakes)
    return f'<div class="mistakes">{cells}</div>'


# Chinese glyphs wherever the report is opened: the CJK fonts of Linux, macOS and Windows, in turn.
CJK_FONTS = ('"Noto Sans CJK SC", "Noto Sans CJK TC", "PingFang SC", "Microsoft YaHei", '
             '"WenQuanYi Micro Hei", sans-serif')
_STYLE = ("body{font-family:system-ui, " + CJK_FONTS + ";max-width:1100px;margin:2em auto;"
          """padding:0 1em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
.mistakes{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;font-size:13px;max-width:230px}""")


def html_report(record: RunRecord, class_names: Sequence[str], confusion: np.ndarray | None = None,
                mistakes: Sequence[tuple[bytes, str]] = (), lang: str | None = None) -> str:
    """One self-contained HTML file: settings, results, curves, confusion matrix, mistakes; in
    `lang` (by default the current language), figures included."""
    lang = lang or i18n.current()
    with i18n.language(lang):
        return _report(record, class_names, confusion, mistakes, lang)


def _heading(level: int, text: str) -> str:
    return f"<h{level}>{html.escape(text)}</h{level}>"


def _report(record: RunRecord, class_names: Sequence[str], confusion: np.ndarray | None,
            mistakes: Sequence[tuple[bytes, str]], lang: str) -> str:
    title = _("mnist-dash run {run_id}", run_id=record.run_id)
    plots = list(figures.history_figures(record.progress()).values())
    if confusion is not None:
        plots.append(figures.confusion_figure(confusion, [_(name) for name in class_names]))
    state = _("state: {state} · created {created}", state=_(STATE_WORDS[record.state]),
              created=record.created)
    parts = [_heading(1, title),
             f"<p>{html.escape(record.config.summary())}<br>{html.escape(state)}</p>",
             f"<p>{_metrics_line(record)}</p>", _heading(2, _("Settings")),
             _config_table(record.config), _heading(2, _("Curves and confusion matrix")),
             *(_figure_html(fig, first=index == 0) for index, fig in enumerate(plots))]
    if mistakes:
        parts += [_heading(2, _("Most confident mistakes")), _mistakes_html(mistakes)]
    versions = ", ".join(f"{name} {version}" for name, version in record.versions.items())
    made = _("Made with mnist-dash · {versions}", versions=versions)
    parts.append(f"<p><small>{html.escape(made)}</small></p>")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title><style>{_STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")
