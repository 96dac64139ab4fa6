"""The run config's own settings (seed, budget, cache, run record, progress), and the
registration of every schema the config tree's presets name.

There is no registry to edit: a preset says which class (or parameter dataclass) it configures
in its defaults list (`/schema/<group>/<dotted.path>@_here_`), and `register_configs` derives
and stores those schemas (hamp_bench/components.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from hamp_bench.components import register_schemas


class ProgressMode(Enum):
    auto = "auto"  # a bar on a terminal, log lines otherwise
    bar = "bar"
    log = "log"
    off = "off"


class CacheBackend(Enum):
    sqlite = "sqlite"  # one SQLite file in WAL mode: processes on one machine, a local disk
    files = "files"  # a file per entry: a cluster's shared network filesystem (NFS, Lustre)


@dataclass
class CacheConfig:
    enabled: Optional[bool] = None  # None: the problem decides (on for expensive problems)
    backend: CacheBackend = CacheBackend.sqlite
    dir: str = "${oc.env:HAMP_BENCH_CACHE_DIR,'~/.cache/hamp_bench'}"


@dataclass
class RunRecordConfig:
    # how far evaluations.csv may lag behind a cheap problem (an expensive evaluation: no lag)
    flush_every_s: float = 1.0


@dataclass
class EvaluatorConfig:
    # processes that evaluate an expensive problem's genomes in parallel (1: the run's own)
    workers: int = 1
    # a device per worker, in turn (e.g. [cuda:0, cuda:1]); empty: problem.device for all
    devices: List[str] = field(default_factory=list)


@dataclass
class ProgressConfig:
    mode: ProgressMode = ProgressMode.auto
    log_every_s: float = 10.0


@dataclass
class SummaryConfig:
    # the front table printed when a run ends; null: for single runs, not for a sweep's cells
    table: Optional[bool] = None
    # front.png in the run folder; null: for expensive problems (pruning), where it costs
    # nothing noticeable beside the run; false for cheap problems' large sweeps
    figure: Optional[bool] = None


@dataclass
class RunConfig:
    algorithm: Any = MISSING
    problem: Any = MISSING
    network: Any = None  # set by pruning presets (or network=...)
    dataset: Any = None
    hardware: Any = None
    seed: int = 0
    budget: int = 150  # true evaluations (the offline default's; README says how long it takes)
    cache: CacheConfig = field(default_factory=CacheConfig)
    run_record: RunRecordConfig = field(default_factory=RunRecordConfig)
    progress: ProgressConfig = field(default_factory=ProgressConfig)
    evaluator: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    summary: SummaryConfig = field(default_factory=SummaryConfig)
    # null: continue (or skip, if complete) the record of this run that the run folder holds,
    # else start afresh; true: the folder must hold one; false: start afresh, replacing it
    resume: Optional[bool] = None


def conf_dir() -> Path:
    """The config tree shipped with the package (conf/ in a source checkout)."""
    return Path(str(resources.files("hamp_bench.conf")))


def searchpath_dirs(argv: list[str]) -> list[Path]:
    """Config folders of your own given on the command line (`hydra.searchpath=[file://DIR]`),
    so that presets there may name schemas too (docs/extending.md)."""
    dirs = []
    for arg in argv:
        key, _, value = arg.lstrip("+").partition("=")
        if key == "hydra.searchpath":
            for entry in value.strip("[]").split(","):
                entry = entry.strip().strip("'\"")
                if entry.startswith("file://"):
                    dirs.append(Path(entry[len("file://") :]).expanduser())
    return [d for d in dirs if d.is_dir()]


def register_configs(extra_dirs: list[Path] = ()) -> None:
    """Store the run schema and the schemas every preset (ours, and those in `extra_dirs`)
    names."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)
    for folder in [conf_dir(), *extra_dirs]:
        register_schemas(folder)


def register_tool(name: str, schema: type, groups: tuple[str, ...]) -> None:
    """Store a hardware tool's schema and those of the config groups it composes (only those:
    a tool imports no algorithm)."""
    ConfigStore.instance().store(name=name, node=schema)
    for group in groups:
        register_schemas(conf_dir() / group)
