"""`hardware=table`: latency looked up in a latency table (recorded or modelled) with its
manifest; `hardware=jetson_nano`: the same, from the modelled Jetson Nano tables shipped with
the suite (one per network preset)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hamp_bench.errors import ConfigError
from hamp_bench.objective_space import Objective
from hamp_bench.problems.hardware.base import HardwareProfile
from hamp_bench.problems.hardware.table import LatencyTable, NetworkShape, TableLookup

if TYPE_CHECKING:
    from hamp_bench.problems.search_space import PruningSpace

SHIPPED = Path(__file__).resolve().parent / "tables"
#: what a profile's description keeps of its table's manifest
MANIFEST_KEYS = (
    "provenance",
    "device",
    "runtime",
    "runtime_version",
    "execution_provider",
    "precision",
    "threads",
    "power_mode",
    "date",
    "fixed_ms",
    "interpolation",
)


class TableProfile(HardwareProfile):
    """`path`: the folder with table.csv and manifest.yaml (docs/hardware.md)."""

    objective = Objective("latency_ms", unit="ms (from a latency table)", cheap=True)

    def __init__(self, *, name: str = "table", path: str, precision: str = "fp32"):
        super().__init__(name, precision)
        self.path = path
        self.table: LatencyTable | None = None
        self._lookup: TableLookup | None = None

    def table_path(self, shape: NetworkShape) -> Path:
        if not self.path:
            raise ConfigError(
                "hardware=table needs hardware.path=<folder with table.csv and "
                "manifest.yaml>; record one with `python -m hamp_bench.record_latency`"
            )
        return Path(self.path).expanduser()

    def bind(self, space: PruningSpace) -> None:
        self.table = LatencyTable.load(self.table_path(space.shape))
        self.table.check_network(space.shape)
        if self.table.manifest["precision"] != self.precision:
            raise ConfigError(
                f"{self.table.path} was timed at precision {self.table.manifest['precision']} but "
                f"hardware.precision={self.precision}; set hardware.precision="
                f"{self.table.manifest['precision']} so that memory and latency agree"
            )
        self._lookup = TableLookup(self.table, space.costs, space.choices)
        m = self.table.manifest
        self.objective = Objective(
            "latency_ms",
            unit=f"ms, {m['provenance']} table: {m['device']}, {m['runtime']} {m['precision']}",
            cheap=True,
        )

    def latency(self, keep: np.ndarray) -> np.ndarray:
        if self._lookup is None:
            raise RuntimeError("TableProfile.latency called before bind()")
        return self._lookup.latency_ms(keep)

    def describe(self) -> dict:
        d = super().describe()
        if self.table is not None:
            d.update(
                path=str(self.table.path),
                table_sha256=self.table.sha256,
                table={k: self.table.manifest[k] for k in MANIFEST_KEYS},
            )
            if "fit" in self.table.manifest:
                d["table"]["fit"] = self.table.manifest["fit"]
        return d

    def identity(self) -> dict:
        """The table's content, not where it lies: moving a table keeps its runs comparable."""
        return {k: v for k, v in self.describe().items() if k != "path"}


class JetsonNanoProfile(TableProfile):
    """The shipped, modelled Jetson Nano tables (docs/hardware.md says how they were made);
    the network's table is chosen by its name."""

    def __init__(self, *, name: str = "jetson_nano", precision: str = "fp32"):
        super().__init__(name=name, path="", precision=precision)

    def table_path(self, shape: NetworkShape) -> Path:
        path = SHIPPED / "jetson_nano" / shape.name
        if not path.is_dir():
            have = sorted(p.name for p in (SHIPPED / "jetson_nano").iterdir() if p.is_dir())
            raise ConfigError(
                f"no shipped Jetson Nano table for network {shape.name!r} (tables "
                f"exist for {have}); record one with `python -m "
                "hamp_bench.record_latency` and use hardware=table hardware.path=..."
            )
        return path
