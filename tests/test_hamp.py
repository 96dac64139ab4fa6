"""HAMP's components do what docs/hamp.md says: the bandit follows credit, the surrogate is
consulted, and only screened neighbours are truly evaluated."""

import numpy as np
import pytest

from hamp_bench.algorithms.hamp import HAMP
from hamp_bench.algorithms.portfolio import SURVIVALS, UCB1, PortfolioSurvival
from hamp_bench.algorithms.surrogate_search import SurrogateLocalSearch
from hamp_bench.errors import ConfigError
from hamp_bench.evaluator import Evaluator
from hamp_bench.problems.benchmarks import PymooBenchmark


def test_bandit_choice_follows_credit():
    rng = np.random.default_rng(0)
    bandit = UCB1(3, c=0.3)
    picks = []
    for _ in range(300):
        arm = bandit.choose(rng)
        bandit.update(arm, {0: 0.01, 1: 0.2, 2: 0.05}[arm] * rng.uniform(0.5, 1.5))
        picks.append(arm)
    counts = np.bincount(picks[100:], minlength=3)
    assert counts[1] > counts[0] + counts[2]
    # credit moves: once arm 0 pays best, it takes over
    for _ in range(600):
        arm = bandit.choose(rng)
        bandit.update(arm, {0: 1.0, 1: 0.0, 2: 0.0}[arm])
        picks.append(arm)
    assert np.bincount(picks[-200:], minlength=3)[0] > 150


def test_portfolio_delegates_to_the_chosen_operator():
    """Switching `current` changes which survivors are kept, and each choice keeps exactly what
    the pymoo operator itself keeps on the same population."""
    from pymoo.algorithms.moo.age import AGEMOEASurvival
    from pymoo.algorithms.moo.sms import LeastHypervolumeContributionSurvival
    from pymoo.core.population import Population
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(size=30))
    F = np.c_[t, 1 - np.sqrt(t)] + np.r_[np.zeros(20), rng.uniform(0.05, 0.3, 10)][:, None]
    problem = PymooProblem(n_var=1, n_obj=2, xl=0, xu=1)

    def survivors(op):
        pop = Population.new(X=t[:, None], F=F)
        out = op.do(problem, pop, n_survive=8, random_state=np.random.default_rng(1))
        return sorted(out.get("X")[:, 0].tolist())

    names = ["rank_crowding", "hv_contribution", "age"]
    portfolio = PortfolioSurvival(names)
    kept = {}
    for i, (name, direct) in enumerate(
        zip(names, [RankAndCrowding(), LeastHypervolumeContributionSurvival(), AGEMOEASurvival()])
    ):
        portfolio.current = i
        kept[name] = survivors(portfolio)
        assert kept[name] == survivors(direct), name
    assert kept["rank_crowding"] != kept["hv_contribution"] != kept["age"] != kept["rank_crowding"]
    with pytest.raises(ConfigError, match="unknown selection operator"):
        PortfolioSurvival(["magic"])


class CountingLS(SurrogateLocalSearch):
    """Records which genomes local search sent to true evaluation."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.sent = []

    def propose(self, evaluator, X_seen, F_seen, rng, cv_seen=None):
        picks = super().propose(evaluator, X_seen, F_seen, rng, cv_seen)
        self.sent.extend(map(tuple, np.asarray(picks).tolist()))
        return picks


def test_surrogate_is_consulted_and_only_screened_neighbours_are_evaluated():
    problem = PymooBenchmark("zdt1", "zdt1", n_var=6)
    evaluator = Evaluator(problem, budget=600)
    hamp = HAMP(pop_size=20, ls_evals=3, ls_candidates=50)
    ls = hamp.local_search  # the same settings as HAMP's, with a record of what it sent
    hamp.local_search = CountingLS(
        ls.n_candidates, ls.n_evals, ls.max_genes, ls.max_step, ls.real_step, ls.max_train
    )
    seen = []
    original = evaluator.evaluate_constrained  # what every algorithm's evaluations go through

    def spy(X):
        seen.append(np.asarray(X))
        return original(X)

    evaluator.evaluate_constrained = spy
    hamp.run(evaluator, seed=0)
    stats = hamp.local_search.stats
    assert (problem.normalise(evaluator.front.F) < problem.ref_point).all(axis=1).any()
    assert stats.surrogate_fits >= 10
    assert all(proposed <= 3 and proposed <= screened for screened, proposed in stats.history)
    assert stats.proposed >= 1  # a local search that proposes nothing fails here
    assert stats.screened > 10 * stats.proposed  # most neighbours never reach the problem
    evaluated = {tuple(x) for batch in seen for x in batch.tolist()}
    assert 1 <= len(set(hamp.local_search.sent)) and set(hamp.local_search.sent) <= evaluated
    assert evaluator.used == 600
    assert len(hamp.choices) - 1 == len(hamp.rewards) > 10  # the last choice awaits credit


@pytest.mark.parametrize("credit", ["offspring", "hv_gain"])
def test_hamp_does_not_stall_while_every_point_is_outside_the_box(caplog, credit):
    """ZDT1 with 12 variables at budget 100: no point ever enters the reference box. Screening
    (and hv_gain credit) then use a reference beyond the run's worst front point, and the log
    says so; before, every reward was 0 and local search proposed nothing. Offspring credit
    needs no reference: offspring enter the run's front wherever it lies."""
    problem = PymooBenchmark("zdt1", "zdt1", n_var=12)
    evaluator = Evaluator(problem, budget=100)
    hamp = HAMP(pop_size=10, credit=credit)
    with caplog.at_level("WARNING", logger="hamp_bench"):
        hamp.run(evaluator, seed=0)
    assert not (problem.normalise(evaluator.front.F) < problem.ref_point).all(axis=1).any()
    credited = len(hamp.rewards)
    assert hamp.fallback_generations == (credited if credit == "hv_gain" else 0) and credited >= 3
    assert max(hamp.rewards) > 0
    assert hamp.local_search.stats.proposed >= 1 and hamp.local_search.stats.fallback_calls >= 1
    assert caplog.text.count("no evaluated point lies inside the reference box") == 1


