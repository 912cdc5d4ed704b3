"""Results as a printed table, results.json (merged across runs) and RESULTS.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MET_WORDS = {True: "met", False: "NOT met", None: ""}


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        size = abs(value)
        return (f"{value:,.0f}" if size >= 100 else f"{value:.1f}" if size >= 10
                else f"{value:.2f}" if size >= 1 else f"{value:.3f}")
    return str(value)


def table_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name, bench in results["benchmarks"].items():
        if bench["status"] != "ok":
            rows.append([name, bench["status"], "", "", "", bench.get("reason", "")])
            continue
        for row in bench["rows"]:
            value = f"{format_value(row['value'])} {row['unit']}".strip()
            rows.append([name, row["metric"], value, row["target"], MET_WORDS[row["met"]], row["detail"]])
    return rows


HEADER = ["benchmark", "metric", "value", "target", "met", "detail"]


def text_table(results: dict[str, Any]) -> str:
    rows = [HEADER, *table_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
             for row in rows]
    lines.insert(1, "-" * min(160, len(lines[0])))
    return "\n".join(lines)


def markdown_table(results: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in table_rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    return "\n".join(lines)


def _machine_lines(machine: dict[str, Any]) -> list[str]:
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    coretype = machine["openblas_coretype"]
    return [
        f"- CPU: {machine['cpu_model']}, {machine['cores']} cores",
        f"- Python {machine['python']}; {versions}",
        f"- OPENBLAS_CORETYPE: {'set to ' + repr(coretype) if coretype else 'not set'}",
        f"- Last written {machine['date']}; each benchmark's own date and load are listed below",
    ]


def _run_lines(results: dict[str, Any]) -> list[str]:
    lines = []
    for name, bench in results["benchmarks"].items():
        lines.append(
            f"- **{name}**: {bench['date']}, {bench['mode']} mode, {bench['repeats']} repeat(s), "
            f"{bench['seconds']:.0f} s; load average {bench['load_before']} before, "
            f"{bench['load_after']} after" + (f"; note: {bench['note']}" if bench.get("note") else "")
        )
    return lines


def _notes(results: dict[str, Any]) -> list[str]:
    notes = sorted({bench["note"] for bench in results["benchmarks"].values() if bench.get("note")})
    return [*(f"**Note:** {note}" for note in notes), ""] if notes else []


def markdown(results: dict[str, Any]) -> str:
    return "\n".join([
        "# mnist-dash benchmark results",
        "",
        "Written by `python -m benchmarks`; medians of interleaved repeats. Regenerate them on the "
        "machine you deploy to: absolute numbers depend on it and on what else it runs.",
        "",
        *_notes(results),
        "## Machine",
        *_machine_lines(results["machine"]),
        "",
        "## Results",
        markdown_table(results),
        "",
        "## When and how each was taken",
        *_run_lines(results),
        "",
    ])


def merge(path: Path, fresh: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """Keep earlier benchmarks from the same file, so benchmarks can be run one at a time."""
    try:
        earlier = json.loads(path.read_text()).get("benchmarks", {})
    except (OSError, ValueError, AttributeError):
        earlier = {}
    # A benchmark that failed this time keeps its last measurement here (the printed table shows why).
    failed = {name for name, result in fresh["benchmarks"].items()
              if result.get("status") == "error" and name in earlier}
    benchmarks = {**earlier, **{name: result for name, result in fresh["benchmarks"].items()
                                if name not in failed}}
    ordered = sorted(benchmarks, key=lambda name: order.index(name) if name in order else len(order))
    return {**fresh, "benchmarks": {name: benchmarks[name] for name in ordered}}


def write(path: Path, results: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """Write results.json (merged) and RESULTS.md beside it; return what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = merge(path, results, order)
    path.write_text(json.dumps(merged, indent=2, default=str) + "\n")
    report = path.parent / "RESULTS.md"
    report.write_text(markdown(merged) + _kept_notes(report))
    return merged


NOTES_HEADING = "## Notes kept between runs"  # what people write below it survives a rewrite


def _kept_notes(report: Path) -> str:
    """The hand-written part of an existing RESULTS.md: from NOTES_HEADING to its end."""
    try:
        text = report.read_text()
    except OSError:
        return ""
    return "\n" + text[text.index(NOTES_HEADING):] if NOTES_HEADING in text else ""
