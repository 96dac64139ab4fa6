"""docs/extending.md's algorithm recipe, followed: one class (defined here) and one preset
(written into a config folder of our own) make a new algorithm that runs, is validated from its
signature, and records telemetry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hamp_bench.algorithm import Algorithm

from conftest import cli

HERE = Path(__file__).resolve().parent


class Greedy(Algorithm):
    """Samples `batch` genomes around the best one so far."""

    def __init__(self, name: str = "greedy", batch: int = 10, step: float = 0.1):
        super().__init__(name)
        self.require(batch >= 1, "batch", f"must be at least 1, got {batch}")
        self.batch, self.step = batch, step

    def run(self, evaluator, seed: int) -> None:
        p, rng = evaluator.problem, np.random.default_rng(seed)
        best = rng.uniform(p.xl, p.xu)
        while True:
            X = np.clip(
                best + rng.normal(0, self.step, (self.batch, p.n_var)) * (p.xu - p.xl), p.xl, p.xu
            )
            F = evaluator.evaluate(X)
            scores = p.space.normalise(F).sum(axis=1)
            best = X[np.argmin(scores)]
            evaluator.telemetry.log("step", best_sum=float(scores.min()))


@pytest.fixture
def my_conf(tmp_path) -> Path:
    folder = tmp_path / "my_conf" / "algorithm"
    folder.mkdir(parents=True)
    (folder / "greedy.yaml").write_text(
        "# Greedy local sampling around the best genome so far.\n"
        "defaults:\n  - /schema/algorithm/test_extending.Greedy@_here_\n  - _self_\n"
    )
    return tmp_path / "my_conf"


def _env() -> dict:
    return {"PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}


def test_a_new_algorithm_is_one_class_and_one_preset(tmp_path, my_conf):
    r = cli(
        "algorithm=greedy",
        "problem=zdt1",
        "budget=55",
        "algorithm.batch=20",
        f"hydra.searchpath=[file://{my_conf}]",
        "hydra.run.dir=run",
        cwd=tmp_path,
        env=_env(),
    )
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["algorithm"] == "greedy" and run["budget_used"] == 55
    assert run["config"]["algorithm"] == {
        "_target_": "test_extending.Greedy",
        "name": "greedy",
        "batch": 20,
        "step": 0.1,
    }
    telemetry = json.loads((tmp_path / "run" / "algorithm.json").read_text())
    assert len(telemetry["series"]["step"]) == 2  # 20 + 20 evaluated, the third batch is cut


def test_its_parameters_are_checked_from_the_signature(tmp_path, my_conf):
    for override, message in [
        ("algorithm.batch=many", "algorithm.batch"),
        ("algorithm.batch=0", "algorithm.batch must be at least 1"),
        ("algorithm.bach=3", "algorithm.bach"),
    ]:
        r = cli(
            "algorithm=greedy",
            "problem=zdt1",
            override,
            f"hydra.searchpath=[file://{my_conf}]",
            cwd=tmp_path,
            env=_env(),
        )
        assert r.returncode != 0 and message in r.stderr, (override, r.stderr)
        assert "Traceback" not in r.stderr


def test_target_override_gets_only_its_own_parameters(tmp_path):
    """No preset at all: the default preset (hamp) with `_target_` replaced. HAMP's defaults are
    not passed to Greedy; a value someone set for HAMP is refused by name."""
    r = cli(
        "algorithm._target_=test_extending.Greedy",
        "+algorithm.batch=5",
        "problem=zdt1",
        "budget=12",
        "hydra.run.dir=run",
        cwd=tmp_path,
        env=_env(),
    )
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["algorithm"] == "greedy" and run["budget_used"] == 12
    # the record says what ran: Greedy's parameters, none of the preset's (HAMP's)
    assert run["config"]["algorithm"] == {
        "_target_": "test_extending.Greedy",
        "name": "greedy",
        "batch": 5,
        "step": 0.1,
    }
    r = cli(
        "algorithm._target_=test_extending.Greedy",
        "algorithm.ucb_c=2",
        "problem=zdt1",
        cwd=tmp_path,
        env=_env(),
    )
    assert (
        r.returncode == 2
        and "algorithm.ucb_c is not a parameter of test_extending.Greedy" in r.stderr
    )


def test_a_preset_naming_a_missing_class_says_so(tmp_path):
    folder = tmp_path / "conf" / "algorithm"
    folder.mkdir(parents=True)
    (folder / "ghost.yaml").write_text("defaults:\n  - /schema/algorithm/nowhere.Ghost@_here_\n")
    r = cli("algorithm=ghost", f"hydra.searchpath=[file://{tmp_path / 'conf'}]", cwd=tmp_path)
    assert r.returncode == 2 and "nowhere.Ghost" in r.stderr and "Traceback" not in r.stderr


def test_in_process_with_the_python_api(tmp_path, my_conf):
    from hydra import compose, initialize_config_module

    from hamp_bench.cli.configs import register_configs
    from hamp_bench.runner import run_experiment

    sys.path.insert(0, str(HERE))
    register_configs([my_conf])
    with initialize_config_module("hamp_bench.conf", version_base="1.3"):
        cfg = compose(
            "config",
            overrides=[
                "algorithm=greedy",
                "problem=zdt1",
                "budget=30",
                "progress.mode=off",
                f"hydra.searchpath=[file://{my_conf}]",
            ],
        )
    out = run_experiment(cfg, tmp_path / "run")
    assert out.status == "completed" and out.evaluator.used == 30
    assert type(out.algorithm).__name__ == "Greedy"


def test_cli_subprocess_imports_the_test_module():
    """The subprocess tests import this file as `test_extending`; it must import cleanly."""
    r = subprocess.run(
        [sys.executable, "-c", "import test_extending"],
        env={**os.environ, **_env()},
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
