"""One run: build problem and algorithm from a config, run them through the evaluator, and
leave a complete run record whatever happens (completed, interrupted or failed).

Independent of Hydra's entry point, so it is also the Python API:
`run_experiment(cfg, run_dir)` with a composed config. Part of the engine: it builds the
problem and the algorithm from their `_target_` (hamp_bench/components.py) and imports neither
problems/ nor algorithms/.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from hamp_bench.algorithm import Algorithm
from hamp_bench.cache import EvaluationCache
from hamp_bench.components import as_config, build, resolve
from hamp_bench.errors import BudgetExhausted, ConfigError, RunInterrupted
from hamp_bench.evaluator import Evaluator
from hamp_bench.problem import Problem
from hamp_bench.progress import Progress
from hamp_bench.run_record import (
    EVALUATIONS,
    FRONT,
    RECORD_VERSION,
    RUN_JSON,
    EvaluationLog,
    RunJson,
    evaluation_columns,
    now_iso,
)
from hamp_bench.signals import signals_deferred, sigterm_raises
from hamp_bench.telemetry import ALGORITHM_JSON, Telemetry


@dataclass
class RunOutcome:
    run_dir: Path
    status: str
    evaluator: Evaluator
    algorithm: Algorithm
    problem: Problem


def check_run_config(cfg: DictConfig) -> None:
    """Refuse settings that cannot mean what they say, before any work."""
    if cfg.budget < 1:
        raise ConfigError(f"budget must be at least 1 true evaluation, got {cfg.budget}")
    if not 0 <= cfg.seed < 2**32:
        raise ConfigError(f"seed must be an integer in [0, 2^32), got {cfg.seed}")
    for group in ("network", "dataset", "hardware"):
        chosen = cfg.get(group)
        if chosen is not None and group not in cfg.problem:
            raise ConfigError(
                f"{group}={chosen.get('name', '?')} has no effect on problem={cfg.problem.name}, "
                f"which has no {group}; drop the override, or choose a pruning problem such as "
                "problem=vgg16_digits"
            )


def open_cache(cfg: DictConfig, problem: Problem) -> EvaluationCache | None:
    enabled = problem.cache_by_default if cfg.cache.enabled is None else cfg.cache.enabled
    return EvaluationCache(cfg.cache.dir) if enabled else None


def run_experiment(
    cfg: DictConfig, run_dir: Path, overrides: list[str] | None = None
) -> RunOutcome:
    """Run one (problem, algorithm, seed, budget) cell and write its record into run_dir."""
    check_run_config(cfg)
    algorithm_cls, algorithm_kwargs = resolve(cfg.algorithm, "algorithm")  # cheap: first
    algorithm: Algorithm = algorithm_cls(**algorithm_kwargs)
    problem: Problem = build(cfg.problem, "problem")
    algorithm.check(problem, int(cfg.budget))  # before any record: a refusal leaves none
    cache = open_cache(cfg, problem)
    run_dir.mkdir(parents=True, exist_ok=True)

    run_json = RunJson(
        run_dir / RUN_JSON,
        {
            "problem": problem.describe(),
            "algorithm": algorithm.name,
            "seed": int(cfg.seed),
            "budget": int(cfg.budget),
            # the algorithm as built (after `algorithm._target_=...`, not the preset's keys)
            "config": {
                **OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
                "algorithm": as_config(algorithm_cls, algorithm_kwargs),
            },
            "overrides": list(overrides or []),
        },
    )
    var_names = [f"x{i}" for i in range(problem.n_var)]
    log = EvaluationLog(
        run_dir / EVALUATIONS,
        evaluation_columns(var_names, problem.objective_names, list(problem.extra_names)),
        flush_every_s=cfg.run_record.flush_every_s,
    )
    mode = cfg.progress.mode
    progress = Progress(
        cfg.budget,
        mode=getattr(mode, "value", mode),
        log_every_s=cfg.progress.log_every_s,
        desc=f"{algorithm.name} on {problem.name} (seed {cfg.seed})",
    )
    telemetry = Telemetry(run_dir / ALGORITHM_JSON)
    evaluator = Evaluator(
        problem, cfg.budget, log=log, cache=cache, progress=progress, telemetry=telemetry
    )

    status, error, pending = "completed", None, None
    start = time.perf_counter()
    with sigterm_raises():
        try:
            algorithm.run(evaluator, int(cfg.seed))
        except BudgetExhausted:
            pass
        except (KeyboardInterrupt, RunInterrupted) as e:
            status, error, pending = "interrupted", repr(e), e
        except Exception as e:
            status, pending = "failed", e
            error = "".join(traceback.format_exception(e))
        finally:
            with signals_deferred():
                _finish(
                    run_dir,
                    run_json,
                    log,
                    evaluator,
                    progress,
                    cache,
                    status,
                    error,
                    time.perf_counter() - start,
                )
    if pending is not None:
        raise pending
    return RunOutcome(run_dir, status, evaluator, algorithm, problem)


def _finish(
    run_dir: Path,
    run_json: RunJson,
    log: EvaluationLog,
    evaluator: Evaluator,
    progress: Progress,
    cache: EvaluationCache | None,
    status: str,
    error: str | None,
    wall_s: float,
) -> None:
    """Write the final record; runs even after Ctrl-C so the partial record stays valid."""
    progress.close(evaluator.used, len(evaluator.front))
    log.flush()
    test = {}
    if status == "completed" and len(evaluator.front):
        test = evaluator.problem.test_scores(evaluator.problem.check_genome(evaluator.front.X))
    log.write_subset(run_dir / FRONT, evaluator.front.ids, test)
    evaluator.telemetry.write(
        {"record_version": RECORD_VERSION, "algorithm": run_json.content["algorithm"]}
    )
    if cache is not None:
        cache.close()
    run_json.update(
        status=status,
        error=error,
        budget_used=evaluator.used,
        cache_hits=evaluator.cache_hits,
        front_size=len(evaluator.front),
        wall_s=wall_s,
        finished_at=now_iso(),
    )
