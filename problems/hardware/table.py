"""Latency tables: per-layer times keyed by layer configuration, with a manifest beside them.

A table is a folder with `table.csv` (one row per layer configuration: op, channels in and
out, kernel, stride, input size, batch; the median and IQR of its time in ms and the repeat
count) and `manifest.yaml` (how it was made: device, runtime and version, execution provider,
precision, threads, power mode, warm-up and repeats, date, tool, `provenance: recorded |
modelled`, the network it was made for, the per-network fixed cost, the interpolation rule).

A pruned network's latency is the sum of its layers' entries plus the fixed cost. Lookups are
vectorised: `bind` resolves every configuration the genome space can reach into one flat array
once, after which a batch of genomes costs one fancy-indexing sum. The fixed cost may be
negative in a recorded table: each layer timed alone pays the runtime's per-call overhead,
which a whole network pays once. A configuration with no
entry is an error naming it, unless the manifest declares `interpolation: linear_macs`
(linear in MACs between recorded entries of the same op, kernel, stride, input size and batch;
never extrapolated).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from hamp_bench.atomic import atomic_write_text
from hamp_bench.errors import DataError

if TYPE_CHECKING:  # imported for annotations only: this module stays free of torch
    from hamp_bench.problems.costs import CostModel

FORMAT = 1
KEY = ("op", "cin", "cout", "kernel", "stride", "in_hw", "batch")
VALUES = ("median_ms", "iqr_ms", "repeats")
COLUMNS = KEY + VALUES
MANIFEST_FIELDS = (
    "format",
    "provenance",
    "device",
    "runtime",
    "runtime_version",
    "execution_provider",
    "precision",
    "threads",
    "power_mode",
    "warmup",
    "repeats",
    "date",
    "tool",
    "network",
    "fixed_ms",
    "interpolation",
)
NETWORK_FIELDS = ("name", "width", "in_channels", "image_size", "num_classes")
PROVENANCES = ("recorded", "modelled")
INTERPOLATIONS = ("none", "linear_macs")


@dataclass(frozen=True)
class NetworkShape:
    """What a table must match: the network and the input it was traced at."""

    name: str
    width: float
    in_channels: int
    image_size: int
    num_classes: int


def reachable_configs(costs: CostModel, choices: list[np.ndarray], batch: int = 1) -> pd.DataFrame:
    """Every layer configuration that genomes can produce, one row per (layer, cin, cout).

    `choices[g]` are the keep counts group g can take. Columns: KEY plus `layer` (its index).
    A layer whose input and output are the same group (depthwise) only sees equal counts.
    """
    rows = []
    for layer in range(len(costs.specs)):
        ig, og = costs.in_group[layer], costs.out_group[layer]
        cins = choices[ig] if ig >= 0 else np.array([costs.cin[layer]])
        couts = choices[og] if og >= 0 else np.array([costs.cout[layer]])
        if ig >= 0 and ig == og:
            pairs = np.column_stack([cins, cins])
        else:
            pairs = np.array(np.meshgrid(cins, couts, indexing="ij")).reshape(2, -1).T
        for cin, cout in pairs:
            rows.append(
                (
                    costs.op[layer],
                    int(cin),
                    int(cout),
                    int(costs.kernel[layer]),
                    int(costs.specs[layer].stride),
                    int(costs.in_hw[layer]),
                    batch,
                    layer,
                )
            )
    return pd.DataFrame(rows, columns=list(KEY) + ["layer"])


def config_macs(df: pd.DataFrame) -> np.ndarray:
    """MACs of each configuration row (conv: per output pixel times pixels; linear: cin*cout)."""
    out_hw = np.where(df["op"] == "linear", 1, -(-df["in_hw"] // df["stride"]))
    fan_in = np.where(df["op"] == "dwconv", 1, df["cin"]) * df["kernel"] ** 2
    return (df["batch"] * df["cout"] * fan_in * out_hw**2).to_numpy(dtype=float)


def describe_config(row) -> str:
    return (
        f"{row['op']} cin={row['cin']} cout={row['cout']} kernel={row['kernel']} "
        f"stride={row['stride']} in_hw={row['in_hw']} batch={row['batch']}"
    )


class LatencyTable:
    """A loaded, checked table. Build with `LatencyTable.load(path)` or from a frame + manifest."""

    def __init__(self, entries: pd.DataFrame, manifest: dict[str, Any], path: Path | None = None):
        self.path = path
        self.manifest = manifest
        self.entries = entries.reset_index(drop=True)
        self._index = {
            tuple(r): i for i, r in enumerate(self.entries[list(KEY)].itertuples(index=False))
        }
        self._check()

    # -- reading and writing ------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> LatencyTable:
        path = Path(path).expanduser()
        table, manifest = path / "table.csv", path / "manifest.yaml"
        if not path.is_dir():
            raise DataError(
                f"latency table folder {path} does not exist; record one with "
                "`python -m hamp_bench.record_latency ... out=<folder>` or fix "
                "hardware.path"
            )
        for f in (table, manifest):
            if not f.is_file():
                raise DataError(
                    f"latency table {path} has no {f.name}; a table is only usable "
                    "with its manifest (table.csv + manifest.yaml, see docs/hardware.md)"
                )
        try:
            meta = yaml.safe_load(manifest.read_text())
        except yaml.YAMLError as e:
            raise DataError(f"{manifest} is not valid YAML ({e}); re-record the table") from None
        if not isinstance(meta, dict):
            raise DataError(f"{manifest} is not a mapping of manifest fields; re-record the table")
        try:
            df = pd.read_csv(table, dtype={"op": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
            raise DataError(
                f"{table} cannot be read as CSV ({e}); it may be truncated: "
                "re-record it (the recorder resumes)"
            ) from None
        return cls(df, meta, path)

    @property
    def sha256(self) -> str:
        """A hash of the entries and the manifest (content, not location)."""
        import hashlib

        text = self.entries[list(COLUMNS)].to_csv(index=False) + yaml.safe_dump(
            self.manifest, sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def write(self, path: str | Path) -> None:
        """Write table.csv and manifest.yaml atomically (temp file + rename each)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / "table.csv", self.entries[list(COLUMNS)].to_csv(index=False))
        atomic_write_text(path / "manifest.yaml", yaml.safe_dump(self.manifest, sort_keys=False))

    # -- checks --------------------------------------------------------------------------------
    def _where(self) -> str:
        return str(self.path) if self.path else "latency table"

    def _check(self) -> None:
        m, where = self.manifest, self._where()
        missing = [f for f in MANIFEST_FIELDS if f not in m]
        if missing:
            raise DataError(
                f"{where}: manifest lacks {missing}; every table needs "
                f"{list(MANIFEST_FIELDS)} (see docs/hardware.md)"
            )
        if m["format"] != FORMAT:
            raise DataError(
                f"{where}: manifest format {m['format']!r} is not {FORMAT}, the one "
                "this version reads; re-record the table"
            )
        if m["provenance"] not in PROVENANCES:
            raise DataError(f"{where}: provenance {m['provenance']!r} must be one of {PROVENANCES}")
        if m["interpolation"] not in INTERPOLATIONS:
            raise DataError(
                f"{where}: interpolation {m['interpolation']!r} must be one of {INTERPOLATIONS}"
            )
        net = m["network"]
        if not isinstance(net, dict) or any(k not in net for k in NETWORK_FIELDS):
            raise DataError(f"{where}: manifest 'network' must give {list(NETWORK_FIELDS)}")
        if not _finite(m["fixed_ms"]):
            raise DataError(f"{where}: fixed_ms must be a number, got {m['fixed_ms']!r}")
        df = self.entries
        absent = [c for c in COLUMNS if c not in df.columns]
        if absent:
            raise DataError(f"{where}: table.csv lacks columns {absent}; expected {list(COLUMNS)}")
        if df.empty:
            raise DataError(f"{where}: table.csv has no entries")
        ints = list(KEY[1:])
        bad = df[ints + ["median_ms"]].isna().any(axis=1)
        if bad.any():
            raise DataError(
                f"{where}: table.csv row {int(np.flatnonzero(bad)[0]) + 2} has empty "
                "fields; the file may be truncated: re-record it"
            )
        if not (df["median_ms"] > 0).all():
            raise DataError(f"{where}: table.csv has non-positive median_ms; re-record it")
        if self.entries.duplicated(list(KEY)).any():
            raise DataError(f"{where}: table.csv has duplicate configurations")

    def check_network(self, shape: NetworkShape) -> None:
        net, where = self.manifest["network"], self._where()
        mismatch = [
            f"{k}: table {net[k]!r}, problem {getattr(shape, k)!r}"
            for k in ("name", "width", "image_size", "num_classes")
            if net[k] != getattr(shape, k)
        ]
        channels = (
            net["in_channels"] if isinstance(net["in_channels"], list) else [net["in_channels"]]
        )
        if shape.in_channels not in channels:
            mismatch.append(f"in_channels: table {channels}, problem {shape.in_channels}")
        if mismatch:
            raise DataError(
                f"{where} was made for another network ({'; '.join(mismatch)}); "
                "record a table for this network and input with "
                "`python -m hamp_bench.record_latency`"
            )

    # -- lookups -------------------------------------------------------------------------------
    def lookup(self, configs: pd.DataFrame) -> np.ndarray:
        """Median ms of each configuration row; missing ones interpolated or refused."""
        keys = configs[list(KEY)].itertuples(index=False)
        idx = np.array([self._index.get(tuple(k), -1) for k in keys])
        ms = np.where(idx >= 0, self.entries["median_ms"].to_numpy()[np.maximum(idx, 0)], np.nan)
        missing = np.flatnonzero(idx < 0)
        if len(missing) and self.manifest["interpolation"] == "linear_macs":
            ms[missing] = self._interpolate(configs.iloc[missing])
            missing = missing[np.isnan(ms[missing])]
        if len(missing):
            row = configs.iloc[missing[0]]
            raise DataError(
                f"{self._where()} has no entry for {describe_config(row)} "
                f"({len(missing)} configurations missing in all); record them with "
                "`python -m hamp_bench.record_latency` for this network, levels and round_to, or "
                "declare `interpolation: linear_macs` in the manifest"
            )
        return ms

    def _interpolate(self, configs: pd.DataFrame) -> np.ndarray:
        shape = ["op", "kernel", "stride", "in_hw", "batch"]
        known = self.entries.assign(macs=config_macs(self.entries))
        out = np.full(len(configs), np.nan)
        want = configs.assign(macs=config_macs(configs)).reset_index(drop=True)
        for key, rows in want.groupby(shape):
            same = known.loc[(known[shape] == pd.Series(dict(zip(shape, key)))).all(axis=1)]
            if len(same) < 2:
                continue
            same = same.sort_values("macs")
            x, y = same["macs"].to_numpy(), same["median_ms"].to_numpy()
            inside = (rows["macs"] >= x[0]) & (rows["macs"] <= x[-1])
            out[rows.index[inside]] = np.interp(rows["macs"][inside], x, y)
        return out


