"""Benchmark functions: pymoo's definitions, known fronts and frozen bounds."""

import numpy as np
import pytest
from pymoo.problems import get_problem

from hamp_bench.errors import ConfigError
from hamp_bench.pareto import nondominated_mask
from hamp_bench.problems.benchmarks import PymooBenchmark


@pytest.mark.parametrize("function", ["zdt1", "zdt2", "zdt3", "dtlz2"])
def test_values_are_pymoos(function):
    p = PymooBenchmark(function, function)
    X = np.random.default_rng(0).uniform(p.xl, p.xu, size=(50, p.n_var))
    assert np.array_equal(p.evaluate(X).F, get_problem(function).evaluate(X))


def test_true_fronts_and_bounds():
    zdt1 = PymooBenchmark("zdt1", "zdt1")
    front = zdt1.true_front()
    assert np.allclose(front[:, 1], 1 - np.sqrt(front[:, 0]))
    assert np.allclose(zdt1.ideal, [0, 0]) and np.allclose(zdt1.nadir, [1, 1])
    dtlz2 = PymooBenchmark("dtlz2", "dtlz2")
    assert dtlz2.n_obj == 3 and np.allclose((dtlz2.true_front() ** 2).sum(1), 1)
    zdt3 = PymooBenchmark("zdt3", "zdt3")
    assert nondominated_mask(zdt3.true_front()).all()
    assert zdt3.ideal[1] == pytest.approx(-0.7734, abs=1e-3)


def test_hypervolume_of_zdt1_front_matches_the_integral():
    """HV of f2 = 1 - sqrt(f1) against (1.1, 1.1): the box 1.21 less the area under the front,
    1/3."""
    p = PymooBenchmark("zdt1", "zdt1")
    hv = p.space.hypervolume(p.true_front())
    assert hv == pytest.approx(1.21 - 1 / 3, abs=2e-3)


def test_fingerprint_changes_with_definition():
    a, b = PymooBenchmark("zdt1", "zdt1"), PymooBenchmark("zdt1", "zdt1", n_var=10)
    assert a.fingerprint() == PymooBenchmark("renamed", "zdt1").fingerprint()
    assert a.fingerprint() != b.fingerprint()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"function": "zdt9"}, "unknown"),
        ({"function": "zdt1", "n_obj": 3}, "2 objectives"),
    ],
)
def test_bad_benchmark_configs(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        PymooBenchmark("x", **kwargs)
