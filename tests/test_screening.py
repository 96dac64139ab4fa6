"""What every GA can switch on: the keep-ratio initial population (`variation.sampling`) and
surrogate pre-screening of offspring with the exact cheap objectives (`prescreen`), the same
free information HAMP's local search uses (docs/hamp.md, "Fairness")."""

import numpy as np
import pytest

from hamp_bench.algorithms.pymoo_moeas import MOEAD, NSGA2
from hamp_bench.algorithms.sampling import keep_ratio_genomes, uniform_genomes
from hamp_bench.algorithms.variation import Variation
from hamp_bench.errors import ConfigError
from hamp_bench.evaluator import Evaluator
from hamp_bench.problems.surrogates.problem import SurrogatePruningProblem


@pytest.fixture(scope="module")
def problem():
    """A shipped surrogate problem: error modelled, latency exact and cheap."""
    return SurrogatePruningProblem(
        "resnet20_digits_sur2", "resnet20_digits", "resnet20_digits", ["error", "latency"]
    )


def test_keep_ratio_genomes_spread_along_the_front_and_into_the_region(problem):
    rng = np.random.default_rng(0)
    R, U = keep_ratio_genomes(rng, problem, 4000), uniform_genomes(rng, problem, 4000)
    assert R.min() >= problem.xl.min() and R.max() <= problem.xu.max()
    assert R.std(axis=1).mean() < 0.5 * U.std(axis=1).mean()  # genes of a genome alike
    level = R.mean(axis=1)  # the global keep level covers the whole range
    assert level.min() < 3 and level.max() > 14
    inside = [problem.space.in_roi(problem.to_min(problem.evaluate(X).F)).mean() for X in (R, U)]
    assert inside[0] > 10 * inside[1]  # the point of it: many more networks worth deploying


def test_sampling_reaches_the_initial_population_and_is_checked(problem):
    ev = Evaluator(problem, 20)
    NSGA2(pop_size=20, variation={"sampling": "ratio"}).run(ev, seed=0)
    X = ev.front.X  # every genome of the run is initial: budget = one population
    ev_u = Evaluator(problem, 20)
    NSGA2(pop_size=20).run(ev_u, seed=0)
    assert ev.front.F[:, 0].min() < ev_u.front.F[:, 0].min()
    assert len(X) and np.all(np.ptp(X, axis=1) <= 8)
    with pytest.raises(ConfigError, match="algorithm.variation.sampling must be one of"):
        Variation(sampling="sobol")


def test_prescreen_truly_evaluates_only_the_kept_share_of_k_times_the_offspring(problem):
    ev = Evaluator(problem, 300)
    asked = []
    original = ev.evaluate_constrained  # what the pymoo adapter calls
    ev.evaluate_constrained = lambda X: (asked.append(len(X)), original(X))[1]
    cheap = []
    original_cheap = ev.evaluate_cheap
    ev.evaluate_cheap = lambda X: (cheap.append(len(X)), original_cheap(X))[1]
    NSGA2(pop_size=50, prescreen=3).run(ev, seed=1)
    rows = ev.telemetry.series["prescreen"]
    assert ev.used == 300 and asked == [50] * 6  # the budget counts only kept offspring
    assert len(rows) >= 4 and all(r["kept"] == 50 and r["candidates"] > 100 for r in rows)
    assert sum(cheap) == sum(r["candidates"] for r in rows)  # every candidate: exact latency


def test_prescreen_changes_the_trajectory_and_refuses_where_it_cannot_apply(problem):
    def front(k):
        ev = Evaluator(problem, 300)
        NSGA2(pop_size=50, prescreen=k).run(ev, seed=1)
        return problem.space.hypervolume(ev.front.F), ev.front.X

    (hv1, X1), (hv4, X4) = front(1), front(4)
    assert not np.array_equal(X1, X4)
    assert hv4 > hv1  # the screened offspring are the better ones on this problem
    with pytest.raises(ConfigError, match="algorithm.prescreen is not supported by moead"):
        MOEAD(prescreen=2)
    with pytest.raises(ConfigError, match="algorithm.prescreen must be at least 1"):
        NSGA2(prescreen=0)
