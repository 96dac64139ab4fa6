"""One run: build problem and algorithm from a config, run them through the evaluator, and
leave a complete run record whatever happens (completed, interrupted or failed).

Independent of Hydra's entry point, so it is also the Python API:
`run_experiment(cfg, run_dir)` with a composed config. Part of the engine: it builds the
problem and the algorithm from their `_target_` (hamp_bench/components.py) and imports neither
problems/ nor algorithms/.
"""

from __future__ import annotations

import logging
import platform
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
from hamp_bench.file_cache import FileEvaluationCache
from hamp_bench.problem import Problem
from hamp_bench.progress import Progress
from hamp_bench.resume import prior_record
from hamp_bench.run_record import (
    EVALUATIONS,
    FRONT,
    RECORD_VERSION,
    RUN_JSON,
    EvaluationLog,
    RunJson,
    evaluation_columns,
    now_iso,
    read_evaluations,
)
from hamp_bench.signals import signals_deferred, sigterm_raises
from hamp_bench.telemetry import ALGORITHM_JSON, Telemetry
from hamp_bench.workers import WorkerPool, check_devices

log = logging.getLogger("hamp_bench")


@dataclass
class RunOutcome:
    run_dir: Path
    status: str
    evaluator: Evaluator | None  # None where the record was already complete (skipped)
    algorithm: Algorithm
    problem: Problem
    action: str = "new"  # new, resumed, or skipped (the folder held the complete record)


def check_run_config(cfg: DictConfig) -> None:
    """Refuse settings that cannot mean what they say, before any work."""
    if cfg.budget < 1:
        raise ConfigError(f"budget must be at least 1 true evaluation, got {cfg.budget}")
    if not 0 <= cfg.seed < 2**32:
        raise ConfigError(f"seed must be an integer in [0, 2^32), got {cfg.seed}")
    if cfg.evaluator.workers < 1:
        raise ConfigError(
            f"evaluator.workers must be at least 1 (1: evaluate in the run's own process), got "
            f"{cfg.evaluator.workers}"
        )
    for group in ("network", "dataset", "hardware"):
        chosen = cfg.get(group)
        if chosen is not None and group not in cfg.problem:
            raise ConfigError(
                f"{group}={chosen.get('name', '?')} has no effect on problem={cfg.problem.name}, "
                f"which has no {group}; drop the override, or choose a pruning problem such as "
                "problem=vgg16_digits"
            )


def open_cache(
    cfg: DictConfig, problem: Problem, run_dir: Path
) -> EvaluationCache | FileEvaluationCache | None:
    """The shared evaluation cache (SQLite on a local disk, or a file per entry on a network
    filesystem), or None where it is off."""
    enabled = problem.expensive if cfg.cache.enabled is None else cfg.cache.enabled
    if not enabled:
        return None
    backend = getattr(cfg.cache.backend, "value", cfg.cache.backend)
    kind = FileEvaluationCache if backend == "files" else EvaluationCache
    return kind(cfg.cache.dir, run=str(run_dir.resolve()))


def open_pool(cfg: DictConfig, problem: Problem) -> WorkerPool | None:
    """Worker processes for `evaluator.workers` > 1 or `evaluator.devices` (expensive problems
    only: a cheap one is evaluated a batch per vectorised call)."""
    workers, devices = int(cfg.evaluator.workers), list(cfg.evaluator.devices)
    if workers == 1 and not devices:
        return None
    if not problem.expensive:
        raise ConfigError(
            f"evaluator.workers / evaluator.devices have no effect on problem={problem.name}, "
            "whose batches are evaluated in one vectorised call; drop them"
        )
    problem_cfg = OmegaConf.to_container(cfg.problem, resolve=True, enum_to_str=True)
    return WorkerPool(problem_cfg, problem.fingerprint(), workers, devices)


