"""`hardware=table`: latency looked up in a latency table (recorded or modelled) with its
manifest; `hardware=jetson_nano`: the same, from the modelled Jetson Nano tables shipped with
the suite (one per network preset)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hamp_bench.errors import ConfigError
from hamp_bench.problem import Objective
from hamp_bench.problems.costs import CostModel
from hamp_bench.problems.hardware.base import HardwareProfile
from hamp_bench.problems.hardware.table import LatencyTable, NetworkShape, TableLookup

SHIPPED = Path(__file__).resolve().parent / "tables"


class TableProfile(HardwareProfile):
    objective = Objective("latency_ms", unit="ms (from a latency table)", cheap=True)

    def __init__(self, cfg):
        super().__init__(cfg)
        self.table: LatencyTable | None = None
        self._lookup: TableLookup | None = None

    def table_path(self, shape: NetworkShape) -> Path:
        if not self.cfg.path:
            raise ConfigError("hardware=table needs hardware.path=<folder with table.csv and "
                              "manifest.yaml>; record one with `python -m hamp_bench.record`")
        return Path(self.cfg.path).expanduser()

    def bind(self, costs: CostModel, choices: list[np.ndarray], shape: NetworkShape) -> None:
        self.table = LatencyTable.load(self.table_path(shape))
        self.table.check_network(shape)
        if self.table.manifest["precision"] != self.cfg.precision:
            raise ConfigError(
                f"{self.table.path} was timed at precision {self.table.manifest['precision']} but "
                f"hardware.precision={self.cfg.precision}; set hardware.precision="
                f"{self.table.manifest['precision']} so that memory and latency agree")
        self._lookup = TableLookup(self.table, costs, choices)
        m = self.table.manifest
        self.objective = Objective("latency_ms", unit=f"ms, {m['provenance']} table: {m['device']}, "
                                   f"{m['runtime']} {m['precision']}", cheap=True)

    def latency(self, costs: CostModel, keep: np.ndarray) -> np.ndarray:
        if self._lookup is None:
            raise RuntimeError("TableProfile.latency called before bind()")
        return self._lookup.latency_ms(keep)

    def describe(self) -> dict:
        d = super().describe()
        if self.table is not None:
            keys = ("provenance", "device", "runtime", "runtime_version", "execution_provider",
                    "precision", "threads", "power_mode", "date", "fixed_ms",
                    "interpolation")
            d.update(path=str(self.table.path), table_sha256=self.table.sha256,
                     table={k: self.table.manifest[k] for k in keys})
            if "fit" in self.table.manifest:
                d["table"]["fit"] = self.table.manifest["fit"]
        return d


    def identity(self) -> dict:
        """The table's content, not where it lies: moving a table keeps its runs comparable."""
        return {k: v for k, v in self.describe().items() if k != "path"}


class JetsonNanoProfile(TableProfile):
    """The shipped, modelled Jetson Nano tables (docs/hardware.md says how they were made)."""

    def table_path(self, shape: NetworkShape) -> Path:
        if self.cfg.path:
            raise ConfigError("hardware=jetson_nano uses the shipped tables; for your own table "
                              "use hardware=table hardware.path=...")
        path = SHIPPED / "jetson_nano" / shape.name
        if not path.is_dir():
            have = sorted(p.name for p in (SHIPPED / "jetson_nano").iterdir() if p.is_dir())
            raise ConfigError(f"no shipped Jetson Nano table for network {shape.name!r} (tables "
                              f"exist for {have}); record one with `python -m hamp_bench.record`")
        return path
