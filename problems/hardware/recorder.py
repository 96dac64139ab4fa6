"""Recording a latency table on the machine this runs on (what a Jetson Nano owner runs on the
board): every layer configuration a network's genome space can produce is timed once, then a
few whole networks fix the per-network cost and check the sum.

Resumable: each timed configuration is appended to `<out>/partial.csv` as it is measured (a
killed recording loses at most the configuration in flight); a rerun with the same settings
skips what is there, with other settings it refuses to mix. The finished table.csv,
checkpoints.csv and manifest.yaml are written atomically and the partial files removed.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from hamp_bench.errors import ConfigError, DataError
from hamp_bench.hashing import stable_hash
from hamp_bench.problems.costs import CostModel, trace_layers
from hamp_bench.problems.hardware.live import machine
from hamp_bench.problems.hardware.table import (COLUMNS, KEY, LatencyTable, NetworkShape,
                                                TableLookup, base_manifest, group_choices,
                                                reachable_configs)
from hamp_bench.problems.hardware.timing import TimingConfig, time_module
from hamp_bench.problems.networks import build_network
from hamp_bench.problems.pruning import group_sizes, keep_counts, kept_channels, prune

log = logging.getLogger("hamp_bench")


@dataclass(frozen=True)
class RecordingPlan:
    shape: NetworkShape
    levels: int = 16
    round_to: int = 1
    batch: int = 1
    checkpoints: int = 5  # whole networks timed: the unpruned one plus random pruned ones
    seed: int = 0
    device: str = ""  # free text for the manifest (default: this machine's processor)
    power_mode: str = "unknown"

    def check(self) -> None:
        if self.levels < 2 or self.round_to < 1 or self.batch < 1 or self.checkpoints < 1:
            raise ConfigError(f"record: levels >= 2, round_to >= 1, batch >= 1 and checkpoints >= 1 "
                              f"are required, got levels={self.levels}, round_to={self.round_to}, "
                              f"batch={self.batch}, checkpoints={self.checkpoints}")


def layer_module(row) -> tuple[nn.Module, torch.Tensor]:
    """The deployed form of one layer configuration and an input for it: conv (BN folded into
    its bias) + ReLU, or linear."""
    if row["op"] == "linear":
        return nn.Linear(row["cin"], row["cout"]), torch.zeros(row["batch"], row["cin"])
    groups = row["cin"] if row["op"] == "dwconv" else 1
    conv = nn.Conv2d(row["cin"], row["cout"], row["kernel"], row["stride"], row["kernel"] // 2,
                     groups=groups, bias=True)
    return nn.Sequential(conv, nn.ReLU()), torch.zeros(row["batch"], row["cin"], row["in_hw"], row["in_hw"])


def _network(shape: NetworkShape):
    torch.manual_seed(0)
    return build_network(shape.name, shape.in_channels, shape.num_classes, shape.image_size, shape.width)


def record_table(plan: RecordingPlan, timing: TimingConfig, out: str | Path,
                 progress: bool | None = None) -> LatencyTable:
    plan.check()
    timing.check("timing")
    out = Path(out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    net = _network(plan.shape)
    costs = CostModel(trace_layers(net), len(net.channel_groups))
    sizes = group_sizes(net.channel_groups)
    configs = reachable_configs(costs, group_choices(sizes, plan.levels, plan.round_to), plan.batch)
    todo_all = configs.drop(columns="layer").drop_duplicates().reset_index(drop=True)

    settings = {"plan": asdict(plan), "timing": asdict(timing)}
    state, partial = out / "partial.json", out / "partial.csv"
    if state.is_file():
        if json.loads(state.read_text()).get("key") != stable_hash(settings):
            raise ConfigError(f"{out} holds a partial recording made with other settings; use "
                              "another out= folder, or delete partial.csv and partial.json there")
    else:
        if (out / "table.csv").exists():
            raise ConfigError(f"{out} already holds a table; choose another out= folder")
        state.write_text(json.dumps({"key": stable_hash(settings), "settings": settings}, default=str))
    done = _read_partial(partial)
    if len(done):
        log.info("resuming: %d of %d configurations already timed", len(done), len(todo_all))
    seen = set(done[list(KEY)].itertuples(index=False, name=None))
    todo = todo_all[[tuple(r) not in seen for r in todo_all[list(KEY)].itertuples(index=False, name=None)]]

    show = sys.stderr.isatty() if progress is None else progress
    last_log = time.monotonic()
    if partial.is_file() and partial.stat().st_size and not partial.read_bytes().endswith(b"\n"):
        with open(partial, "a") as f:
            f.write("\n")  # end the line a kill cut short, so the next row starts cleanly
    with open(partial, "a") as f:
        if f.tell() == 0:
            f.write(",".join(COLUMNS) + "\n")
        for i, (_, row) in enumerate(tqdm(list(todo.iterrows()), desc="layers", disable=not show,
                                          unit="cfg")):
            module, x = layer_module(row)
            t = time_module(module, x, timing)
            f.write(",".join(str(row[k]) for k in KEY) + f",{t.median_ms:.6f},{t.iqr_ms:.6f},{timing.repeats}\n")
            f.flush()
            if not show and time.monotonic() - last_log > 10:
                last_log = time.monotonic()
                log.info("timed %d of %d configurations", len(done) + i + 1, len(todo_all))
    entries = _read_partial(partial)

    device = plan.device or machine()
    manifest = base_manifest(
        provenance="recorded", device=device, **timing.describe(), precision="fp32",
        power_mode=plan.power_mode, fixed_ms=0.0,
        network={**asdict(plan.shape), "in_channels": [plan.shape.in_channels],
                 "levels": plan.levels, "round_to": plan.round_to},
        batch=plan.batch,
        what_is_timed="each conv (BN folded into its bias) + ReLU, and each linear layer, exported "
                      "alone to ONNX; whole networks at the check points")
    table = LatencyTable(entries, manifest)
    lookup = TableLookup(table, costs, group_choices(sizes, plan.levels, plan.round_to))

    rng = np.random.default_rng(plan.seed)
    genomes = np.vstack([np.full(len(sizes), plan.levels),
                         rng.integers(1, plan.levels + 1, size=(plan.checkpoints - 1, len(sizes)))])
    rankings = [np.arange(s) for s in sizes]
    rows = []
    for g in genomes:
        keep = keep_counts(g, sizes, plan.levels, plan.round_to)
        t = time_module(prune(net, kept_channels(rankings, keep[0])),
                        net.example_input(plan.batch), timing)
        rows.append({**{f"x{i}": int(v) for i, v in enumerate(g)}, "measured_ms": t.median_ms,
                     "measured_iqr_ms": t.iqr_ms, "layer_sum_ms": float(lookup.latency_ms(keep)[0])})
    checks = pd.DataFrame(rows)
    # may be negative: each layer timed alone paid the per-call overhead a network pays once
    fixed = float(np.median(checks.measured_ms - checks.layer_sum_ms))
    checks["predicted_ms"] = checks.layer_sum_ms + fixed
    table.manifest["fixed_ms"] = round(fixed, 6)
    table.manifest["checkpoints"] = {
        "n": len(checks), "file": "checkpoints.csv",
        "fixed_ms_rule": "median of (measured whole network - sum of its layers)",
        "mape": round(float(np.mean(np.abs(checks.predicted_ms - checks.measured_ms) / checks.measured_ms)), 4)}
    table.write(out)
    tmp = out / "checkpoints.csv.tmp"
    checks.to_csv(tmp, index=False)
    tmp.replace(out / "checkpoints.csv")
    partial.unlink()
    state.unlink()
    return LatencyTable.load(out)


def _read_partial(path: Path) -> pd.DataFrame:
    """Rows timed so far; a line cut short by a kill is dropped (it is timed again)."""
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=list(COLUMNS))
    try:
        df = pd.read_csv(path, dtype={"op": str}, on_bad_lines="skip")
    except pd.errors.ParserError as e:
        raise DataError(f"{path} is corrupt ({e}); delete it to record again") from None
    df = df.dropna()
    for k in KEY[1:] + ("repeats",):
        df[k] = df[k].astype(np.int64)
    return df.drop_duplicates(list(KEY)).reset_index(drop=True)
