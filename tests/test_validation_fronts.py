"""Every MOEA reaches at least 0.95 of the true front's normalised hypervolume on the benchmark
functions, seed 1, at 20,000 evaluations for ZDT1-3 and 10,000 for DTLZ2 (3 objectives, easy
to converge on; the smaller budget keeps CI short). docs/algorithms.md lists the figures.

The reference is the hypervolume of the sampled true front (1,000 points for ZDT, 496 for
DTLZ2); the archive of a good run can exceed it slightly (ratios up to about 1.02 on DTLZ2),
because a sample of a continuous front underestimates its hypervolume.

Platypus' SPEA2 as released reaches 0.987, 0.543, 0.843, 0.463 and 0.991 on ZDT2 for seeds 0-4
(bench/spea2_zdt2.py): its mating tournament prefers the larger SPEA2 fitness, i.e. the worse
parent (docs/algorithms.md, "SPEA2 on ZDT2"). The suite's `spea2` corrects that
(`corrected_mating: true`), so its ZDT2 cell is asserted like the others; a test checks
that the mating tournament prefers the lower fitness (tests/test_algorithms.py).
"""

import pytest

from conftest import run_cell

pytestmark = [pytest.mark.slow, pytest.mark.full]  # HAMP_BENCH_FULL=1 runs them (conftest.py)

MOEAS = ["hamp", "nsga2", "nsga3", "smsemoa", "moead", "agemoea", "spea2", "ibea", "emoea"]
BUDGET = {"zdt1": 20000, "zdt2": 20000, "zdt3": 20000, "dtlz2": 10000}


@pytest.mark.parametrize("problem", ["zdt1", "zdt2", "zdt3", "dtlz2"])
@pytest.mark.parametrize("algorithm", MOEAS)
def test_moea_reaches_the_true_front(tmp_path, algorithm, problem):
    extra = (
        ["algorithm.ls_every=10"] if algorithm == "hamp" else []
    )  # cheap functions: LS less often
    out = run_cell(
        tmp_path,
        f"algorithm={algorithm}",
        f"problem={problem}",
        f"budget={BUDGET[problem]}",
        "seed=1",
        *extra,
    )
    p = out.problem
    hv = p.space.hypervolume(out.evaluator.front.F)
    true = p.space.hypervolume(p.true_front())
    assert out.evaluator.used == BUDGET[problem]
    print(f"{algorithm} on {problem}: {hv / true:.3f}")
    assert hv / true >= 0.95, f"{algorithm} on {problem}: {hv / true:.3f}"


@pytest.mark.parametrize("problem", ["bnh", "srn", "c2dtlz2"])
def test_nsga2_reaches_the_true_front_of_constrained_functions(tmp_path, problem):
    """The same rule on the constrained functions (feasible points only count): NSGA-II, seed 1,
    20,000 evaluations; figures in docs/algorithms.md ("Constraints")."""
    out = run_cell(tmp_path, "algorithm=nsga2", f"problem={problem}", "budget=20000", "seed=1")
    p = out.problem
    assert out.evaluator.front.feasible.all()
    hv = p.space.hypervolume(out.evaluator.front.F)
    true = p.space.hypervolume(p.true_front())
    print(f"nsga2 on {problem}: {hv / true:.4f}")
    assert hv / true >= 0.95, f"nsga2 on {problem}: {hv / true:.4f}"
