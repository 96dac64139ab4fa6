"""`python -m hamp_bench.build_surrogate problem=<true problem> n=<evaluations> out=<dir>`:
build a surrogate artifact (docs/surrogates.md).

1. `n` true evaluations of the sampling design (`algorithm=design`, algorithms/design.py)
   through the normal runner: shared cache, progress and a run record in `<out>/build`; a
   killed build continues where it stopped when the same command runs again.
2. With `noise=K`, K of those genomes evaluated again with another fine-tuning seed
   (`problem.fidelity.finetune_seed=1`): the evaluation's own rank noise (docs/surrogates.md: a
   model of the mean error can rank above it).
3. Candidate regressors of the error, one chosen by k-fold Kendall tau (`folds`), scored on a
   held-out share (`holdout`), written as ONNX with a manifest into `<out>` (manifest.json,
   model.onnx, evaluations.csv.gz), beside the records.

Builder keys: n, out, folds (5), holdout (0.2), seed (0), noise (0). Every other key=value is an
override of the run config (problem=..., problem.threads=1, cache.dir=..., progress.mode=...).
"""

from __future__ import annotations

import gzip
import json
import logging
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from hamp_bench.cli.errors import cli_errors
from hamp_bench.errors import ConfigError

PROG = "hamp_bench.build_surrogate"
BUILDER_KEYS = {"n": int, "out": str, "folds": int, "holdout": float, "seed": int, "noise": int}
NOISE_SEED = 1
log = logging.getLogger("hamp_bench")


def parse(argv: list[str]) -> tuple[dict, list[str]]:
    """Builder settings and the run overrides, from key=value arguments."""
    settings: dict = {"folds": 5, "holdout": 0.2, "seed": 0, "noise": 0}
    overrides = []
    for arg in argv:
        key, eq, value = arg.partition("=")
        if key in BUILDER_KEYS and eq:
            try:
                settings[key] = BUILDER_KEYS[key](value)
            except ValueError:
                raise ConfigError(
                    f"{key}={value!r}: expected {BUILDER_KEYS[key].__name__}"
                ) from None
        else:
            overrides.append(arg)
    for key in ("n", "out"):
        if key not in settings:
            raise ConfigError(
                f"{key}=... is required: {PROG} problem=<true problem> n=<N> out=<dir>"
            )
    if not any(o.startswith("problem=") for o in overrides):
        raise ConfigError("problem=<true problem> is required, e.g. problem=resnet20_digits")
    if settings["folds"] < 2:
        raise ConfigError(f"folds must be at least 2, got {settings['folds']}")
    if not 0 < settings["holdout"] < 1:
        raise ConfigError(f"holdout must be a share in (0, 1), got {settings['holdout']}")
    n_train = settings["n"] - int(round(settings["holdout"] * settings["n"]))
    if n_train < settings["folds"]:
        raise ConfigError(
            f"n={settings['n']} leaves {n_train} training evaluations after the held-out share "
            f"{settings['holdout']}, fewer than folds={settings['folds']}; raise n"
        )
    if settings["n"] - n_train < 3:
        raise ConfigError(
            f"n={settings['n']} with holdout={settings['holdout']} holds out fewer than 3 "
            "evaluations, too few to score the model; raise n or holdout"
        )
    if not 0 <= settings["noise"] <= settings["n"]:
        raise ConfigError(f"noise must be in [0, n], got {settings['noise']}")
    return settings, overrides


def compose_run(overrides: list[str]):
    from hydra import compose, initialize_config_module

    from hamp_bench.cli.configs import register_configs

    register_configs()
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s][%(name)s] %(message)s")
    with cli_errors(PROG, lambda: "the evaluations made so far are kept; the same command resumes"):
        build(argv)


def build(argv: list[str]) -> Path:
    settings, overrides = parse(argv)
    out = Path(settings["out"])
    from hamp_bench.runner import run_experiment

    design = ["algorithm=design", f"budget={settings['n']}", f"seed={settings['seed']}"]
    cfg = compose_run([*overrides, *design])
    if cfg.problem.get("_target_") != "hamp_bench.problems.pruning_problem.PruningProblem":
        raise ConfigError(
            f"problem={cfg.problem.name} is not a true pruning problem; surrogates model a "
            "pruning problem's error (a surrogate cannot be the source of another)"
        )
    outcome = run_experiment(cfg, out / "build", [*overrides, *design])
    if outcome.status != "completed":
        raise ConfigError(f"the build's evaluations ended {outcome.status}; run the same command")
    problem = outcome.problem
    noise = _noise(settings, overrides, problem, out) if settings["noise"] else None
    return write(settings, argv, problem, out, noise)