class TableLookup:
    """A table bound to one network's genome space: latency of any batch of keep counts."""

    def __init__(self, table: LatencyTable, costs: CostModel, choices: list[np.ndarray]):
        configs = reachable_configs(costs, choices)
        ms = table.lookup(configs)
        self.fixed_ms = float(table.manifest["fixed_ms"])
        # one dense (cin+1) x (cout+1) block per layer, concatenated; NaN where unreachable
        self._stride = costs.cout + 1
        self._offset = np.concatenate([[0], np.cumsum((costs.cin + 1) * (costs.cout + 1))[:-1]])
        self._flat = np.full(int(((costs.cin + 1) * (costs.cout + 1)).sum()), np.nan)
        layer = configs["layer"].to_numpy()
        self._flat[
            self._offset[layer]
            + configs["cin"].to_numpy() * self._stride[layer]
            + configs["cout"].to_numpy()
        ] = ms
        self._costs = costs

    def layer_ms(self, keep: np.ndarray) -> np.ndarray:
        cin, cout, _ = self._costs.channels(keep)
        return self._flat[self._offset + cin * self._stride + cout]

    def latency_ms(self, keep: np.ndarray) -> np.ndarray:
        return self.layer_ms(keep).sum(axis=1) + self.fixed_ms


def base_manifest(**fields: Any) -> dict[str, Any]:
    """A manifest with every field present (unknowns as 'unknown'), today's date and this tool."""
    from hamp_bench import __version__

    m = {f: "unknown" for f in MANIFEST_FIELDS}
    m.update(
        format=FORMAT,
        date=_dt.date.today().isoformat(),
        tool=f"hamp_bench {__version__}",
        interpolation="none",
    )
    m.update(fields)
    return m


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))
