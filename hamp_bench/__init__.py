"""hamp_bench: a benchmark suite for hardware-aware pruning with multi-objective EAs.

The modules of this folder are the engine (seams, objective space, components, runner,
evaluator, cache, run record, telemetry); it imports nothing from problems/, algorithms/,
reports/ or cli/, which compose it. The short modules `report`, `pretrain`, `record_latency`,
`validate_table` (and the deprecated `record`) only give `python -m hamp_bench.<name>` its name:
the entry points live in cli/.

Installed, the engine (hamp_bench/), problems/, algorithms/, reports/ and conf/ of the source
tree all live under this one import name. Run from a source checkout without installing,
the checkout's root joins this package's search path so that `hamp_bench.problems` and the
others resolve to the same folders as they do once installed.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"

_root = _Path(__file__).resolve().parent.parent
if (_root / "pyproject.toml").is_file() and (_root / "problems" / "__init__.py").is_file():
    __path__.append(str(_root))  # type: ignore[name-defined]
