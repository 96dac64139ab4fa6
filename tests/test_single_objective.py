"""The single-objective baselines: weighted sum, latency-constrained GA, uniform pruning, HALP."""

import numpy as np
import pytest

from hamp_bench.algorithms.halp import HALP
from hamp_bench.components import build
from hamp_bench.errors import ConfigError
from hamp_bench.evaluator import Evaluator

from conftest import make_config, read_evaluations, run_cell

TINY = ("problem=tiny_synthetic", "problem.fidelity.finetune_steps=0")


def test_weighted_sum_splits_the_budget_over_its_weight_vectors(tmp_path):
    run_cell(
        tmp_path,
        "algorithm=weighted_sum",
        "problem=zdt1",
        "budget=400",
        "algorithm.weights=[[1,0],[0,1]]",
    )
    ev = read_evaluations(tmp_path)
    first, second = ev.iloc[:200], ev.iloc[200:]
    assert len(ev) == 400
    # the first GA minimised f1 alone, the second f2 alone
    assert first.f1.min() < second.f1.min()
    assert second.f2.min() < first.f2.min()


@pytest.mark.parametrize(
    "weights, message",
    [
        ("[[1,1,1]]", "every weight vector needs 2 entries"),
        ("[[-1,1]]", "must be non-negative"),
    ],
)
def test_weighted_sum_bad_weights(tmp_path, weights, message):
    with pytest.raises(ConfigError, match=message):
        run_cell(
            tmp_path,
            "algorithm=weighted_sum",
            "problem=zdt1",
            "budget=10",
            f"algorithm.weights={weights}",
        )


def test_latency_constrained_truly_evaluates_only_feasible_candidates(tmp_path):
    out = run_cell(
        tmp_path, "algorithm=latency_constrained", *TINY, "budget=30", "algorithm.fractions=[0.3]"
    )
    p = out.problem
    limit = p.ideal[1] + 0.3 * (p.nadir[1] - p.ideal[1])
    ev = read_evaluations(tmp_path)
    assert len(ev) == 30
    assert (ev.macs_M <= limit + 1e-12).all()


def test_latency_constrained_bad_budgets(tmp_path):
    with pytest.raises(ConfigError, match="below the smallest reachable macs_M"):
        run_cell(
            tmp_path,
            "algorithm=latency_constrained",
            *TINY,
            "budget=10",
            "algorithm.budgets=[0.0001]",
        )
    with pytest.raises(ConfigError, match="algorithm.constrain must differ"):
        run_cell(
            tmp_path, "algorithm=latency_constrained", *TINY, "budget=10", "algorithm.constrain=0"
        )
    with pytest.raises(ConfigError, match="algorithm.optimise=5 is not an objective index"):
        run_cell(
            tmp_path, "algorithm=latency_constrained", *TINY, "budget=10", "algorithm.optimise=5"
        )


def test_uniform_sweeps_every_level_once(tmp_path):
    out = run_cell(tmp_path / "all", "algorithm=uniform", *TINY, "budget=40")
    ev = read_evaluations(tmp_path / "all")
    genes = ev[["x0", "x1", "x2"]].to_numpy()
    assert genes.tolist() == [[k, k, k] for k in range(1, 9)]  # levels 1..8, then it stops
    assert out.evaluator.used == 8 and out.status == "completed"
    run_cell(tmp_path / "three", "algorithm=uniform", *TINY, "budget=3")
    genes = read_evaluations(tmp_path / "three")[["x0", "x1", "x2"]].to_numpy()
    assert genes.tolist() == [[1, 1, 1], [4, 4, 4], [8, 8, 8]] or genes.tolist() == [
        [1, 1, 1],
        [5, 5, 5],
        [8, 8, 8],
    ]


def test_halp_follows_a_monotone_path_and_honours_its_budgets(tmp_path):
    cfg = make_config("algorithm=halp", *TINY, "budget=50", "algorithm.fractions=[0.2,0.5,0.9]")
    problem = build(cfg.problem, "problem")
    evaluator = Evaluator(problem, budget=50)
    halp = HALP(fractions=[0.2, 0.5, 0.9])
    path, lat = halp.greedy_path(evaluator)
    assert evaluator.used == 0  # the path costs cheap queries only
    assert (np.diff(lat) <= 1e-12).all() and path[0].tolist() == problem.xu.tolist()
    assert path[-1].tolist() == problem.xl.tolist()
    assert (np.abs(np.diff(path, axis=0)).sum(axis=1) == 1).all()  # one level at a time
    halp.run(evaluator, seed=0)
    assert evaluator.used == 3
    lo, hi = problem.ideal[1], problem.nadir[1]
    cheap = problem.evaluate_cheap(path)[:, 0]
    np.testing.assert_allclose(cheap, lat)
    for f in (0.2, 0.5, 0.9):
        limit = lo + f * (hi - lo)
        first = int(np.flatnonzero(lat <= limit + 1e-12)[0])
        assert lat[first] <= limit and (first == 0 or lat[first - 1] > limit)


def test_halp_refuses_what_it_cannot_do(tmp_path):
    with pytest.raises(ConfigError, match="needs a pruning problem"):
        run_cell(tmp_path, "algorithm=halp", "problem=zdt1", "budget=10")
    with pytest.raises(ConfigError, match="below the smallest reachable"):
        run_cell(tmp_path, "algorithm=halp", *TINY, "budget=10", "algorithm.budgets=[0.0001]")
