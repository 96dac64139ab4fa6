"""The report's newer analyses on runs whose hypervolumes are known by hand: evaluations to
target (hits, success rates, ERT and its ratio, targets from another report), the ECDF, the
Nemenyi critical difference against Demsar's table and the (problem, seed) second view, the
one-budget rule, and operator usage and local-search hit rates from telemetry."""

import numpy as np
import pandas as pd
import pytest
from test_reports import _fake_run

from hamp_bench.errors import ConfigError, RecordError
from hamp_bench.reports.build import build_report
from hamp_bench.reports.ert import ecdf
from hamp_bench.reports.gather import read_runs
from hamp_bench.reports.stats import critical_difference, seed_blocks
from hamp_bench.reports.telemetry import local_search_hits, operator_usage

# a point (a, a) in [0, 1]^2 against (1.1, 1.1) dominates (1.1 - a)^2: 0.9 -> 0.04,
# 0.5 -> 0.36, 0.3 -> 0.64
BAD, MID, GOOD = (0.9, 0.9), (0.5, 0.5), (0.3, 0.3)
RUNS = {  # algorithm -> one list of 4 evaluations per run (seed = position)
    "ref": [[BAD, MID, MID, MID], [BAD, BAD, BAD, GOOD], [BAD] * 4],  # finals .36 .64 .04
    "b": [[MID] * 4, [BAD, BAD, GOOD, GOOD]],  # reach 0.36 at 1 and at 3
    "c": [[BAD] * 4, [BAD] * 4],  # never
}


def _runs(root, problem="p", runs=RUNS, **kw):
    for alg, seqs in runs.items():
        for seed, F in enumerate(seqs):
            _fake_run(
                root / f"{problem}-{alg}-{seed}", F, algorithm=alg, seed=seed, problem=problem, **kw
            )


def test_evaluations_to_target_by_hand(tmp_path):
    """Target: the median final HV of `ref` = 0.36 (its first run's, exactly). `ref` hits at 2
    and 4 and misses once: ERT (2 + 4 + 4) / 2 = 5; `b` hits at 1 and 3: ERT 2, ratio 0.4;
    `c` never: ERT infinite, 0/2."""
    _runs(tmp_path / "runs")
    result = build_report([tmp_path / "runs"], tmp_path / "out", reference="ref", figures_on=False)
    s = result["summary"].set_index("algorithm")
    assert s.target.tolist() == [pytest.approx(0.36)] * 3
    assert s.hits.to_dict() == {"b": 2, "c": 0, "ref": 2}
    assert s.success_rate.to_dict() == {"b": 1.0, "c": 0.0, "ref": 2 / 3}
    assert s.ert["ref"] == pytest.approx(5) and s.ert["b"] == pytest.approx(2)
    assert np.isinf(s.ert["c"]) and np.isinf(s.ert_ratio["c"])
    assert s.ert_ratio["b"] == pytest.approx(0.4) and s.ert_ratio["ref"] == 1
    runs = pd.read_csv(tmp_path / "out" / "runs.csv").set_index(["algorithm", "seed"])
    hit = {key: v for key, v in runs.hit.items() if not np.isnan(v)}
    assert hit == {("ref", 0): 2, ("ref", 1): 4, ("b", 0): 1, ("b", 1): 3}
    written = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("algorithm")
    assert np.isinf(written.ert["c"])  # written as inf
    t = pd.read_csv(tmp_path / "out" / "targets.csv")
    assert t.to_dict("records") == [
        {"problem": "p", "algorithm": "ref", "budget": 4, "runs": 3, "target": t.target[0]}
    ]
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| ref | 2/3 | 5.0 | 1.00 |" in md
    assert "| b | 2/2 | 2.0 | 0.40 |" in md
    assert "| c | 0/2 | ∞ | ∞ |" in md
    assert "| c | ∞ (0%) |" in md and "| b | 2.0 (100%) |" in md


def test_targets_from_another_report_and_from_a_named_algorithm(tmp_path):
    _runs(tmp_path / "runs")
    # a report whose target is 0.64 (the median of `big`'s runs, all at 0.64)
    _runs(tmp_path / "big", runs={"ref": [[GOOD], [GOOD], [GOOD]]})
    build_report([tmp_path / "big"], tmp_path / "big_out", reference="ref", figures_on=False)
    result = build_report(
        [tmp_path / "runs"],
        tmp_path / "out",
        reference="ref",
        figures_on=False,
        targets=tmp_path / "big_out" / "targets.csv",
    )
    s = result["summary"].set_index("algorithm")
    assert s.hits.to_dict() == {"b": 1, "c": 0, "ref": 1}  # only the runs that reach 0.64
    assert s.ert["ref"] == pytest.approx(4 + 4 + 4) and s.ert["b"] == pytest.approx(3 + 4)
    md = (tmp_path / "out" / "report.md").read_text()
    assert "big_out/targets.csv" in md and "--targets" in md
    # b's median final HV is (0.36 + 0.64) / 2 = 0.5: only its second run reaches it
    result = build_report(
        [tmp_path / "runs"], tmp_path / "out2", reference="ref", figures_on=False, target="b"
    )
    assert result["summary"].set_index("algorithm").hits.to_dict() == {"b": 1, "c": 0, "ref": 1}
    assert result["targets"].algorithm.tolist() == ["b"]
    with pytest.raises(ConfigError, match="--target nope: no runs of 'nope'"):
        build_report([tmp_path / "runs"], tmp_path / "x", figures_on=False, target="nope")
    other = tmp_path / "other.csv"
    other.write_text("problem,algorithm,budget,runs,target\nq,ref,4,3,0.5\n")
    with pytest.raises(RecordError, match="has no target for problem.s. p;"):
        build_report([tmp_path / "runs"], tmp_path / "x", figures_on=False, targets=other)


