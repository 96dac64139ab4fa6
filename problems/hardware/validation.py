"""Checking a latency table against live measurement: n random pruned networks are timed on
this machine and compared with the table's predictions (Kendall tau, Spearman rho, MAPE),
written as a CSV, a JSON summary and a scatter plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from hamp_bench.atomic import atomic_path, atomic_write_text
from hamp_bench.errors import ConfigError
from hamp_bench.problems.hardware.base import HardwareProfile
from hamp_bench.problems.hardware.settings import ValidationSettings
from hamp_bench.problems.hardware.table import NetworkShape
from hamp_bench.problems.hardware.timing import TimingConfig, time_interleaved
from hamp_bench.problems.search_space import PruningSpace


def agreement(predicted: np.ndarray, measured: np.ndarray) -> dict[str, float]:
    tau = stats.kendalltau(predicted, measured)
    rho = stats.spearmanr(predicted, measured)
    return {
        "n": int(len(measured)),
        "kendall_tau": float(tau.statistic),
        "kendall_p": float(tau.pvalue),
        "spearman_rho": float(rho.statistic),
        "mape": float(np.mean(np.abs(predicted - measured) / measured)),
    }


#: networks loaded and timed interleaved at once (memory: CHUNK pruned networks)
CHUNK = 50


def validate(
    profile: HardwareProfile,
    shape: NetworkShape,
    timing: TimingConfig,
    out: str | Path,
    settings: ValidationSettings = ValidationSettings(),
) -> dict:
    """Time `settings.n` random pruned networks live (interleaved, see `time_interleaved`) and
    compare them with the profile's predictions; write validation.csv, validation.json and a
    scatter."""
    n, seed, levels, round_to, rounds = (
        settings.n,
        settings.seed,
        settings.levels,
        settings.round_to,
        settings.rounds,
    )
    if n < 3:
        raise ConfigError(f"n={n}: rank correlations need at least 3 networks")
    timing.check("timing")
    space = PruningSpace(shape, levels, round_to)
    profile.bind(space)
    genomes = space.random_genomes(np.random.default_rng(seed), n)
    keep = space.keep(genomes)
    predicted = profile.latency(keep)
    timed = []
    for start in range(0, n, CHUNK):
        nets = [space.pruned(k) for k in keep[start : start + CHUNK]]
        timed += time_interleaved(nets, space.net.example_input(), timing, rounds, seed)
    df = pd.DataFrame(genomes, columns=[f"x{i}" for i in range(space.n_var)]).assign(
        predicted_ms=predicted,
        measured_ms=[t.median_ms for t in timed],
        measured_iqr_ms=[t.iqr_ms for t in timed],
        macs=space.costs.macs(keep),
    )
    table, live = profile.describe(), {**timing.describe(), "rounds": rounds}
    summary = {
        **agreement(df.predicted_ms.to_numpy(), df.measured_ms.to_numpy()),
        "network": shape.name,
        "levels": levels,
        "round_to": round_to,
        "seed": seed,
        "table": table,
        "live": live,
        "mismatch": _mismatch(table.get("table", {}), live),
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "validation.csv") as tmp:
        df.to_csv(tmp, index=False)
    atomic_write_text(out / "validation.json", json.dumps(summary, indent=2, default=str))
    _scatter(df, summary, out)
    return summary


def _mismatch(table: dict, live: dict) -> list[str]:
    """How a recorded table was timed differently from the live check (empty: alike). A table
    recorded with one thread, checked with the runtime's thread pool, ranks worse for no fault
    of its own."""
    if table.get("provenance") != "recorded":
        return []
    return [
        f"{k}: table {table[k]}, live {live[k]}"
        for k in ("runtime", "execution_provider", "threads")
        if k in table and str(table[k]) != str(live[k])
    ]


def _scatter(df: pd.DataFrame, s: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(4.5, 4))
    sns.scatterplot(data=df, x="predicted_ms", y="measured_ms", ax=ax)
    lo, hi = (
        min(df.predicted_ms.min(), df.measured_ms.min()),
        max(df.predicted_ms.max(), df.measured_ms.max()),
    )
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    ax.set(
        xlabel="table prediction (ms)",
        ylabel="measured live (ms)",
        title=f"{s['network']}: tau={s['kendall_tau']:.3f}, MAPE={s['mape']:.1%}",
    )
    fig.tight_layout()
    for ext in ("png", "pdf"):
        with atomic_path(out / f"scatter.{ext}") as tmp:
            fig.savefig(tmp, dpi=150, format=ext)
    plt.close(fig)
