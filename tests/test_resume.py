"""Resuming runs and sweeps: a continued record equals an uninterrupted one, no true evaluation is
spent twice, a record of another run is refused by name, and a kill loses only what was in
progress."""

import json
import os
import shutil
import signal

import pandas as pd
import pytest

from hamp_bench.errors import ConfigError, RecordError
from hamp_bench.problems.pruning_problem import PruningProblem
from hamp_bench.run_record import TIMING_COLUMNS

from conftest import cli, read_evaluations, run_cell

TINY = ("problem=tiny_synthetic", "cache.enabled=false")


def _same_record(a, b):
    for name in ("evaluations.csv", "front.csv"):
        x, y = (pd.read_csv(d / name).drop(columns=list(TIMING_COLUMNS)) for d in (a, b))
        assert x.equals(y), name
    ra, rb = (json.loads((d / "run.json").read_text()) for d in (a, b))
    for run in (ra, rb):  # whether the base model was trained now or loaded: not the run's
        run["problem"].get("base_model", {}).pop("source", None)
    for key in ("status", "budget_used", "front_size", "problem", "seed", "budget"):
        assert ra[key] == rb[key], key
    if (a / "algorithm.json").exists():
        assert (a / "algorithm.json").read_text() == (b / "algorithm.json").read_text()


def _as_if_killed(run_dir, keep: int):
    """What SIGKILL leaves: a prefix of evaluations.csv (the last line cut short), run.json
    still saying running, no front.csv or algorithm.json."""
    lines = (run_dir / "evaluations.csv").read_text().splitlines(keepends=True)
    (run_dir / "evaluations.csv").write_text("".join(lines[: keep + 1]) + lines[keep + 1][:7])
    run = json.loads((run_dir / "run.json").read_text())
    for key in ("finished_at", "budget_used", "wall_s", "front_size", "error", "cache_hits"):
        run.pop(key, None)
    (run_dir / "run.json").write_text(json.dumps({**run, "status": "running"}))
    for name in ("front.csv", "algorithm.json"):
        (run_dir / name).unlink(missing_ok=True)


@pytest.fixture
def counted(monkeypatch):
    """Counts the genomes the pruning problem truly evaluates."""
    calls = []
    original = PruningProblem._evaluate

    def counting(self, X):
        calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(PruningProblem, "_evaluate", counting)
    return calls


def test_a_resumed_pruning_run_equals_the_uninterrupted_one_without_repeating(tmp_path, counted):
    args = ("algorithm=hamp", *TINY, "budget=30", "seed=4")
    run_cell(tmp_path / "ref", *args)
    assert sum(counted) == 30
    shutil.copytree(tmp_path / "ref", tmp_path / "k")
    _as_if_killed(tmp_path / "k", keep=17)
    counted.clear()
    out = run_cell(tmp_path / "k", *args)
    assert out.action == "resumed" and out.evaluator.replayed == 17
    assert sum(counted) == 30 - 17  # the budget already spent is not spent again
    _same_record(tmp_path / "ref", tmp_path / "k")
    (entry,) = json.loads((tmp_path / "k/run.json").read_text())["resumed"]
    assert entry["from_eval"] == 17 and entry["previous_status"] == "running"


@pytest.mark.parametrize("algorithm", ["nsga2", "spea2", "random"])
def test_resume_replays_other_algorithms_exactly(tmp_path, algorithm):
    args = (f"algorithm={algorithm}", "problem=zdt1", "budget=500", "seed=3")
    run_cell(tmp_path / "ref", *args)
    shutil.copytree(tmp_path / "ref", tmp_path / "k")
    _as_if_killed(tmp_path / "k", keep=233)
    assert run_cell(tmp_path / "k", *args).evaluator.replayed == 233
    _same_record(tmp_path / "ref", tmp_path / "k")


