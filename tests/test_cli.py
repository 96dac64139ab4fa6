"""`python -m hamp_bench` as a user runs it: single runs, multirun sweeps, progress output."""

import json
import logging

import pytest

from hamp_bench.progress import Progress

from conftest import cli

pytestmark = pytest.mark.slow


def test_single_run_writes_record_in_hydra_output_dir(tmp_path):
    r = cli("algorithm=random", "problem=zdt2", "budget=150", "seed=4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (run_json,) = tmp_path.glob("runs/zdt2/random/seed4/*/run.json")
    run = json.loads(run_json.read_text())
    assert run["status"] == "completed" and run["budget_used"] == 150
    assert run["overrides"] == ["algorithm=random", "problem=zdt2", "budget=150", "seed=4"]
    assert (run_json.parent / ".hydra" / "config.yaml").exists()


def test_multirun_writes_one_directory_per_cell(tmp_path):
    r = cli(
        "-m",
        "algorithm=nsga2,random",
        "problem=zdt1,dtlz2",
        "seed=range(2)",
        "budget=200",
        "hydra.sweep.dir=sweep",
        cwd=tmp_path,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    runs = [json.loads(p.read_text()) for p in sorted((tmp_path / "sweep").glob("*/run.json"))]
    assert len(runs) == 8
    cells = {(x["problem"]["name"], x["algorithm"], x["seed"]) for x in runs}
    assert len(cells) == 8
    assert all(x["status"] == "completed" and x["budget_used"] == 200 for x in runs)


def test_progress_logs_plain_lines_when_not_a_terminal(caplog):
    caplog.set_level(logging.INFO, logger="hamp_bench")
    p = Progress(total=10, mode="log", log_every_s=0.0, desc="demo")
    p.update(5, 3)
    p.close(10, 4)
    assert "demo: 5/10 evaluations (50%), front 3" in caplog.text
    assert "demo: 10/10 evaluations (100%), front 4" in caplog.text


def test_progress_log_lines_give_an_eta_at_this_sessions_pace(caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="hamp_bench")
    clock = iter([0.0, 10.0, 10.0, 20.0, 20.0])  # start, then (update, log) pairs
    monkeypatch.setattr("hamp_bench.progress.time.monotonic", lambda: next(clock))
    p = Progress(total=100, mode="log", log_every_s=0.0, desc="demo")
    p.update(25, 3)  # 25 in 10 s: 75 more take 30 s
    p.update(60, 3, replayed=50)  # a resume: 50 answered from the record, 10 evaluated in 20 s
    assert "25/100 evaluations (25%), front 3, 10.0s elapsed, about 30s left" in caplog.text
    assert "60/100 evaluations (60%), front 3, 20.0s elapsed, about 1m20s left" in caplog.text


def test_progress_bar_on_request(capsys):
    p = Progress(total=10, mode="bar", desc="demo")
    p.update(10, 2)
    p.close(10, 2)
    err = capsys.readouterr().err
    assert "10/10" in err and "front=2" in err
