"""What an algorithm wants to record about itself (operator choices, credit, local-search hit
rates), written into the run record as `algorithm.json`, atomically, with the rest of it.

The seam is two calls: `log(series, **fields)` appends one row to a named series (e.g. one row
per generation), `set(name, value)` keeps one named value (e.g. a total). An algorithm reaches
it as `evaluator.telemetry`; without a run record (a bare Evaluator) the calls are kept in
memory only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hamp_bench.atomic import atomic_write_text

ALGORITHM_JSON = "algorithm.json"


class Telemetry:
    def __init__(self, path: Path | None = None):
        self.path = path
        self.series: dict[str, list[dict[str, Any]]] = {}
        self.values: dict[str, Any] = {}

    def log(self, series: str, **fields: Any) -> None:
        """Append one row (`fields`) to the series called `series`."""
        self.series.setdefault(series, []).append({k: _plain(v) for k, v in fields.items()})

    def set(self, name: str, value: Any) -> None:
        self.values[name] = _plain(value)

    def __bool__(self) -> bool:
        return bool(self.series or self.values)

    def write(self, header: dict[str, Any]) -> None:
        """Write algorithm.json (only when something was recorded)."""
        if self.path is None or not self:
            return
        content = {**header, "values": self.values, "series": self.series}
        atomic_write_text(self.path, json.dumps(content, indent=1, default=_plain) + "\n")


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v
