"""Shared helpers: compose configs in-process, run cells, and call the CLI as a user would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_module

from hamp_bench.cli.configs import conf_dir, register_configs
from hamp_bench.runner import run_experiment

register_configs()


def pytest_collection_modifyitems(config, items):
    """Tests marked `full` (every MOEA against known fronts at 10,000-20,000 evaluations, about
    10 minutes on 2 cores) run only with HAMP_BENCH_FULL=1, so that the default run stays near
    10 minutes; they are reported as skipped, never silently dropped."""
    if os.environ.get("HAMP_BENCH_FULL") == "1":
        return
    skip = pytest.mark.skip(reason="validation at full budgets: run with HAMP_BENCH_FULL=1")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never touch the user's cache: each test session gets its own."""
    monkeypatch.setenv("HAMP_BENCH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("HAMP_BENCH_MODEL_DIR", str(tmp_path_factory.getbasetemp() / "models"))


def presets(group: str) -> list[str]:
    """The presets of a config group, read from conf/ (never a hand-kept list)."""
    return sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))


def algorithm_class(preset: str) -> type:
    """The class an algorithm preset builds."""
    from hydra.utils import get_class

    return get_class(make_config(f"algorithm={preset}", "problem=zdt1").algorithm._target_)


def make_config(*overrides: str):
    with initialize_config_module(config_module="hamp_bench.conf", version_base="1.3"):
        return compose(config_name="config", overrides=["progress.mode=off", *overrides])


def run_cell(run_dir: Path, *overrides: str):
    """Run one cell in-process and return its RunOutcome."""
    return run_experiment(make_config(*overrides), run_dir)


def read_evaluations(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "evaluations.csv")


def cli(
    *args: str, cwd: Path, timeout: float = 120, env: dict | None = None, **popen
) -> subprocess.CompletedProcess:
    """`python -m hamp_bench ARGS` in a fresh interpreter, from `cwd`."""
    full_env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "hamp_bench", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **popen,
    )


def popen(cmd: list[str], **kwargs) -> subprocess.Popen:
    """Start `cmd` with SIGINT at its default disposition, as from a terminal: a shell's
    background job (nohup ... &, some CI runners) starts with SIGINT ignored, which Python
    keeps, and a test that sends it Ctrl-C would then wait for nothing."""
    return subprocess.Popen(
        cmd, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs
    )
