"""Gathering run records and comparing final hypervolumes."""

import json

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from hamp_bench.errors import RecordError
from hamp_bench.reports.compare import a12, compare
from hamp_bench.reports.gather import final_hypervolume, gather, load_run

from conftest import run_cell


def _fake_run(folder, F, fingerprint="fp", algorithm="a", seed=0, version=1):
    folder.mkdir(parents=True)
    meta = {"record_version": version, "status": "completed", "algorithm": algorithm,
            "seed": seed, "budget_used": len(F),
            "problem": {"name": "p", "fingerprint": fingerprint,
                        "objectives": [{"name": "f1", "direction": "min"},
                                       {"name": "f2", "direction": "min"}],
                        "ideal": [0, 0], "nadir": [1, 1], "ref_point_normalised": [1.1, 1.1]}}
    (folder / "run.json").write_text(json.dumps(meta))
    rows = "\n".join(f"{i},{a},{b}" for i, (a, b) in enumerate(F))
    (folder / "evaluations.csv").write_text("eval_id,f1,f2\n" + rows + "\n")
    return meta


def test_hypervolume_of_a_hand_computed_front(tmp_path):
    # points (0.2, 0.6), (0.5, 0.3) and a dominated (0.6, 0.7): against (1.1, 1.1) the union of
    # boxes is 0.9*0.5 + 0.6*0.8 - 0.6*0.5 = 0.63
    meta = _fake_run(tmp_path / "r", [(0.2, 0.6), (0.5, 0.3), (0.6, 0.7)])
    assert final_hypervolume(tmp_path / "r", meta) == pytest.approx(0.63)


def test_compare_uses_the_rank_sum_test_and_a12(tmp_path):
    for seed in range(5):
        _fake_run(tmp_path / f"a{seed}", [(0.1 * seed, 0.5)], algorithm="ref", seed=seed)
        _fake_run(tmp_path / f"b{seed}", [(0.5 + 0.05 * seed, 0.9)], algorithm="other", seed=seed)
    table = gather(tmp_path)
    out = compare(table, "ref").set_index("algorithm")
    ref, other = table[table.algorithm == "ref"].hv, table[table.algorithm == "other"].hv
    assert out.loc["other", "p_vs_reference"] == pytest.approx(
        mannwhitneyu(ref, other, alternative="two-sided").pvalue)
    assert out.loc["other", "a12_vs_reference"] == 1.0  # every reference run is better
    assert a12([1, 2], [2, 3]) == pytest.approx(0.125)


def test_refusals(tmp_path):
    with pytest.raises(RecordError, match="no run records"):
        gather(tmp_path)
    _fake_run(tmp_path / "x", [(0.1, 0.2)], fingerprint="one")
    _fake_run(tmp_path / "y", [(0.1, 0.2)], fingerprint="two")
    with pytest.raises(RecordError, match="different fingerprints"):
        gather(tmp_path)
    _fake_run(tmp_path / "z", [(0.1, 0.2)], version=99)
    with pytest.raises(RecordError, match="record_version"):
        load_run(tmp_path / "z")


def test_gather_reads_real_runs(tmp_path):
    out = run_cell(tmp_path / "r", "algorithm=nsga2", "problem=zdt1", "budget=300")
    table = gather(tmp_path)
    p = out.problem
    expected = __import__("hamp_bench.pareto", fromlist=["x"]).normalised_hypervolume(
        p.normalise(out.evaluator.front.F), p.ref_point)
    assert table.loc[0, "hv"] == pytest.approx(expected) and table.loc[0, "budget_used"] == 300