def test_local_search_screens_with_exact_cheap_objectives():
    """On a problem with a cheap objective, neighbours get its exact value, not a prediction."""
    from hamp_bench.problem import Evaluation, Objective, Problem

    class Toy(Problem):
        name, n_var, var_type = "toy", 4, "int"
        xl, xu = np.zeros(4, dtype=np.int64), np.full(4, 9)
        objectives = (Objective("err"), Objective("cost", cheap=True))
        ideal, nadir = np.array([0.0, 0.0]), np.array([40.0, 40.0])
        cheap_calls = 0

        def config(self):
            return {}

        def _evaluate(self, X):
            return Evaluation(np.c_[(9 - X).sum(1) ** 1.1, X.sum(1)])

        def _evaluate_cheap(self, X):
            Toy.cheap_calls += len(X)
            return X.sum(1, keepdims=True).astype(float)

    evaluator = Evaluator(Toy(), budget=200)
    HAMP(pop_size=10, portfolio=["rank_crowding"]).run(evaluator, seed=1)
    assert Toy.cheap_calls > 200  # screening queried the cheap objective, free of budget
    assert evaluator.used == 200


def test_ablations_and_parameter_errors():
    assert HAMP(local_search=False).local_search is None
    with pytest.raises(ConfigError, match="algorithm.portfolio"):
        HAMP(portfolio=["rank_crowding", "nonsense"])
    with pytest.raises(ConfigError, match="algorithm.pop_size"):
        HAMP(pop_size=1)
    with pytest.raises(ConfigError, match="algorithm.ls_evals"):
        HAMP(ls_evals=0)


def test_the_bandit_follows_offspring_credit_in_a_real_run(monkeypatch):
    """A real HAMP run on ZDT1 with two selection operators, one of them sabotaged (it keeps a
    random subset, so its parents make poor children): offspring credit tells them apart and
    the bandit chooses the working operator far more often. The telemetry says the same."""
    from pymoo.core.survival import Survival

    import hamp_bench.algorithms.hamp as hamp_module

    class RandomSurvival(Survival):
        def _do(self, problem, pop, *args, n_survive=None, random_state=None, **kwargs):
            return pop[random_state.permutation(len(pop))[:n_survive]]

    class Sabotaged(PortfolioSurvival):
        def __init__(self, names):
            super().__init__(names)
            self.operators[1] = RandomSurvival()

    monkeypatch.setattr(hamp_module, "PortfolioSurvival", Sabotaged)
    problem = PymooBenchmark("zdt1", "zdt1", n_var=10)
    evaluator = Evaluator(problem, budget=4000)
    hamp = HAMP(
        pop_size=20,
        portfolio=["rank_crowding", "spea2"],
        credit="offspring",
        local_search=False,
        prescreen=1,  # screened offspring would hide some of what the parents are worth
    )
    hamp.run(evaluator, seed=0)
    choices = np.array(hamp.choices)
    assert len(choices) > 150
    assert (choices == 0).sum() > 3 * (choices == 1).sum()
    rows = evaluator.telemetry.series["generation"]
    rewards = {op: [r["reward"] for r in rows if r.get("credited") == op] for op in hamp.portfolio}
    assert np.mean(rewards["rank_crowding"]) > 2 * np.mean(rewards["spea2"])
    assert [r["operator"] for r in rows] == [hamp.portfolio[c] for c in choices]


def test_telemetry_records_choices_credit_and_local_search_hits():
    """Every generation row names the operator used and the one credited, with the offspring's
    and the local search's hits; the local search proposes, and some of its picks enter the
    front of a run whose front lies inside the reference box."""
    problem = PymooBenchmark("zdt1", "zdt1", n_var=6)
    evaluator = Evaluator(problem, budget=1000)
    HAMP(pop_size=20).run(evaluator, seed=2)
    t = evaluator.telemetry
    gens, ls = t.series["generation"], t.series["local_search"]
    assert (problem.normalise(evaluator.front.F) < problem.ref_point).all(axis=1).any()
    assert len(gens) == len(ls) == t.values["generations"] > 10
    assert all({"operator", "offspring", "offspring_hits", "evaluations"} <= set(r) for r in gens)
    assert all(r["credited"] in SURVIVALS for r in gens[1:])
    assert all(0 <= r["hits"] <= r["proposed"] <= r["ls_evals"] for r in ls)
    summary = t.values["local_search"]
    assert summary["proposed"] == sum(r["proposed"] for r in ls) >= 1
    assert summary["hits"] == sum(r["hits"] for r in ls) >= 1
    # a hit is a pick that entered the run's front: recount from the evaluator's front ids
    assert gens[-1]["evaluations"] <= evaluator.used
