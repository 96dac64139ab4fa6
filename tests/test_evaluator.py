"""Budget accounting, the shared cache and genome checks."""

import numpy as np
import pytest

from hamp_bench.cache import EvaluationCache
from hamp_bench.errors import BudgetExhausted, ConfigError, GenomeError
from hamp_bench.evaluator import Evaluator
from hamp_bench.problems.benchmarks import PymooBenchmark

from conftest import algorithm_class, make_config, presets, read_evaluations, run_cell


@pytest.fixture
def zdt1():
    return PymooBenchmark("zdt1", "zdt1", n_var=5)


def test_batch_straddling_budget_is_cut_and_recorded(zdt1):
    ev = Evaluator(zdt1, budget=7)
    ev.evaluate(np.full((5, 5), 0.5))
    with pytest.raises(BudgetExhausted):
        ev.evaluate(np.full((5, 5), 0.25))
    assert ev.used == 7 and ev.remaining == 0
    with pytest.raises(BudgetExhausted):
        ev.evaluate(np.full((1, 5), 0.25))
    assert ev.used == 7


def test_cheap_queries_spend_no_budget():
    from hamp_bench.problem import Evaluation, Objective, Problem

    class Toy(Problem):
        name, n_var, var_type = "toy", 2, "int"
        xl, xu = np.zeros(2), np.full(2, 3)
        objectives = (Objective("err"), Objective("acc_proxy", direction="max", cheap=True))
        ideal, nadir = np.array([0.0, 6.0]), np.array([6.0, 0.0])

        def config(self):
            return {}

        def _evaluate(self, X):
            return Evaluation(np.c_[X.sum(1), X.sum(1)])

        def _evaluate_cheap(self, X):
            return X.sum(1, keepdims=True).astype(float)

    ev = Evaluator(Toy(), budget=1)
    assert np.array_equal(ev.evaluate_cheap([[1, 2], [3, 3]]), [[-3.0], [-6.0]])  # max -> negated
    assert ev.used == 0
    assert np.array_equal(ev.evaluate([[1, 2]]), [[3.0, -3.0]])


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((1, 4)), "expects 5"),
        (np.full((1, 5), 1.5), "outside"),
    ],
)
def test_bad_genomes_name_the_problem(zdt1, bad, message):
    with pytest.raises(GenomeError, match=message):
        Evaluator(zdt1, budget=10).evaluate(bad)


ALGORITHMS = presets("algorithm")  # every preset in conf/algorithm/
TINY = ["problem=tiny_synthetic", "problem.fidelity.finetune_steps=0", "cache.enabled=false"]


def test_the_algorithm_list_comes_from_conf():
    assert {"hamp", "nsga2", "spea2", "random", "uniform", "halp"} <= set(ALGORITHMS)


def _problem_for(algorithm: str) -> list[str]:
    """zdt1, unless the algorithm refuses it (e.g. latency_constrained and halp need a latency
    or cheap cost): then the tiny pruning problem."""
    from hamp_bench.components import build
    from hamp_bench.errors import ConfigError

    cfg = make_config(f"algorithm={algorithm}", "problem=zdt1")
    try:
        build(cfg.algorithm, "algorithm").check(build(cfg.problem, "problem"), 250)
    except ConfigError:
        return TINY
    return ["problem=zdt1"]


def _sized(algorithm: str, budget: int) -> list[str]:
    """A preset that fixes its population (emomc: 40, EMOMC's own) refuses a smaller budget
    (test_a_fixed_population_larger_than_the_budget_is_refused); below it, size the
    population from the budget as the other presets do."""
    pop = make_config(f"algorithm={algorithm}", "problem=zdt1").algorithm.get("pop_size")
    return ["algorithm.pop_size=null"] if pop is not None and pop > budget else []


def test_a_fixed_population_larger_than_the_budget_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"algorithm.pop_size \(40\) is larger than the budget"):
        run_cell(tmp_path, "algorithm=emomc", "problem=zdt1", "budget=37")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("budget", [1, 99, 250])
def test_every_algorithm_spends_the_budget_exactly(tmp_path, algorithm, budget):
    """Exactly the budget, or, for an algorithm with a natural size (a sweep, a path), at most
    the budget."""
    out = run_cell(
        tmp_path, f"algorithm={algorithm}", *_problem_for(algorithm), f"budget={budget}",
        *_sized(algorithm, budget),
    )  # fmt: skip
    assert out.status == "completed"
    assert len(read_evaluations(tmp_path)) == out.evaluator.used
    if algorithm_class(algorithm).uses_whole_budget:
        assert out.evaluator.used == budget
    else:
        assert 1 <= out.evaluator.used <= budget


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_on_integer_pruning_genomes(tmp_path, algorithm):
    """Integer genes, a real pruning problem, an exact budget, and seeding: same seed, same run."""
    args = (
        f"algorithm={algorithm}",
        *_sized(algorithm, 37),
        "problem=tiny_synthetic",
        "budget=37",
        "seed=2",
        "problem.fidelity.finetune_steps=0",
        f"cache.dir={tmp_path / 'cache'}",
        "cache.enabled=false",
    )
    out = run_cell(tmp_path / "a", *args)
    run_cell(tmp_path / "b", *args)
    a, b = read_evaluations(tmp_path / "a"), read_evaluations(tmp_path / "b")
    assert out.evaluator.used == len(a)
    assert len(a) == 37 if algorithm_class(algorithm).uses_whole_budget else 1 <= len(a) <= 37
    genes = a[[f"x{i}" for i in range(3)]]
    assert genes.dtypes.map(lambda t: t.kind == "i").all() and genes.min().min() >= 1
    cols = [c for c in a.columns if c not in ("cached", "wall_s")]
    assert a[cols].equals(b[cols])


def test_cache_saves_time_only(tmp_path):
    args = (
        "algorithm=nsga2",
        "problem=zdt1",
        "budget=300",
        "seed=1",
        "cache.enabled=true",
        f"cache.dir={tmp_path / 'cache'}",
    )
    first = run_cell(tmp_path / "a", *args)
    second = run_cell(tmp_path / "b", *args)
    a, b = read_evaluations(tmp_path / "a"), read_evaluations(tmp_path / "b")
    assert not a["cached"].any() and b["cached"].all()
    assert first.evaluator.used == second.evaluator.used == 300
    pd_cols = [c for c in a.columns if c not in ("cached", "wall_s")]
    assert a[pd_cols].equals(b[pd_cols]), "a cache hit must not change the trajectory"
    # a different problem config has another fingerprint: no stale hits
    third = run_cell(tmp_path / "c", *args, "problem.n_var=10")
    assert third.evaluator.cache_hits == 0


def test_cache_round_trips_values_exactly(tmp_path, zdt1):
    X = np.random.default_rng(0).uniform(size=(20, 5))
    plain = Evaluator(zdt1, budget=20).evaluate(X)
    cache = EvaluationCache(tmp_path)
    Evaluator(zdt1, budget=20, cache=cache).evaluate(X)
    again = Evaluator(zdt1, budget=20, cache=cache)
    assert np.array_equal(again.evaluate(X), plain)
    assert again.cache_hits == 20 and len(cache) == 20