def run_experiment(
    cfg: DictConfig, run_dir: Path, overrides: list[str] | None = None
) -> RunOutcome:
    """Run one (problem, algorithm, seed, budget) cell and write its record into run_dir; a
    record of the same run already there is continued, or left alone if complete
    (hamp_bench/resume.py)."""
    check_run_config(cfg)
    prior = prior_record(run_dir, cfg.resume)  # cheap: before building anything
    check_devices(list(cfg.evaluator.devices), cfg.problem.get("device"))
    algorithm_cls, algorithm_kwargs = resolve(cfg.algorithm, "algorithm")
    algorithm: Algorithm = algorithm_cls(**algorithm_kwargs)
    problem: Problem = build(cfg.problem, "problem")
    algorithm.check(problem, int(cfg.budget))  # before any record: a refusal leaves none
    config = {
        **OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
        # the algorithm as built (after `algorithm._target_=...`, not the preset's keys)
        "algorithm": as_config(algorithm_cls, algorithm_kwargs),
    }
    if prior is not None:
        prior.check_matches(config, problem.fingerprint())
        if prior.complete:
            log.info("%s holds this run's complete record; nothing to do", run_dir)
            return RunOutcome(run_dir, "completed", None, algorithm, problem, action="skipped")

    var_names = [f"x{i}" for i in range(problem.n_var)]
    columns = evaluation_columns(
        var_names, problem.objective_names, list(problem.extra_names), problem.constraint_names
    )
    pool = open_pool(cfg, problem)  # starts no process until the first evaluation
    replay = None
    if prior is not None:
        replay = read_evaluations(
            run_dir / EVALUATIONS, columns, problem.n_var, problem.n_obj, problem.n_con
        )
    cache = open_cache(cfg, problem, run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if prior is None:  # a fresh start: nothing of an earlier record may survive into this one
        for stale in (FRONT, ALGORITHM_JSON):
            (run_dir / stale).unlink(missing_ok=True)
        run_json = RunJson(
            run_dir / RUN_JSON,
            {
                "problem": problem.describe(),
                "algorithm": algorithm.name,
                "seed": int(cfg.seed),
                "budget": int(cfg.budget),
                "config": config,
                "overrides": list(overrides or []),
                "resumed": [],
            },
        )
    else:
        run_json = RunJson.resume(
            run_dir / RUN_JSON,
            prior.content,
            {
                "at": now_iso(),
                "from_eval": len(replay),
                "previous_status": prior.status,
                "host": platform.node(),
            },
        )
        log.info("resuming %s from evaluation %d (%s)", run_dir, len(replay), prior.status)
    evaluations = EvaluationLog(
        run_dir / EVALUATIONS,
        columns,
        flush_every_s=cfg.run_record.flush_every_s,
        append=prior is not None,
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
        problem,
        cfg.budget,
        log=evaluations,
        cache=cache,
        progress=progress,
        telemetry=telemetry,
        replay=replay,
        pool=pool,
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
                    evaluations,
                    evaluator,
                    progress,
                    cache,
                    status,
                    error,
                    time.perf_counter() - start,
                )
    if pending is not None:
        raise pending
    action = "new" if prior is None else "resumed"
    return RunOutcome(run_dir, status, evaluator, algorithm, problem, action=action)


def _finish(
    run_dir: Path,
    run_json: RunJson,
    evaluations: EvaluationLog,
    evaluator: Evaluator,
    progress: Progress,
    cache: EvaluationCache | FileEvaluationCache | None,
    status: str,
    error: str | None,
    wall_s: float,
) -> None:
    """Write the final record; runs even after Ctrl-C so the partial record stays valid."""
    progress.close(evaluator.used, len(evaluator.front))
    evaluations.close()
    test = {}
    front = evaluator.front
    if status == "completed" and len(front) and front.feasible.any():
        test = evaluator.test_scores(front.X)
    if evaluator.problem.n_con:  # a front of least-violating points while none is feasible
        test = {"feasible": front.feasible.tolist(), **test}
    evaluations.write_front(
        run_dir / FRONT, list(front.payload), test
    )  # ids ascend: evaluation order
    evaluator.telemetry.write(
        {"record_version": RECORD_VERSION, "algorithm": run_json.content["algorithm"]}
    )
    if cache is not None:
        cache.close()
    if evaluator.pool is not None:
        evaluator.pool.close()
    run_json.update(
        status=status,
        error=error,
        budget_used=evaluator.used,
        cache_hits=evaluator.cache_hits,
        front_size=len(evaluator.front),
        wall_s=wall_s,
        finished_at=now_iso(),
    )