def test_a_complete_record_is_left_alone(tmp_path):
    args = ("algorithm=random", "problem=zdt1", "budget=50")
    run_cell(tmp_path, *args)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    out = run_cell(tmp_path, *args)
    assert out.action == "skipped" and out.evaluator is None
    assert before == {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again = run_cell(tmp_path, *args, "resume=false")  # false: start afresh, replacing it
    assert again.action == "new" and again.evaluator.replayed == 0


@pytest.mark.parametrize(
    "change, named",
    [("seed=7", "seed: 0 in the record, 7 now"), ("budget=60", "budget: 50 in the record")],
)
def test_a_record_of_another_run_is_refused_by_name(tmp_path, change, named):
    run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=50")
    _as_if_killed(tmp_path, keep=20)
    with pytest.raises(RecordError, match="holds a record of another run") as err:
        run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=50", change)
    assert named in str(err.value)


def test_a_changed_algorithm_is_caught_during_replay(tmp_path):
    run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=50", "seed=1")
    _as_if_killed(tmp_path, keep=20)
    run = json.loads((tmp_path / "run.json").read_text())
    run["config"]["seed"] = 2  # as if the record were of seed 2: the genomes will not match
    (tmp_path / "run.json").write_text(json.dumps(run))
    with pytest.raises(RecordError, match="at evaluation 0 the algorithm asked for genome"):
        run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=50", "seed=2")


def test_resume_refuses_what_is_not_a_record_of_this_version(tmp_path):
    with pytest.raises(RecordError, match="resume=true, but .* holds no run record"):
        run_cell(tmp_path / "empty", "problem=zdt1", "algorithm=random", "resume=true")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk/run.json").write_text("not json")
    with pytest.raises(RecordError, match="is not a run record"):
        run_cell(tmp_path / "junk", "problem=zdt1", "algorithm=random")
    run_cell(tmp_path / "v2", "problem=zdt1", "algorithm=random", "budget=20")
    run = json.loads((tmp_path / "v2/run.json").read_text())
    (tmp_path / "v2/run.json").write_text(json.dumps({**run, "record_version": 2}))
    with pytest.raises(RecordError, match="record_version 2; this hamp_bench continues only"):
        run_cell(tmp_path / "v2", "problem=zdt1", "algorithm=random", "budget=20")
    (tmp_path / "csv_only").mkdir()
    (tmp_path / "csv_only/evaluations.csv").write_text("eval_id\n0\n")
    with pytest.raises(RecordError, match="not a complete run record"):
        run_cell(tmp_path / "csv_only", "problem=zdt1", "algorithm=random")


class _InterruptAt:
    """Ctrl-C during the evaluation of the `at`-th genome that the problem computes."""

    def __init__(self, monkeypatch, at):
        self.n = 0
        self.original = original = PruningProblem._evaluate

        def interrupting(problem, X):
            self.n += 1
            if self.n == at:
                raise KeyboardInterrupt
            return original(problem, X)

        monkeypatch.setattr(PruningProblem, "_evaluate", interrupting)


def test_a_kill_loses_only_the_evaluation_in_progress(tmp_path, monkeypatch):
    """Expensive problems commit each evaluation: an interruption in the middle of a batch
    keeps the batch's finished evaluations in the record and in the cache."""
    interrupt = _InterruptAt(monkeypatch, at=4)
    args = ("algorithm=random", "problem=tiny_synthetic", "algorithm.batch_size=10")
    cache = f"cache.dir={tmp_path / 'cache'}"
    with pytest.raises(KeyboardInterrupt):
        run_cell(tmp_path / "run", *args, "budget=20", cache)
    ev = read_evaluations(tmp_path / "run")
    assert len(ev) == 3 and set(ev["batch"]) == {0}  # three of the first batch of ten
    monkeypatch.setattr(PruningProblem, "_evaluate", interrupt.original)
    out = run_cell(tmp_path / "run", *args, "budget=20", cache)
    assert out.evaluator.replayed == 3 and out.status == "completed"
    run_cell(tmp_path / "ref", *args, "budget=20", "cache.enabled=false")
    _same_record(tmp_path / "ref", tmp_path / "run")


def test_an_expensive_evaluation_is_on_disk_as_soon_as_it_is_done(tmp_path, monkeypatch):
    """With no cache to fall back on, a kill must still lose only the evaluation in progress:
    each finished one is already in evaluations.csv (not held for the next timed flush)."""
    seen, original = [], PruningProblem._evaluate

    def looking(problem, X):
        lines = (tmp_path / "evaluations.csv").read_text().splitlines()
        seen.append(len(lines) - 1)  # rows on disk when the next evaluation starts
        return original(problem, X)

    monkeypatch.setattr(PruningProblem, "_evaluate", looking)
    run_cell(
        tmp_path,
        "algorithm=random",
        *TINY,
        "budget=6",
        "algorithm.batch_size=6",
        "run_record.flush_every_s=3600",
    )
    assert seen == [0, 1, 2, 3, 4, 5]


def test_a_record_of_the_same_config_but_another_fingerprint_is_refused(tmp_path):
    run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=50")
    _as_if_killed(tmp_path, keep=20)
    run = json.loads((tmp_path / "run.json").read_text())
    run["problem"]["fingerprint"] = "0" * 64  # as if the data or the weights had changed
    (tmp_path / "run.json").write_text(json.dumps(run))
    with pytest.raises(RecordError, match="problem fingerprint: 000000000000... in the record"):
        run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=50")


def test_front_test_scores_come_from_the_cache_on_a_rerun(tmp_path, monkeypatch):
    calls = []
    original = PruningProblem.test_scores
    monkeypatch.setattr(
        PruningProblem, "test_scores", lambda self, X: calls.append(len(X)) or original(self, X)
    )
    args = ("algorithm=random", "problem=tiny_synthetic", "budget=8", f"cache.dir={tmp_path}/c")
    run_cell(tmp_path / "a", *args)
    assert calls and sum(calls) == len(pd.read_csv(tmp_path / "a/front.csv"))
    calls.clear()
    run_cell(tmp_path / "b", *args)
    assert calls == []
    a, b = (pd.read_csv(tmp_path / d / "front.csv") for d in "ab")
    assert a["test_error"].equals(b["test_error"])


def test_bad_evaluator_settings_are_refused_before_any_record(tmp_path):
    with pytest.raises(ConfigError, match="evaluator.workers must be at least 1"):
        run_cell(tmp_path / "a", "problem=zdt1", "evaluator.workers=0")
    with pytest.raises(ConfigError, match="no effect on problem=zdt1"):
        run_cell(tmp_path / "b", "problem=zdt1", "evaluator.workers=2")
    with pytest.raises(ConfigError, match="evaluator.devices names cuda:3, but this machine"):
        run_cell(tmp_path / "c", *TINY, "evaluator.devices=[cuda:3]", "problem.device=cuda")
    with pytest.raises(ConfigError, match="must be of that kind"):
        run_cell(tmp_path / "d", *TINY, "evaluator.devices=[cpu,cpu]", "problem.device=cuda")
    assert not any((tmp_path / d / "run.json").exists() for d in "abcd")


@pytest.mark.slow
def test_two_workers_give_the_serial_record(tmp_path):
    args = ("algorithm=nsga2", *TINY, "budget=12", "seed=1", "problem.threads=1")
    run_cell(tmp_path / "serial", *args)
    out = run_cell(tmp_path / "pool", *args, "evaluator.workers=2")
    assert out.evaluator.pool is not None
    _same_record(tmp_path / "serial", tmp_path / "pool")


# A ZDT1 that SIGKILLs its own process at a chosen evaluation when KILL_AT is set, after a pause
# long enough for the record's timed flush: the kill lands mid-run on any machine, however fast.
KILLABLE = """
import os, signal, time
from hamp_bench.problems.benchmarks import PymooBenchmark

class KillableZDT1(PymooBenchmark):
    seen = 0

    def _evaluate(self, X):
        kill_at = int(os.environ.get("KILL_AT", "0"))
        if kill_at and KillableZDT1.seen >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        KillableZDT1.seen += len(X)
        if kill_at and KillableZDT1.seen >= kill_at:
            time.sleep(1.5)  # the commit after this batch flushes everything before it
        return super()._evaluate(X)
"""


@pytest.mark.slow
def test_sigkill_then_the_same_command_continues_to_the_same_record(tmp_path):
    (tmp_path / "killable.py").write_text(KILLABLE)
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    args = [
        "algorithm=nsga2",
        "problem=zdt1",
        "problem._target_=killable.KillableZDT1",
        "budget=3000",
        "seed=2",
        "progress.mode=off",
    ]
    assert cli(*args, f"hydra.run.dir={tmp_path / 'ref'}", cwd=tmp_path, env=env).returncode == 0
    killed = cli(
        *args, f"hydra.run.dir={tmp_path / 'k'}", cwd=tmp_path, env={**env, "KILL_AT": "1500"}
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    kept = (tmp_path / "k/evaluations.csv").read_bytes().count(b"\n") - 1  # complete lines
    assert 1500 <= kept < 3000
    done = cli(*args, f"hydra.run.dir={tmp_path / 'k'}", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert f"resuming {tmp_path / 'k'} from evaluation {kept}" in done.stdout + done.stderr
    _same_record(tmp_path / "ref", tmp_path / "k")


@pytest.mark.slow
def test_a_sweep_resumes_skips_and_runs_missing_cells(tmp_path):
    sweep = [
        "-m",
        "algorithm=random",
        "problem=zdt1",
        "budget=200",
        "seed=0,1,2",
        "progress.mode=off",
    ]
    folder = f"hydra.sweep.dir={tmp_path / 'sw'}"
    assert cli(*sweep, folder, cwd=tmp_path).returncode == 0
    shutil.copytree(tmp_path / "sw", tmp_path / "ref")
    shutil.rmtree(tmp_path / "sw/2-zdt1-random-seed2")  # never started
    _as_if_killed(tmp_path / "sw/1-zdt1-random-seed1", keep=50)  # killed
    again = cli(*sweep, folder, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    summary = "1 skipped (complete), 1 resumed, 1 new, 0 not completed"
    assert summary in again.stdout + again.stderr
    for cell in ("0-zdt1-random-seed0", "1-zdt1-random-seed1", "2-zdt1-random-seed2"):
        _same_record(tmp_path / "ref" / cell, tmp_path / "sw" / cell)
    subset = cli(*[a if a != "seed=0,1,2" else "seed=0,1" for a in sweep], folder, cwd=tmp_path)
    assert "2 skipped (complete), 0 resumed, 0 new" in subset.stdout + subset.stderr  # not 3


@pytest.mark.slow
def test_the_sweep_summary_counts_nested_cell_folders(tmp_path):
    """A study's cells nested as problem/algorithm/seed are counted (they were not: the summary
    looked only at the sweep folder's children and said `0 new`)."""
    sweep = ["-m", "algorithm=random", "problem=zdt1", "budget=50", "seed=0,1"]
    nested = ["hydra.sweep.subdir=${problem.name}/${algorithm.name}/seed${seed}"]
    folder = f"hydra.sweep.dir={tmp_path / 'sw'}"
    first = cli(*sweep, *nested, folder, "progress.mode=off", cwd=tmp_path)
    assert "0 skipped (complete), 0 resumed, 2 new" in first.stdout + first.stderr
    again = cli(*sweep, *nested, folder, "progress.mode=off", cwd=tmp_path)
    assert "2 skipped (complete), 0 resumed, 0 new" in again.stdout + again.stderr
