"""`python -m hamp_bench.export RUN_DIR --pick ... --out DIR`: from a run's front to deployable
models. For each picked solution: the pruned network rebuilt from the record's config and genome
(as it was evaluated), fine-tuned longer, scored on the validation and test splits, written as
model.onnx (onnxruntime's outputs checked against torch's) and model.pt (a state dict that loads
with weights_only=True, plus its architecture; `hamp_bench.problems.export.load_model`), and a
model card (card.md, card.json) with the figures and the command and record it came from.

Everything that can be refused is refused before anything is written: an incomplete record, a
record of a benchmark function, a base model or dataset that cannot be rebuilt here or differs
from the record's, a pick that selects nothing (docs/export.md)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hamp_bench.cli.errors import cli_errors
from hamp_bench.errors import ConfigError, RecordError
from hamp_bench.pick import choose, parse_pick
from hamp_bench.run_record import EVALUATIONS, FRONT, RUN_JSON

PROG = "hamp_bench.export"
DEFAULT_EPOCHS = 2.0


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog=f"python -m {PROG}", description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path, help="a completed run's folder (run.json, front.csv)")
    ap.add_argument(
        "--pick",
        nargs="+",
        required=True,
        metavar="SPEC",
        help="eval_id=N | knee | all | max_<column>=<value> ... minimise=<column>",
    )
    ap.add_argument("--out", type=Path, required=True, help="folder for the exported models")
    ap.add_argument(
        "--finetune-epochs",
        type=float,
        default=DEFAULT_EPOCHS,
        help=f"epochs of further fine-tuning on the training split (default {DEFAULT_EPOCHS:g}; "
        "0: the network as it was evaluated)",
    )
    ap.add_argument(
        "--measure", action="store_true", help="also time the model live on this machine"
    )
    ap.add_argument(
        "--retrained-base",
        action="store_true",
        help="a surrogate record: accept a source base model retrained from the same recipe "
        "(problem.rescore_base=retrained)",
    )
    args = ap.parse_args(argv)
    command = f"python -m {PROG} " + " ".join(shlex.quote(a) for a in argv)
    with cli_errors(PROG, lambda: f"{args.out} may hold some of the exported models"):
        written = export(args, command)
    for folder in written:
        print(f"exported {folder}")


def read_record(run_dir: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame | None]:
    """run.json, front.csv and (where kept) evaluations.csv of a completed run."""
    try:
        meta = json.loads((run_dir / RUN_JSON).read_text())
    except (OSError, ValueError) as e:
        raise RecordError(
            f"{run_dir} holds no readable run record ({RUN_JSON}: {e}); pass a run's folder"
        ) from None
    if meta.get("status") != "completed" or not (run_dir / FRONT).is_file():
        raise RecordError(
            f"{run_dir} holds an incomplete record (status {meta.get('status')!r}"
            f"{'' if (run_dir / FRONT).is_file() else ', no front.csv'}); finish the run (the "
            "same command resumes it) and export from the completed record"
        )
    front = pd.read_csv(run_dir / FRONT)
    path = run_dir / EVALUATIONS
    evaluations = pd.read_csv(path) if path.is_file() else None
    return meta, front, evaluations


def true_problem(meta: dict[str, Any], retrained_base: bool):
    """The record's problem rebuilt here, or a surrogate's true source problem; refused where
    it is not a pruning problem or its base model or data differ from the record's."""
    from hamp_bench.components import build

    cfg = meta["config"]["problem"]
    try:
        problem = build(cfg, "problem")
    except ConfigError:
        raise
    except Exception as e:  # missing data, a model that cannot be trained here, ...
        raise ConfigError(
            f"the record's problem {meta['problem']['name']!r} cannot be rebuilt here "
            f"({type(e).__name__}: {e}); provide its dataset and base model"
        ) from e
    if getattr(problem, "surrogate", False):
        if retrained_base:
            problem.rescore_base = "retrained"
        return problem.source_problem(), True
    if not hasattr(problem, "pruned_network"):
        raise ConfigError(
            f"the record is of {meta['problem']['name']!r}, a benchmark function: there is no "
            "network to export; export from a pruning problem's run"
        )
    _check_same_problem(problem, meta["problem"])
    return problem, False


def _check_same_problem(problem, recorded: dict[str, Any]) -> None:
    """The base model's weights and the data's content must be the record's."""
    mine = problem.config()
    base = (recorded.get("base_model") or {}).get("weights_sha256")
    data = (recorded.get("data") or {}).get("content_sha256")
    if base is not None and mine["base_model"] != base:
        raise ConfigError(
            f"the base model rebuilt here has weights sha256 {mine['base_model'][:12]}..., the "
            f"record's {base[:12]}... ({recorded['base_model'].get('path')}); the front was "
            "found for other weights: export on the machine that ran it, or copy its base "
            "model file into problem.model_dir here"
        )
    if data is not None and mine["dataset"]["content_sha256"] != data:
        raise ConfigError(
            f"the dataset read here (content sha256 {mine['dataset']['content_sha256'][:12]}...)"
            f" differs from the record's ({data[:12]}...); provide the record's data"
        )


def export(args, command: str) -> list[Path]:
    meta, front, evaluations = read_record(args.run_dir)
    columns = [c for c in front.columns if c not in ("eval_id", "batch", "cached", "wall_s")
               and not (c.startswith("x") and c[1:].isdigit())]  # fmt: skip
    pick = parse_pick(args.pick, columns)
    from hamp_bench.objective_space import ObjectiveSpace

    space = ObjectiveSpace.from_record(meta["problem"])
    chosen = choose(pick, front, space, evaluations)
    if args.finetune_epochs < 0:
        raise ConfigError(f"--finetune-epochs must be >= 0, got {args.finetune_epochs}")
    if args.out.exists() and any(args.out.iterdir()):
        raise ConfigError(f"--out {args.out} is not empty; name a new folder")
    problem, from_surrogate = true_problem(meta, args.retrained_base)
    from hamp_bench.cli.model_card import export_one

    genes = [f"x{i}" for i in range(problem.n_var)]
    written = []
    for _, row in chosen.iterrows():
        folder = args.out if len(chosen) == 1 else args.out / f"eval{int(row.eval_id)}"
        genome = row[genes].to_numpy(dtype=np.int64)
        export_one(problem, genome, row, meta, args, command, folder, from_surrogate, pick)
        written.append(folder)
    return written
