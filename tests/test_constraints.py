"""Constraints in the Problem seam (g <= 0 feasible, pymoo's convention), end to end: the record
(a `g_<name>` column per constraint, front.csv's `feasible` column, the front of feasible
points), every MOEA and random search (pymoo and Platypus natively, HAMP and random through the
evaluator's feasibility-first front), the refusals of algorithms that ignore constraints, the
cache and resume, and reports (indicators on feasible points, runs that found none counted)."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from hamp_bench.errors import ConfigError
from hamp_bench.evaluator import Evaluator
from hamp_bench.pareto import FrontTracker, front_mask, violation
from hamp_bench.problem import Constraint, Evaluation, Objective, Problem
from hamp_bench.reports.build import build_report
from hamp_bench.reports.gather import read_run

from conftest import run_cell

MOEAS = ["hamp", "nsga2", "nsga3", "smsemoa", "moead", "agemoea", "spea2", "ibea", "emoea"]


def test_the_front_is_feasible_first():
    """(1, 1) infeasible dominates (2, 2) feasible; the feasible one is the front. Before any
    feasible point, the least violating points are."""
    F = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 0.5], [0.5, 3.0]])
    cv = np.array([0.5, 0.0, 0.0, 0.2])
    assert front_mask(F, cv).tolist() == [False, True, True, False]
    least = np.array([0.5, 0.3, 0.4, 0.2])  # none feasible: the least violating
    assert front_mask(F, least).tolist() == [False, False, False, True]
    assert violation(np.array([[-1.0, 0.5], [0.0, -2.0]])).tolist() == [0.5, 0.0]
    t = FrontTracker(1, 2)
    t.add(np.zeros((2, 1)), F[[0, 3]], np.array([0, 1]), cv=cv[[0, 3]])
    assert t.ids.tolist() == [1] and not t.feasible.any()  # least violation
    t.add(np.zeros((2, 1)), F[[1, 2]], np.array([2, 3]), cv=cv[[1, 2]])
    assert t.ids.tolist() == [2, 3] and t.feasible.all()


def test_the_record_has_constraint_columns_and_a_feasible_front(tmp_path):
    out = run_cell(tmp_path, "algorithm=random", "problem=bnh", "budget=300", "seed=0")
    ev = pd.read_csv(tmp_path / "evaluations.csv")
    front = pd.read_csv(tmp_path / "front.csv")
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["record_version"] == 5
    assert [c["name"] for c in meta["problem"]["constraints"]] == ["c1", "c2"]
    assert list(ev.columns[4:8]) == ["f1", "f2", "g_c1", "g_c2"]
    p = out.problem
    G = p.evaluate(ev[["x0", "x1"]].to_numpy()).G
    np.testing.assert_array_equal(ev[["g_c1", "g_c2"]].to_numpy(), G)  # written exactly
    assert front.feasible.all() and (front[["g_c1", "g_c2"]] <= 0).all().all()
    feasible = (G <= 0).all(axis=1)
    assert 0 < feasible.sum() < len(ev)  # some evaluations were infeasible, none on the front
    F = ev[["f1", "f2"]].to_numpy()
    assert set(front.eval_id) == set(ev.eval_id[front_mask(F, violation(G))])


@pytest.mark.parametrize("algorithm", [*MOEAS, "random"])
def test_every_moea_and_random_search_find_the_feasible_front(tmp_path, algorithm):
    extra = ["algorithm.ls_every=5"] if algorithm == "hamp" else []
    out = run_cell(tmp_path, f"algorithm={algorithm}", "problem=srn", "budget=600", "seed=1",
                   *extra)  # fmt: skip
    p, front = out.problem, out.evaluator.front
    assert out.evaluator.used == 600 and len(front) and front.feasible.all()
    G = p.evaluate(front.X).G
    assert (G <= 0).all()
    ratio = p.space.hypervolume(front.F) / p.space.hypervolume(p.true_front())
    assert ratio > (0.5 if algorithm == "random" else 0.8), ratio


@pytest.mark.parametrize("algorithm", ["weighted_sum", "latency_constrained", "uniform", "halp"])
def test_algorithms_that_ignore_constraints_refuse_a_constrained_problem(tmp_path, algorithm):
    with pytest.raises(ConfigError, match=f"algorithm={algorithm} does not handle constraints"):
        run_cell(tmp_path, f"algorithm={algorithm}", "problem=bnh", "budget=50")
    assert not (tmp_path / "run.json").exists()


def test_resume_and_cache_carry_the_constraint_values(tmp_path):
    args = ["algorithm=nsga2", "problem=bnh", "budget=300", "seed=2", "cache.enabled=true",
            f"cache.dir={tmp_path / 'cache'}"]  # fmt: skip
    run_cell(tmp_path / "ref", *args)
    again = run_cell(tmp_path / "hit", *args)  # every evaluation from the cache
    assert again.evaluator.cache_hits == 300
    ref = pd.read_csv(tmp_path / "ref/evaluations.csv")
    hit = pd.read_csv(tmp_path / "hit/evaluations.csv")
    pd.testing.assert_frame_equal(ref.drop(columns=["cached", "wall_s"]),
                                  hit.drop(columns=["cached", "wall_s"]))  # fmt: skip
    shutil.copytree(tmp_path / "ref", tmp_path / "killed")
    lines = (tmp_path / "killed/evaluations.csv").read_text().splitlines(keepends=True)
    (tmp_path / "killed/evaluations.csv").write_text("".join(lines[:151]))
    meta = json.loads((tmp_path / "killed/run.json").read_text())
    (tmp_path / "killed/run.json").write_text(json.dumps({**meta, "status": "running"}))
    (tmp_path / "killed/front.csv").unlink()
    run_cell(tmp_path / "killed", *args[:-2])  # resumed, without the cache
    resumed, ref = (pd.read_csv(tmp_path / d / "front.csv") for d in ("killed", "ref"))
    timing = ["cached", "wall_s"]
    pd.testing.assert_frame_equal(resumed.drop(columns=timing), ref.drop(columns=timing))
    assert resumed.feasible.all()


class Impossible(Problem):
    """Two objectives and a constraint no genome meets (g = 1 + x0 > 0)."""

    name, n_var, var_type = "impossible", 2, "real"
    xl, xu = np.zeros(2), np.ones(2)
    objectives = (Objective("f1"), Objective("f2"))
    constraints = (Constraint("never"),)
    ideal, nadir = np.zeros(2), np.ones(2)

    def config(self):
        return {}

    def _evaluate(self, X):
        return Evaluation(np.c_[X[:, 0], 1 - X[:, 0] + X[:, 1]], G=1 + X[:, :1])


def test_reports_count_runs_without_a_feasible_point(tmp_path):
    run_cell(tmp_path / "a", "algorithm=random", "problem=bnh", "budget=100", "seed=0")
    run_cell(tmp_path / "b", "algorithm=random", "problem=bnh", "budget=100", "seed=1")
    ev = Evaluator(Impossible(), 50)
    ev.evaluate(np.random.default_rng(0).uniform(size=(50, 2)))
    assert len(ev.front) and not ev.front.feasible.any()  # least violating, marked so
    assert np.allclose(ev.front.cv, ev.front.cv.min())
    # a run of bnh whose every evaluation was infeasible: its record rewritten so
    broken = tmp_path / "b"
    rows = pd.read_csv(broken / "evaluations.csv")
    rows["g_c1"] = rows["g_c1"].abs() + 1.0
    rows.to_csv(broken / "evaluations.csv", index=False)
    run = read_run(broken)
    assert not run.any_feasible and run.hypervolume() == 0.0 and not run.front_mask.any()
    result = build_report([tmp_path / "a", broken], tmp_path / "rep", reference="random",
                          figures_on=False)  # fmt: skip
    s = result["summary"].set_index("algorithm")
    assert s.loc["random", "feasible_runs"] == 1
    md = (tmp_path / "rep/report.md").read_text()
    assert "**1 completed runs found no feasible point**" in md and "seed 1 on `bnh`" in md
    table = pd.read_csv(tmp_path / "rep/runs.csv").set_index("seed")
    assert table.feasible.tolist() == [True, False] and table.hv[1] == 0.0