def _noise(settings, overrides, problem, out: Path) -> dict:
    """Re-evaluate `noise` of the build's genomes with another fine-tuning seed, through a run of
    their own (cached and resumable like the build): Kendall tau between the two evaluations."""
    import pandas as pd

    from hamp_bench.runner import run_experiment

    # the design's own keys (algorithm.lhs, ...) mean nothing to the listed genomes' run
    overrides = [o for o in overrides if not o.lstrip("+~").startswith("algorithm.")]
    build = pd.read_csv(out / "build" / "evaluations.csv")
    picked = np.sort(
        np.random.default_rng(settings["seed"]).choice(len(build), settings["noise"], replace=False)
    )
    genes = [f"x{i}" for i in range(problem.n_var)]
    (out / "noise").mkdir(parents=True, exist_ok=True)
    listing = out / "noise" / "genomes.csv"
    build.loc[picked, genes].to_csv(listing, index=False)
    cfg = compose_run(
        [
            *overrides,
            f"problem.fidelity.finetune_seed={NOISE_SEED}",
            "algorithm._target_=hamp_bench.algorithms.listed.ListedGenomes",
            f"+algorithm.genomes={listing.resolve()}",
            f"budget={len(picked)}",
            f"seed={settings['seed']}",
        ]
    )
    outcome = run_experiment(cfg, out / "noise" / "run", overrides)
    if outcome.status != "completed":
        raise ConfigError(f"the noise evaluations ended {outcome.status}; run the same command")
    again = pd.read_csv(out / "noise" / "run" / "evaluations.csv")["error"].to_numpy()
    first = build.loc[picked, "error"].to_numpy()
    inside = _in_roi(problem, first)
    from hamp_bench.problems.surrogates.fit import rank_scores

    return {
        "wall_s": json.loads((out / "noise" / "run" / "run.json").read_text()).get("wall_s"),
        "genomes": len(picked),
        "finetune_seeds": [problem.fidelity.finetune_seed, NOISE_SEED],
        "all": rank_scores(first, again),
        "roi": rank_scores(first[inside], again[inside]),
        "errors": again.tolist(),
        "rows": picked.tolist(),
    }


def _in_roi(problem, error: np.ndarray) -> np.ndarray:
    """Which errors lie inside the problem's region of interest (error in its own column)."""
    F = np.zeros((len(error), problem.n_obj))
    F[:, problem.objective_keys.index("error")] = error
    return problem.space.in_roi(problem.space.to_min(F))


def write(settings, argv, problem, out: Path, noise) -> Path:
    import pandas as pd

    from hamp_bench import __version__
    from hamp_bench.problems.surrogates.artifact import EVALUATIONS, MODEL, write_artifact
    from hamp_bench.problems.surrogates.fit import features, fit_error_model, to_onnx_bytes
    from hamp_bench.problems.surrogates.problem import _onnx_session

    t0 = time.perf_counter()
    run = json.loads((out / "build" / "run.json").read_text())
    df = pd.read_csv(out / "build" / "evaluations.csv")
    genes = [f"x{i}" for i in range(problem.n_var)]
    X = df[genes].to_numpy(np.int64)
    full = problem.search_space.keep(problem.xu[None])
    macs_full = float(problem.costs.macs(full)[0])
    params_full = float(problem.costs.params(full)[0])
    Z = features(X, problem.xl, problem.xu, df["macs"] / macs_full, df["params"] / params_full)
    y = df["error"].to_numpy(float)
    in_roi = _in_roi(problem, y)
    fit = fit_error_model(Z, y, in_roi, settings["folds"], settings["holdout"], settings["seed"])
    model = to_onnx_bytes(fit.model, Z.shape[1])
    (onnx_pred,) = _onnx_session(model).run(None, {"X": Z})
    onnx_diff = float(np.abs(np.asarray(onnx_pred).reshape(-1) - fit.model.predict(Z)).max())
    fit_s = time.perf_counter() - t0
    describe = problem.describe()
    keep = ("n_var", "var_type", "xl", "xu", "objectives", "ideal", "nadir", "full_nadir", "roi")
    source_cfg = run["config"]["problem"]
    manifest = {
        "name": out.name,
        "source": {
            "problem": problem.name,
            "fingerprint": problem.fingerprint(),
            "objective_keys": problem.objective_keys,
            "config": source_cfg,
            "describe": {k: describe[k] for k in keep},
            "data": describe["data"],
            "base_model": {
                k: describe["base_model"].get(k)
                for k in ("val_error", "test_error", "weights_sha256")
            },  # fmt: skip
            "fidelity": describe["fidelity"],
            "platform": describe["platform"],
        },
        "n": int(len(df)),
        "design": run["config"]["algorithm"] | {"seed": run["seed"]},
        "features": {
            "genes": "(x - xl) / (xu - xl)",
            "extra": ["macs / macs_full", "params / params_full"],
            "macs_full": macs_full,
            "params_full": params_full,
        },
        "model": {
            "kind": fit.name,
            "file": MODEL,
            "folds": settings["folds"],
            "cv_kendall_tau": fit.cv_tau,
            "holdout": settings["holdout"],
            "train_rows": len(fit.train_idx),
            "onnx_max_abs_diff": onnx_diff,
        },
        "held_out": fit.held_out,
        "roi_share": float(in_roi.mean()),
        "noise_ceiling": None
        if noise is None
        else {k: v for k, v in noise.items() if k not in ("errors", "rows", "wall_s")},
        "build": {
            "command": f"python -m {PROG} " + " ".join(shlex.quote(a) for a in argv),
            "true_evaluations_wall_s": run.get("wall_s"),  # run.json's: the last session's
            "resumed": len(run.get("resumed", [])),
            "noise_wall_s": None if noise is None else noise["wall_s"],  # its run.json's
            "fit_wall_s": fit_s,
            "hamp_bench": __version__,
            "versions": run.get("versions"),
        },
    }
    evaluations = df.copy()
    if noise is not None:
        evaluations["error_noise_seed"] = np.nan
        evaluations.loc[noise["rows"], "error_noise_seed"] = noise["errors"]
    files = {
        MODEL: model,
        EVALUATIONS: gzip.compress(evaluations.to_csv(index=False).encode(), mtime=0),
    }
    folder = write_artifact(out, manifest, files)
    log.info(
        "surrogate %s: %s chosen (k-fold tau %s), held-out tau %.3f overall, %s inside the "
        "region of interest; artifact in %s",
        out.name,
        fit.name,
        {k: round(v, 3) for k, v in fit.cv_tau.items()},
        fit.held_out.get("all", {}).get("kendall_tau", float("nan")),
        round(fit.held_out.get("roi", {}).get("kendall_tau", float("nan")), 3),
        folder,
    )
    return folder
