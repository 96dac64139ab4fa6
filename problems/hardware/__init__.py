"""Hardware profiles: a function from a pruned network (its keep counts) to latency, plus the
precision that memory is counted at. Built from the `hardware` config group:

- `macs`: MACs as a stand-in (named macs_M, never called a latency);
- `table`: a latency table with its manifest (`hardware.path`), recorded or modelled;
- `jetson_nano`: the shipped, modelled Jetson Nano tables;
- `live`: every candidate timed on this machine.
"""

from __future__ import annotations

from hamp_bench.errors import ConfigError
from hamp_bench.problems.configs import HardwareConfig
from hamp_bench.problems.hardware.base import HardwareProfile
from hamp_bench.problems.hardware.live import LiveProfile
from hamp_bench.problems.hardware.macs import MacsProxy
from hamp_bench.problems.hardware.table_profile import JetsonNanoProfile, TableProfile

PROFILES = {"macs": MacsProxy, "table": TableProfile, "jetson_nano": JetsonNanoProfile,
            "live": LiveProfile}


def build_profile(cfg: HardwareConfig | dict) -> HardwareProfile:
    cfg = cfg if isinstance(cfg, HardwareConfig) else HardwareConfig(**cfg)
    if cfg.name not in PROFILES:
        raise ConfigError(f"hardware.name={cfg.name!r} is unknown; choose one of {sorted(PROFILES)}")
    return PROFILES[cfg.name](cfg)


__all__ = ["HardwareConfig", "HardwareProfile", "PROFILES", "build_profile"]
