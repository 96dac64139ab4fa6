"""Structured-config schemas: Hydra validates every composed config against them, so a
misspelt key or a wrong type is reported (with its full key) before any work starts.

Each preset in conf/<group>/ extends its schema through `defaults: [/schema/<group>/<kind>@_here_]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from hamp_bench.algorithms.hamp import HAMPConfig
from hamp_bench.algorithms.platypus_moeas import EpsMOEAConfig, IBEAConfig, SPEA2Config
from hamp_bench.algorithms.pymoo_moeas import (AGEMOEAConfig, MOEADConfig, NSGA2Config,
                                               NSGA3Config, SMSEMOAConfig)
from hamp_bench.algorithms.halp import HALPConfig
from hamp_bench.algorithms.random_search import RandomSearchConfig
from hamp_bench.algorithms.scalarised import LatencyConstrainedConfig, WeightedSumConfig
from hamp_bench.algorithms.uniform import UniformConfig
from hamp_bench.problems.benchmarks import BenchmarkConfig
from hamp_bench.tools_config import RecordAppConfig, ValidateAppConfig
from hamp_bench.problems.configs import (DatasetConfig, HardwareConfig, NetworkConfig,
                                         PruningProblemConfig)

SCHEMAS: dict[str, dict[str, type]] = {
    "algorithm": {"hamp": HAMPConfig, "nsga2": NSGA2Config, "nsga3": NSGA3Config, "smsemoa": SMSEMOAConfig,
                  "moead": MOEADConfig, "agemoea": AGEMOEAConfig, "spea2": SPEA2Config,
                  "ibea": IBEAConfig, "emoea": EpsMOEAConfig, "random": RandomSearchConfig,
                  "weighted_sum": WeightedSumConfig, "latency_constrained": LatencyConstrainedConfig,
                  "uniform": UniformConfig, "halp": HALPConfig},
    "problem": {"benchmark": BenchmarkConfig, "pruning": PruningProblemConfig},
    "network": {"network": NetworkConfig},
    "dataset": {"dataset": DatasetConfig},
    "hardware": {"hardware": HardwareConfig},
}


class ProgressMode(Enum):
    auto = "auto"  # a bar on a terminal, log lines otherwise
    bar = "bar"
    log = "log"
    off = "off"


@dataclass
class CacheConfig:
    enabled: Optional[bool] = None  # None: the problem decides (on for expensive problems)
    dir: str = "${oc.env:HAMP_BENCH_CACHE_DIR,'~/.cache/hamp_bench'}"


@dataclass
class RecordConfig:
    flush_every_s: float = 1.0  # evaluations.csv is at most this far behind on disk


@dataclass
class ProgressConfig:
    mode: ProgressMode = ProgressMode.auto
    log_every_s: float = 10.0


@dataclass
class RunConfig:
    algorithm: Any = MISSING
    problem: Any = MISSING
    network: Any = None  # set by pruning presets (or network=...)
    dataset: Any = None
    hardware: Any = None
    seed: int = 0
    budget: int = 10000  # true evaluations
    cache: CacheConfig = field(default_factory=CacheConfig)
    record: RecordConfig = field(default_factory=RecordConfig)
    progress: ProgressConfig = field(default_factory=ProgressConfig)


def register_configs() -> None:
    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)
    cs.store(name="record_schema", node=RecordAppConfig)
    cs.store(name="validate_table_schema", node=ValidateAppConfig)
    for group, schemas in SCHEMAS.items():
        for name, node in schemas.items():
            cs.store(group=f"schema/{group}", name=name, node=node)
