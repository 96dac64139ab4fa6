"""The run record contract: evaluations.csv, front.csv, run.json; determinism; atomicity."""

import io
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from hamp_bench.algorithm import Algorithm
from hamp_bench.pareto import nondominated_mask
from hamp_bench.reports.gather import read_run
from hamp_bench.run_record import RECORD_VERSION, TIMING_COLUMNS

from conftest import popen, read_evaluations, run_cell


def test_record_contract(tmp_path):
    out = run_cell(tmp_path, "algorithm=nsga2", "problem=zdt1", "budget=400", "seed=2")
    ev = read_evaluations(tmp_path)
    assert list(ev.columns) == (
        ["eval_id", "batch"] + [f"x{i}" for i in range(30)] + ["f1", "f2", "cached", "wall_s"]
    )
    assert ev["eval_id"].tolist() == list(range(400))
    assert ev["batch"].tolist() == sorted(ev["batch"])  # one batch per generation
    assert ev["batch"].nunique() == 10

    front = pd.read_csv(tmp_path / "front.csv")
    assert list(front.columns) == list(ev.columns)
    F = ev[["f1", "f2"]].to_numpy()
    expected = set(ev["eval_id"][nondominated_mask(F)])
    assert set(front["eval_id"]) == expected
    merged = front.merge(ev, on="eval_id", suffixes=("", "_ev"))
    assert np.array_equal(merged["f1"], merged["f1_ev"])

    run = json.loads((tmp_path / "run.json").read_text())
    assert run["record_version"] == RECORD_VERSION
    assert run["status"] == "completed" and run["error"] is None
    assert run["seed"] == 2 and run["budget"] == 400 and run["budget_used"] == 400
    assert run["problem"]["fingerprint"] == out.problem.fingerprint()
    assert run["problem"]["ideal"] == pytest.approx([0, 0], abs=1e-9)
    assert run["problem"]["nadir"] == pytest.approx([1, 1], abs=1e-9)
    assert run["problem"]["ref_point_normalised"] == [1.1, 1.1]
    assert run["config"]["algorithm"]["pop_size"] is None  # budget-sized: 40 here
    assert {"pymoo", "hydra-core", "numpy", "python"} <= set(run["versions"])
    assert run["wall_s"] > 0 and run["front_size"] == len(front)


@pytest.mark.parametrize("algorithm", ["nsga2", "random"])
def test_same_config_and_seed_give_the_same_evaluations(tmp_path, algorithm):
    args = (f"algorithm={algorithm}", "problem=dtlz2", "budget=300", "seed=5")
    run_cell(tmp_path / "a", *args)
    run_cell(tmp_path / "b", *args)
    run_cell(tmp_path / "c", *args[:-1], "seed=6")
    a, b, c = (read_evaluations(tmp_path / d).drop(columns=list(TIMING_COLUMNS)) for d in "abc")
    assert a.equals(b)
    assert not a.equals(c)
    assert (tmp_path / "a/front.csv").read_text() != ""


class Exploding(Algorithm):
    """Evaluates one batch, then fails like a buggy algorithm would."""

    def __init__(self, name: str = "exploding"):
        super().__init__(name)

    def run(self, evaluator, seed):
        evaluator.evaluate(np.full((3, evaluator.problem.n_var), 0.5))
        raise RuntimeError("boom")


def test_failed_run_records_the_error(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        run_cell(tmp_path, "algorithm._target_=test_records.Exploding", "problem=zdt1")
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["status"] == "failed" and "boom" in run["error"]
    assert run["budget_used"] == 3
    assert len(read_evaluations(tmp_path)) == 3


def _start_long_run(tmp_path):
    """A run that would take hours: random search on zdt1, tiny batches, frequent flushes."""
    cmd = [
        sys.executable,
        "-m",
        "hamp_bench",
        "algorithm=random",
        "algorithm.batch_size=7",
        "problem=zdt1",
        "budget=100000000",
        "run_record.flush_every_s=0.01",
        f"hydra.run.dir={tmp_path}",
        "progress.mode=off",
    ]
    proc = popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        f = tmp_path / "evaluations.csv"
        if f.exists() and f.stat().st_size > 50_000:
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the long run never started writing evaluations")


def _assert_complete_csv(path, n_cols, killed=False):
    """Every complete line is a whole evaluation, in order; only a kill may leave a last line
    cut short (no newline), which readers drop (docs/records.md)."""
    text = path.read_text()
    if killed:
        text = text[: text.rfind("\n") + 1]
    assert text.endswith("\n"), "a truncated last line"
    lines = text.splitlines()
    assert all(line.count(",") == n_cols - 1 for line in lines), "a half-written row"
    df = pd.read_csv(io.StringIO(text))
    assert df["eval_id"].tolist() == list(range(len(df)))
    assert len(read_run(path.parent).F) == len(df)  # what reports read: the complete lines
    return df


def test_sigkill_leaves_whole_evaluations_that_reports_read(tmp_path):
    for attempt in range(3):
        run_dir = tmp_path / f"k{attempt}"
        proc = _start_long_run(run_dir)
        time.sleep(0.1 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        _assert_complete_csv(run_dir / "evaluations.csv", n_cols=36, killed=True)
        run = json.loads((run_dir / "run.json").read_text())
        assert run["status"] == "running"  # nobody was left to say otherwise


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_leaves_a_valid_partial_record(tmp_path, sig, code):
    proc = _start_long_run(tmp_path)
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()  # never leave a run of hours behind a failed test
    assert proc.returncode == code, err
    assert "Traceback" not in err and f"the partial record is in {tmp_path}" in err
    df = _assert_complete_csv(tmp_path / "evaluations.csv", n_cols=36)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["status"] == "interrupted"
    assert run["budget_used"] == len(df)  # the final flush wrote every evaluation
    front = pd.read_csv(tmp_path / "front.csv")
    assert set(front["eval_id"]) <= set(df["eval_id"]) and len(front) == run["front_size"]


def test_a_line_cut_short_by_a_kill_is_not_an_evaluation(tmp_path):
    run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=30")
    path = tmp_path / "evaluations.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:21]) + lines[21][:9])  # 20 rows and part of the 21st
    run = json.loads((tmp_path / "run.json").read_text())
    (tmp_path / "run.json").write_text(json.dumps({**run, "status": "running"}))
    assert len(read_run(tmp_path).F) == 20
