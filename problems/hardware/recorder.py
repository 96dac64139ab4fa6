"""Recording a latency table on the machine this runs on (what a Jetson Nano owner runs on the
board): every layer configuration a network's genome space can produce is timed, then a few
whole networks fix the per-network cost and check the sum.

The configurations are timed in `passes` passes, each in its own random order and with a share
of the repeats; an entry is the median over its passes. A machine's speed drifts (other
tenants, clocks, heat): timed once in enumeration order, a slow spell would inflate a run of
neighbouring configurations (all widths of one layer) together and bias whole networks; so it
becomes small independent noise that sums out over a network's layers.

Resumable: each timed (configuration, pass) is appended to `<out>/partial.csv` as it is measured
(a killed recording loses at most the one in flight); a rerun with the same settings skips what
is there, with other settings it refuses to mix. The finished table.csv,
checkpoints.csv and manifest.yaml are written atomically and the partial files removed.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from hamp_bench.atomic import atomic_path, atomic_write_text
from hamp_bench.errors import ConfigError, DataError
from hamp_bench.hashing import stable_hash
from hamp_bench.problems.hardware.live import machine
from hamp_bench.problems.hardware.settings import RecordingSettings
from hamp_bench.problems.hardware.table import (
    COLUMNS,
    KEY,
    LatencyTable,
    NetworkShape,
    TableLookup,
    base_manifest,
)
from hamp_bench.problems.hardware.timing import TimingConfig, time_interleaved, time_module
from hamp_bench.problems.search_space import PruningSpace

log = logging.getLogger("hamp_bench")


MAX_COPIES = 16
#: partial.csv: one row per (configuration, pass)
PARTIAL_KEY = [*KEY, "pass"]
PARTIAL_COLUMNS = [*COLUMNS, "pass"]


@dataclass
class RecordingPlan(RecordingSettings):
    """One network's recording: its shape and the settings (defaults in settings.py)."""

    shape: NetworkShape

    def check(self) -> None:
        if min(self.levels - 1, self.round_to, self.batch, self.checkpoints, self.passes) < 1:
            raise ConfigError(
                f"record: levels >= 2, round_to >= 1, batch >= 1, checkpoints >= 1 "
                f"and passes >= 1 are required, got levels={self.levels}, "
                f"round_to={self.round_to}, batch={self.batch}, "
                f"checkpoints={self.checkpoints}, passes={self.passes}"
            )
        if self.context_mb < 0:
            raise ConfigError(
                f"record: context_mb={self.context_mb} must be >= 0 (0: time each "
                "layer alone, its weights warm in the cache)"
            )

    def copies(self, module: nn.Module) -> int:
        """How many instances of a layer are timed in turn (see context_mb)."""
        mb = sum(p.numel() * p.element_size() for p in module.parameters()) / 2**20
        return int(np.clip(np.ceil(self.context_mb / max(mb, 1e-9)), 1, MAX_COPIES))


def layer_module(row) -> tuple[nn.Module, torch.Tensor]:
    """The deployed form of one layer configuration and an input for it: conv (BN folded into
    its bias) + ReLU, or linear."""
    if row["op"] == "linear":
        return nn.Linear(row["cin"], row["cout"]), torch.zeros(row["batch"], row["cin"])
    groups = row["cin"] if row["op"] == "dwconv" else 1
    conv = nn.Conv2d(
        row["cin"],
        row["cout"],
        row["kernel"],
        row["stride"],
        row["kernel"] // 2,
        groups=groups,
        bias=True,
    )
    return nn.Sequential(conv, nn.ReLU()), torch.zeros(
        row["batch"], row["cin"], row["in_hw"], row["in_hw"]
    )


