"""A sweep gives the same records, cell for cell, whichever Hydra launcher runs it (basic, joblib
in parallel, submitit as local jobs); a launcher that is not there is one line naming the pip
command. The plugins come with the `launchers` extra, which the `test` extra pulls in."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hamp_bench.run_record import TIMING_COLUMNS

from conftest import cli

ALGORITHMS = ("nsga2", "random")
SEEDS = (0, 1)
SWEEP = (
    "-m",
    f"algorithm={','.join(ALGORITHMS)}",
    "problem=zdt1",
    "budget=200",
    f"seed={','.join(map(str, SEEDS))}",
    "progress.mode=off",
)
# hydra.sweep.subdir in conf/config.yaml: ${hydra.job.num}-${problem.name}-${algorithm.name}-seed..
CELLS = [
    f"{n}-zdt1-{algorithm}-seed{seed}"
    for n, (algorithm, seed) in enumerate((a, s) for a in ALGORITHMS for s in SEEDS)
]
RUN_JSON_KEYS = ("status", "budget_used", "front_size", "seed", "algorithm")

# each launcher's settings, and a line of its log that shows it was the one that ran the sweep
LAUNCHERS = {
    "basic": ((), "Launching 4 jobs locally"),
    "joblib": (("hydra/launcher=joblib", "hydra.launcher.n_jobs=2"), "Joblib.Parallel(n_jobs=2"),
    "submitit_local": (
        ("hydra/launcher=submitit_local", "hydra.launcher.timeout_min=2"),
        "Submitit 'local'",
    ),
}


def _sweep(launcher: str, base: Path) -> Path:
    settings, marker = LAUNCHERS[launcher]
    sweep_dir = base / launcher
    env = {
        "HAMP_BENCH_CACHE_DIR": str(base / "cache"),
        "HAMP_BENCH_MODEL_DIR": str(base / "models"),
    }
    r = cli(*SWEEP, *settings, f"hydra.sweep.dir={sweep_dir}", cwd=base, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    assert marker in r.stdout + r.stderr, f"{launcher} did not run the sweep:\n{r.stderr}"
    return sweep_dir


def _cells(sweep_dir: Path) -> list[str]:
    return sorted(p.name for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path).drop(columns=list(TIMING_COLUMNS), errors="ignore")


def _run_json(path: Path) -> dict:
    record = json.loads(path.read_text())
    summary = {key: record[key] for key in RUN_JSON_KEYS}
    summary["problem.fingerprint"] = record["problem"]["fingerprint"]
    return summary


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory) -> Path:
    return _sweep("basic", tmp_path_factory.mktemp("launchers"))


@pytest.mark.slow
def test_basic_sweep_writes_one_complete_record_a_cell(basic_sweep):
    assert _cells(basic_sweep) == sorted(CELLS)
    for cell in CELLS:
        record = _run_json(basic_sweep / cell / "run.json")
        assert record["status"] == "completed"
        assert record["budget_used"] == 200
        assert len(_csv(basic_sweep / cell / "evaluations.csv")) == 200


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_launcher_writes_the_basic_launchers_records(launcher, basic_sweep, tmp_path):
    sweep_dir = _sweep(launcher, tmp_path)
    assert _cells(sweep_dir) == _cells(basic_sweep)
    for cell in CELLS:
        ours, basic = sweep_dir / cell, basic_sweep / cell
        for name in ("evaluations.csv", "front.csv"):
            pd.testing.assert_frame_equal(
                _csv(ours / name), _csv(basic / name), obj=f"{cell}/{name}"
            )
        assert _run_json(ours / "run.json") == _run_json(basic / "run.json"), cell


def test_missing_launcher_names_it_and_the_pip_command(tmp_path):
    r = cli(
        *SWEEP,
        "hydra/launcher=some_missing_launcher",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("hamp_bench: error: "), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "some_missing_launcher" in r.stderr
    assert "pip install -e '.[launchers]'" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "sweep").exists()
    assert not list(tmp_path.rglob("run.json"))


@pytest.mark.parametrize(
    "launcher, package",
    [
        ("joblib", "hydra-joblib-launcher"),
        ("submitit_local", "hydra-submitit-launcher"),
        ("submitit_slurm", "hydra-submitit-launcher"),
    ],
)
def test_uninstalled_plugin_launcher_names_its_package(launcher, package, monkeypatch):
    """Where the plugin is not installed, Hydra cannot find the launcher's config; the message
    says which package provides it (simulated here: the plugins are installed for the tests)."""
    import hydra
    from hydra.errors import MissingConfigException

    from hamp_bench.cli.errors import _missing_launcher

    def not_found(*args, **kwargs):
        raise MissingConfigException(
            "not found", missing_cfg_file=f"hydra/launcher/{launcher}", options=["basic"]
        )

    monkeypatch.setattr(hydra, "compose", not_found)
    message = _missing_launcher([f"hydra/launcher={launcher}", "problem=zdt1"])
    assert f"hydra/launcher={launcher}" in message
    assert package in message
    assert "pip install -e '.[launchers]'" in message


def test_installed_launcher_passes_the_check():
    from hamp_bench.cli.errors import _missing_launcher

    assert _missing_launcher(["hydra/launcher=joblib", "problem=zdt1"]) is None
    assert _missing_launcher(["hydra/launcher=submitit_local"]) is None
    assert _missing_launcher(["problem=zdt1"]) is None
