"""The run record: evaluations.csv, front.csv, run.json and algorithm.json (contract in
docs/records.md).

evaluations.csv is append-only: each write appends complete lines to the end of the file, so a
run killed at any moment leaves a CSV of a prefix of its evaluations, whose last line at most a
kill may have cut short (a resumed run reads the prefix back, `read_evaluations`, and drops such a
line). An expensive evaluation's line is written when it is committed; a cheap batch's lines at
the first commit `flush_every_s` seconds after the last write, and at the end. Nothing is kept in
memory but the front's lines. The
other files are replaced atomically (a temporary file, then a rename).
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from hamp_bench.atomic import atomic_write_text
from hamp_bench.errors import RecordError

#: 2: config key `record` became `run_record`, GA settings moved under `algorithm.variation`,
#: every algorithm parameter is in run.json, algorithm.json (telemetry) may be written
#: 3: evaluations.csv is appended to (one commit per evaluation on expensive problems); run.json
#: has `resumed` (one entry per resume) and the `resume` setting in its config
#: 4: run.json's problem section has `full_nadir` and `roi` (a region of interest: `nadir` is its
#: corner); a reader that ignored them would score a pruning run over the wrong box
#: 5: constrained problems: run.json's problem section lists `constraints`, evaluations.csv has a
#: column `g_<name>` per constraint after the objectives (g <= 0 feasible), front.csv a
#: `feasible` column, and the front is that of feasible points
RECORD_VERSION = 5
EVALUATIONS = "evaluations.csv"
FRONT = "front.csv"
RUN_JSON = "run.json"
#: columns that may differ between two runs of the same config and seed
TIMING_COLUMNS = ("cached", "wall_s")
_VERSIONED = (
    "hamp-bench",
    "numpy",
    "pymoo",
    "Platypus-Opt",
    "hydra-core",
    "omegaconf",
    "pandas",
    "scipy",
    "moocore",
    "scikit-learn",
    "torch",
    "onnxruntime",
)


def evaluation_columns(
    var_names: list[str],
    objective_names: list[str],
    extra_names: list[str],
    constraint_names: list[str] = (),
) -> list[str]:
    return [
        "eval_id",
        "batch",
        *var_names,
        *objective_names,
        *constraint_names,
        *TIMING_COLUMNS,
        *extra_names,
    ]


def _cell(v: Any) -> str:
    # repr of a Python float is the shortest string that round-trips exactly
    return repr(v) if isinstance(v, float) else str(v)


def _render_rows(block: np.ndarray) -> list[str]:
    """CSV cells of a 2-D block, one string per row, in one C-level repr of the nested list
    (the same shortest round-trip float formatting as repr(), without a Python call per cell)."""
    if block.shape[1] == 0:
        return [""] * len(block)
    return repr(block.tolist())[2:-2].replace(", ", ",").split("],[")


def render_lines(
    eval_ids: np.ndarray,
    batch: int,
    X: np.ndarray,
    F: np.ndarray,
    cached: np.ndarray,
    wall_s: np.ndarray,
    extras: list[np.ndarray],
) -> list[str]:
    """The evaluations.csv lines (without newline) of a block of evaluations."""
    n = len(eval_ids)
    blocks = [
        np.c_[eval_ids, np.full(n, batch)],
        X,
        F,
        np.asarray(cached, dtype=bool)[:, None],
        np.asarray(wall_s, dtype=float)[:, None],
    ]
    if extras:
        blocks.append(np.column_stack([np.asarray(e) for e in extras]))
    return list(map(",".join, zip(*(_render_rows(b) for b in blocks))))


@dataclass
class RecordedEvaluations:
    """The evaluations an earlier session of a run recorded (what a resume replays)."""

    lines: list[str]  # as written, without newline
    batch: np.ndarray  # (n,)
    X: np.ndarray  # (n, n_var), as read back (int64 or float64)
    F: np.ndarray  # (n, n_obj), natural units, bit-exact
    G: np.ndarray  # (n, n_con), constraint values (g <= 0 feasible)

    def __len__(self) -> int:
        return len(self.lines)


def read_evaluations(
    path: Path, columns: list[str], n_var: int, n_obj: int, n_con: int = 0
) -> RecordedEvaluations:
    """Read back evaluations.csv, dropping a last line cut short by a kill (the file is cut
    to its complete lines). Refuses a file whose header or ids are not what this run writes.
    Numbers are parsed by numpy (correctly rounded: the shortest repr reads back bit for bit)."""
    raw = path.read_bytes()
    complete = raw[: raw.rfind(b"\n") + 1]
    if len(complete) < len(raw):
        with open(path, "r+b") as fh:
            fh.truncate(len(complete))
    header, _, body = complete.decode("utf-8").partition("\n")
    if header != ",".join(columns):
        raise RecordError(
            f"{path} has the columns {header[:200]!r}, not those this run writes "
            f"({','.join(columns)[:200]!r}); it is another problem's record: choose another "
            "hydra.run.dir, or resume=false to start afresh there"
        )
    lines = body.splitlines()
    width = 2 + n_var + n_obj + n_con
    parts = [np.empty((0, width))]
    for start in range(0, len(lines), 50_000):  # bounded memory for the text cells
        chunk = lines[start : start + 50_000]
        cells = np.array([line.split(",", width)[:width] for line in chunk])
        if cells.shape != (len(chunk), width):
            raise RecordError(f"{path} has a row of fewer than {width} cells; it is damaged")
        parts.append(cells.astype(np.float64))
    table = np.vstack(parts)
    ids = table[:, 0]
    if not np.array_equal(ids, np.arange(len(lines))):
        raise RecordError(
            f"{path} is not a run record's evaluations.csv (its eval_id column is not 0, 1, 2, "
            "...); resume=false starts afresh there"
        )
    X, F = table[:, 2 : 2 + n_var], table[:, 2 + n_var : 2 + n_var + n_obj]
    G = table[:, 2 + n_var + n_obj : width]
    return RecordedEvaluations(lines, table[:, 1].astype(np.int64), X, F, G)


class EvaluationLog:
    """evaluations.csv, append-only: `commit` hands over complete lines, `flush` appends them
    with one write. A new log writes the header (atomically); a resumed one appends to the
    complete lines already there (`read_evaluations`)."""

    def __init__(
        self, path: Path, columns: list[str], flush_every_s: float = 1.0, *, append: bool = False
    ):
        self.path = path
        self.header = ",".join(columns)
        self.flush_every_s = flush_every_s
        self._pending: list[str] = []
        if not append:
            atomic_write_text(path, self.header + "\n")
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        self._last_flush = time.monotonic()

    def commit(self, lines: list[str], *, now: bool = False) -> None:
        """Hand over lines; they are written now (`now`: an expensive evaluation, whose line is
        worth a write of its own) or once `flush_every_s` has passed since the last write."""
        self._pending.extend(lines)
        if now or time.monotonic() - self._last_flush >= self.flush_every_s:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            data = ("\n".join(self._pending) + "\n").encode("utf-8")
            self._pending.clear()
            view = memoryview(data)
            while view:  # one write, unless the OS takes less (a full disk raises)
                view = view[os.write(self._fd, view) :]
        self._last_flush = time.monotonic()

    def close(self) -> None:
        self.flush()
        os.close(self._fd)

    def write_front(self, path: Path, lines: list[str], extra: dict[str, np.ndarray]) -> None:
        """Write front.csv: the front's lines (with extra columns such as test scores)."""
        header = ",".join([self.header, *extra]) if extra else self.header
        cols = [np.asarray(v).tolist() for v in extra.values()]
        rows = [",".join([line, *(_cell(c[j]) for c in cols)]) for j, line in enumerate(lines)]
        atomic_write_text(path, "\n".join([header, *rows]) + "\n")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in _VERSIONED:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RunJson:
    """run.json: written when the run starts (status running) and again when it ends."""

    def __init__(self, path: Path, content: dict[str, Any]):
        self.path = path
        self.content = {
            "record_version": RECORD_VERSION,
            "status": "running",
            **content,
            "started_at": now_iso(),
            "versions": package_versions(),
            "host": {
                "node": platform.node(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
        }
        self.write()

    @classmethod
    def resume(cls, path: Path, content: dict[str, Any], entry: dict[str, Any]) -> RunJson:
        """The run.json of a record being continued: as it was, running again, with one more
        `resumed` entry (when, from which evaluation, what the record said before)."""
        self = cls.__new__(cls)
        self.path = path
        versions = package_versions()
        if versions != content.get("versions"):
            entry = {**entry, "versions": versions}  # the packages of the resuming session
        self.content = {
            **content,
            "status": "running",
            "resumed": [*content.get("resumed", []), entry],
        }
        self.write()
        return self

    def update(self, **fields: Any) -> None:
        self.content.update(fields)
        self.write()

    def write(self) -> None:
        atomic_write_text(
            self.path, json.dumps(self.content, indent=2, default=_json_default) + "\n"
        )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.tolist()
    return str(obj)
