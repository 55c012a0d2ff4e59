"""The one line each benchmark prints per figure, for ``bench/run.py`` (``make bench``).

A benchmark keeps its own human-readable output and, for each figure it measures, prints
one ``BENCH_RESULT {json}`` line: the figure, the scale, the value, the baseline it is
compared with in the same run (or the goal's fixed bound), the ratio, the goal and
whether it is met. ``bench/run.py`` collects those lines into one table.
"""

from __future__ import annotations

import json

PREFIX = "BENCH_RESULT "


def emit(
    bench: str,
    figure: str,
    *,
    value: float,
    unit: str,
    scale: int | str = "",
    baseline: float | None = None,
    baseline_label: str = "",
    ratio: float | None = None,
    goal: str = "",
    met: bool | None = None,
) -> None:
    """Print one result line (``ratio`` is the improvement: baseline ÷ value for times,
    unless the figure says otherwise)."""
    row = {
        "bench": bench,
        "figure": figure,
        "scale": scale,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "ratio": ratio,
        "goal": goal,
        "met": met,
    }
    print(PREFIX + json.dumps(row, ensure_ascii=False), flush=True)