def record_table(
    plan: RecordingPlan, timing: TimingConfig, out: str | Path, progress: bool | None = None
) -> LatencyTable:
    plan.check()
    timing.check("timing")
    out = Path(out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)  # the whole networks timed at the check points: the same weights each time
    space = PruningSpace(plan.shape, plan.levels, plan.round_to)
    configs = space.reachable_configs(plan.batch)
    todo_all = configs.drop(columns="layer").drop_duplicates().reset_index(drop=True)

    settings = {"plan": asdict(plan), "timing": asdict(timing)}
    state, partial = out / "partial.json", out / "partial.csv"
    if state.is_file():
        if json.loads(state.read_text()).get("key") != stable_hash(settings):
            raise ConfigError(
                f"{out} holds a partial recording made with other settings; use "
                "another out= folder, or delete partial.csv and partial.json there"
            )
    else:
        if (out / "table.csv").exists():
            raise ConfigError(f"{out} already holds a table; choose another out= folder")
        atomic_write_text(
            state, json.dumps({"key": stable_hash(settings), "settings": settings}, default=str)
        )
    done = _read_partial(partial)
    n_all = len(todo_all) * plan.passes
    if len(done):
        log.info("resuming: %d of %d (configuration, pass) timings already made", len(done), n_all)
    seen = set(done[PARTIAL_KEY].itertuples(index=False, name=None))
    rng = np.random.default_rng(plan.seed)
    todo = pd.concat(
        [
            todo_all.iloc[rng.permutation(len(todo_all))].assign(**{"pass": k})
            for k in range(plan.passes)
        ]
    )
    todo = todo[
        [tuple(r) not in seen for r in todo[PARTIAL_KEY].itertuples(index=False, name=None)]
    ]
    repeats = -(-timing.repeats // plan.passes)
    pass_timing = replace(timing, repeats=repeats)

    show = sys.stderr.isatty() if progress is None else progress
    last_log = time.monotonic()
    if partial.is_file() and partial.stat().st_size and not partial.read_bytes().endswith(b"\n"):
        with open(partial, "a") as f:
            f.write("\n")  # end the line a kill cut short, so the next row starts cleanly
    with open(partial, "a") as f:
        if f.tell() == 0:
            f.write(",".join(PARTIAL_COLUMNS) + "\n")
        for i, (_, row) in enumerate(
            tqdm(list(todo.iterrows()), desc="layers", disable=not show, unit="cfg")
        ):
            module, x = layer_module(row)
            t = time_module(module, x, pass_timing, copies=plan.copies(module))
            f.write(
                ",".join(str(row[k]) for k in KEY)
                + f",{t.median_ms:.6f},{t.iqr_ms:.6f},{repeats},{row['pass']}\n"
            )
            f.flush()
            if not show and time.monotonic() - last_log > 10:
                last_log = time.monotonic()
                log.info("timed %d of %d (configuration, pass)", len(done) + i + 1, n_all)
    # an entry: the median over its passes
    entries = (
        _read_partial(partial)
        .groupby(list(KEY), as_index=False, sort=False)
        .agg(
            median_ms=("median_ms", "median"),
            iqr_ms=("iqr_ms", "median"),
            repeats=("repeats", "sum"),
        )
        .sort_values(list(KEY), ignore_index=True)
    )

    device = plan.device_name or machine()
    manifest = base_manifest(
        provenance="recorded",
        device=device,
        # repeats: per entry, over its passes
        **replace(timing, repeats=repeats * plan.passes).describe(),
        precision="fp32",
        power_mode=plan.power_mode,
        fixed_ms=0.0,
        network={
            **asdict(plan.shape),
            "in_channels": [plan.shape.in_channels],
            "levels": plan.levels,
            "round_to": plan.round_to,
        },
        batch=plan.batch,
        context_mb=plan.context_mb,
        passes=plan.passes,
        what_is_timed="each conv (BN folded into its bias) + ReLU, and each linear layer, exported "
        "alone to ONNX"
        + (
            f" and timed in turn with copies of itself holding at "
            f"least {plan.context_mb:g} MB of weights (at most "
            f"{MAX_COPIES})"
            if plan.context_mb
            else ""
        )
        + f"; {plan.passes} pass(es) over all configurations in random orders, an "
        "entry the median over its passes; whole networks at the check points, "
        "timed interleaved",
    )
    table = LatencyTable(entries, manifest)
    lookup = TableLookup(table, space.costs, space.choices)

    rng = np.random.default_rng(plan.seed)
    genomes = np.vstack(
        [np.full(space.n_var, plan.levels), space.random_genomes(rng, plan.checkpoints - 1)]
    )
    keeps = space.keep(genomes)
    timed = time_interleaved(
        [space.pruned(k) for k in keeps],
        space.net.example_input(plan.batch),
        timing,
        seed=plan.seed,
    )
    rows = [
        {
            **{f"x{i}": int(v) for i, v in enumerate(g)},
            "measured_ms": t.median_ms,
            "measured_iqr_ms": t.iqr_ms,
            "layer_sum_ms": float(layer_sum),
        }
        for g, layer_sum, t in zip(genomes, lookup.latency_ms(keeps), timed)
    ]
    checks = pd.DataFrame(rows)
    # may be negative: each layer timed alone paid the per-call overhead a network pays once
    fixed = float(np.median(checks.measured_ms - checks.layer_sum_ms))
    checks["predicted_ms"] = checks.layer_sum_ms + fixed
    table.manifest["fixed_ms"] = round(fixed, 6)
    table.manifest["checkpoints"] = {
        "n": len(checks),
        "file": "checkpoints.csv",
        "fixed_ms_rule": "median of (measured whole network - sum of its layers)",
        "mape": round(
            float(np.mean(np.abs(checks.predicted_ms - checks.measured_ms) / checks.measured_ms)), 4
        ),
    }
    table.write(out)
    with atomic_path(out / "checkpoints.csv") as tmp:
        checks.to_csv(tmp, index=False)
    partial.unlink()
    state.unlink()
    return LatencyTable.load(out)


def _read_partial(path: Path) -> pd.DataFrame:
    """Rows timed so far; a line cut short by a kill is dropped (it is timed again)."""
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=PARTIAL_COLUMNS)
    try:
        df = pd.read_csv(path, dtype={"op": str}, on_bad_lines="skip")
    except pd.errors.ParserError as e:
        raise DataError(f"{path} is corrupt ({e}); delete it to record again") from None
    df = df.dropna()
    for k in KEY[1:] + ("repeats", "pass"):
        df[k] = df[k].astype(np.int64)
    return df.drop_duplicates(PARTIAL_KEY).reset_index(drop=True)