def test_the_ecdf_steps():
    x, y = ecdf(np.array([1.0, np.nan, 3.0]), budget=4)
    assert x.tolist() == [1, 1, 3, 4]
    np.testing.assert_allclose(y, [0, 1 / 3, 2 / 3, 2 / 3])


def test_the_critical_difference_against_demsars_table():
    """Demsar (2006), Table 5(a): q_0.05 = 2.343 (k = 3), 2.728 (5), 3.164 (10)."""
    for k, q in ((3, 2.343), (5, 2.728), (10, 3.164)):
        for n in (2, 8, 248):
            width = np.sqrt(k * (k + 1) / (6 * n))
            assert critical_difference(k, n) / width == pytest.approx(q, abs=1e-3)  # 3 digits


def test_the_seed_view_and_the_width_of_the_cd(tmp_path):
    for problem in ("p", "q"):
        runs = {a: [[pt]] * 3 for a, pt in (("a", GOOD), ("b", MID), ("c", BAD))}
        runs["c"] = runs["c"][:2]  # seed 2 of c missing: that block is left out
        _runs(tmp_path / "runs", problem=problem, runs=runs, budget=1)
    table = pd.DataFrame(
        [
            {"problem": r.problem, "algorithm": r.algorithm, "seed": r.seed}
            | {"status": r.status, "hv": r.hypervolume()}
            for r in read_runs(tmp_path / "runs")
        ]
    )
    wide = seed_blocks(table, ["a", "b", "c"])
    assert wide.index.tolist() == [("p", 0), ("p", 1), ("q", 0), ("q", 1)]
    result = build_report([tmp_path / "runs"], tmp_path / "out", reference="a", figures_on=True)
    assert result["friedman_seeds"]["problems"] == 4
    assert result["friedman_seeds"]["cd"] == pytest.approx(critical_difference(3, 4))
    md = (tmp_path / "out" / "report.md").read_text()
    assert (
        f"With 3 algorithms and 2 problems, two algorithms' mean ranks (from 1 to 3) must differ "
        f"by at least the critical difference CD = {critical_difference(3, 2):.2f}"
    ) in md
    assert "wider than the widest possible gap (2), so no pair can differ" in md
    assert "Seeds are not paired between algorithms" in md and "4 blocks instead of 2" in md
    for stem in ("cd_diagram", "cd_diagram_seeds", "ecdf_p", "ecdf_all_problems"):
        assert (tmp_path / "out" / "figures" / f"{stem}.png").is_file(), stem


def test_one_budget_per_problem(tmp_path):
    _fake_run(tmp_path / "r" / "a", [MID], budget=500)
    _fake_run(tmp_path / "r" / "b", [MID], budget=2000, seed=1)
    _fake_run(tmp_path / "r" / "c", [MID], budget=2000, problem="other")
    with pytest.raises(
        RecordError,
        match=r"runs of problem 'p' have different budgets \(2000, 500\); report each budget's "
        r"records separately",
    ):
        read_runs(tmp_path / "r")


def _telemetry(ops, local_search):
    generation = [
        {"generation": g + 1, "evaluations": 4 * (g + 1), "operator": op, "reward": 0.1}
        for g, op in enumerate(ops)
    ]
    return {"values": {}, "series": {"generation": generation, "local_search": local_search}}


def test_operator_usage_over_time_and_local_search_hit_rates(tmp_path):
    """Generation 1: one run chose a, one b; 2: both a; 3: only the first run got there, b.
    Local search: 1 + 1 + 0 hits of 4 + 2 + 2 proposed; a series without `hits` is left out."""
    ls = [{"generation": 1, "screened": 9, "proposed": 4, "hits": 1}]
    ls.append({"generation": 2, "screened": 9, "proposed": 2, "hits": 1})
    for name, seed, alg, ops, local in (
        ("h0", 0, "hamp", ["a", "a", "b"], ls),
        ("h1", 1, "hamp", ["b", "a"], [{"proposed": 2, "hits": 0, "screened": 3}]),
        ("o0", 0, "old", ["a"], [{"generation": 1, "screened": 8, "proposed": 2}]),
    ):
        _fake_run(
            tmp_path / "r" / name,
            [MID],
            algorithm=alg,
            seed=seed,
            version=2,
            telemetry=_telemetry(ops, local),
        )
    runs = read_runs(tmp_path / "r")
    usage = operator_usage(runs).set_index(["algorithm", "generation"])
    assert usage.loc[("hamp", 1), ["runs", "a", "b"]].tolist() == [2, 0.5, 0.5]
    assert usage.loc[("hamp", 2), ["runs", "a", "b"]].tolist() == [2, 1.0, 0.0]
    assert usage.loc[("hamp", 3), ["runs", "a", "b"]].tolist() == [1, 0.0, 1.0]
    hits = local_search_hits(runs)
    assert hits.to_dict("records") == [
        {"problem": "p", "algorithm": "hamp", "runs": 2, "proposed": 8, "hits": 2, "hit_rate": 0.25}
    ]
    build_report([tmp_path / "r"], tmp_path / "out", reference="hamp", figures_on=True)
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| p | hamp | 2 | 8 | 2 | 0.2500 |" in md
    assert "![operators_p_hamp](figures/operators_p_hamp.png)" in md
    assert (tmp_path / "out" / "figures" / "operators_p_old.pdf").is_file()
