"""Checking a latency table against live measurement: n random pruned networks are timed on
this machine and compared with the table's predictions (Kendall tau, Spearman rho, MAPE),
written as a CSV, a JSON summary and a scatter plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from hamp_bench.errors import ConfigError
from hamp_bench.problems.costs import CostModel, trace_layers
from hamp_bench.problems.hardware.base import HardwareProfile
from hamp_bench.problems.hardware.table import NetworkShape, group_choices
from hamp_bench.problems.hardware.timing import TimingConfig, time_interleaved
from hamp_bench.problems.networks import build_network
from hamp_bench.problems.pruning import group_sizes, keep_counts, kept_channels, prune


def agreement(predicted: np.ndarray, measured: np.ndarray) -> dict[str, float]:
    tau = stats.kendalltau(predicted, measured)
    rho = stats.spearmanr(predicted, measured)
    return {"n": int(len(measured)), "kendall_tau": float(tau.statistic),
            "kendall_p": float(tau.pvalue), "spearman_rho": float(rho.statistic),
            "mape": float(np.mean(np.abs(predicted - measured) / measured))}


#: networks loaded and timed interleaved at once (memory: CHUNK pruned networks)
CHUNK = 50


def validate(profile: HardwareProfile, shape: NetworkShape, timing: TimingConfig, n: int,
             out: str | Path, levels: int = 16, round_to: int = 1, seed: int = 0,
             rounds: int = 10) -> dict:
    """Time `n` random pruned networks live (interleaved, see `time_interleaved`) and compare
    them with the profile's predictions; write validation.csv, validation.json and a scatter."""
    if n < 3:
        raise ConfigError(f"n={n}: rank correlations need at least 3 networks")
    timing.check("timing")
    net = build_network(shape.name, shape.in_channels, shape.num_classes, shape.image_size, shape.width)
    costs = CostModel(trace_layers(net), len(net.channel_groups))
    sizes = group_sizes(net.channel_groups)
    profile.bind(costs, group_choices(sizes, levels, round_to), shape)
    genomes = np.random.default_rng(seed).integers(1, levels + 1, size=(n, len(sizes)))
    keep = keep_counts(genomes, sizes, levels, round_to)
    predicted = profile.latency(costs, keep)
    rankings = [np.arange(s) for s in sizes]
    timed = []
    for start in range(0, n, CHUNK):
        nets = [prune(net, kept_channels(rankings, k)) for k in keep[start:start + CHUNK]]
        timed += time_interleaved(nets, net.example_input(), timing, rounds, seed)
    df = pd.DataFrame(genomes, columns=[f"x{i}" for i in range(len(sizes))]).assign(
        predicted_ms=predicted, measured_ms=[t.median_ms for t in timed],
        measured_iqr_ms=[t.iqr_ms for t in timed], macs=costs.macs(keep))
    table, live = profile.describe(), {**timing.describe(), "rounds": rounds}
    summary = {**agreement(df.predicted_ms.to_numpy(), df.measured_ms.to_numpy()),
               "network": shape.name, "levels": levels, "round_to": round_to, "seed": seed,
               "table": table, "live": live, "mismatch": _mismatch(table.get("table", {}), live)}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "validation.csv", index=False)
    (out / "validation.json").write_text(json.dumps(summary, indent=2, default=str))
    _scatter(df, summary, out)
    return summary


def _mismatch(table: dict, live: dict) -> list[str]:
    """How a recorded table was timed differently from the live check (empty: alike). A table
    recorded with one thread, checked with the runtime's thread pool, ranks worse for no fault
    of its own."""
    if table.get("provenance") != "recorded":
        return []
    return [f"{k}: table {table[k]}, live {live[k]}" for k in ("runtime", "execution_provider", "threads")
            if k in table and str(table[k]) != str(live[k])]


def _scatter(df: pd.DataFrame, s: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(4.5, 4))
    sns.scatterplot(data=df, x="predicted_ms", y="measured_ms", ax=ax)
    lo, hi = min(df.predicted_ms.min(), df.measured_ms.min()), max(df.predicted_ms.max(), df.measured_ms.max())
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    ax.set(xlabel="table prediction (ms)", ylabel="measured live (ms)",
           title=f"{s['network']}: tau={s['kendall_tau']:.3f}, MAPE={s['mape']:.1%}")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"scatter.{ext}", dpi=150)
    plt.close(fig)
