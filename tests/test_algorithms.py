"""The suite's algorithms against the libraries they wrap, and against known fronts."""

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2 as PymooNSGA2
from pymoo.optimize import minimize
from pymoo.problems import get_problem

from hamp_bench.algorithms.pymoo_moeas import NSGA2
from hamp_bench.algorithms.random_search import RandomSearch
from hamp_bench.evaluator import Evaluator
from hamp_bench.pareto import normalised_hypervolume
from hamp_bench.problems.benchmarks import PymooBenchmark

from conftest import run_cell


@pytest.mark.parametrize("function, seed, budget", [("zdt1", 3, 2000), ("zdt3", 0, 1000),
                                                    ("dtlz2", 7, 1500)])
def test_suite_nsga2_equals_pymoo_called_directly(function, seed, budget):
    """Same seed and budget (a multiple of pop_size): the same final population, bit for bit."""
    direct = minimize(get_problem(function), PymooNSGA2(pop_size=100), ("n_eval", budget),
                      seed=seed)
    evaluator = Evaluator(PymooBenchmark(function, function), budget)
    suite = NSGA2()
    suite.run(evaluator, seed)
    X, F = suite.population
    assert evaluator.used == budget
    assert np.array_equal(X, direct.pop.get("X"))
    assert np.array_equal(F, direct.pop.get("F"))


def test_random_search_is_uniform_within_bounds():
    problem = PymooBenchmark("zdt1", "zdt1", n_var=4)
    evaluator = Evaluator(problem, 4000)
    RandomSearch(batch_size=1000).run(evaluator, seed=0)
    X = evaluator.front.X  # front genomes lie in bounds
    assert np.all((X >= 0) & (X <= 1))
    assert evaluator.used == 4000


def _final_hv_ratio(outcome):
    p = outcome.problem
    hv = normalised_hypervolume(p.normalise(outcome.evaluator.front.F), p.ref_point)
    return hv / normalised_hypervolume(p.normalise(p.true_front()), p.ref_point)


def test_nsga2_approaches_the_true_front_on_zdt1(tmp_path):
    out = run_cell(tmp_path, "algorithm=nsga2", "problem=zdt1", "budget=10000", "seed=1")
    assert _final_hv_ratio(out) > 0.95


def test_random_search_stays_far_from_the_true_front_on_zdt1(tmp_path):
    """A sanity check that the indicator discriminates: random search on 30-D ZDT1 is poor."""
    out = run_cell(tmp_path, "algorithm=random", "problem=zdt1", "budget=10000", "seed=1")
    assert _final_hv_ratio(out) < 0.5
